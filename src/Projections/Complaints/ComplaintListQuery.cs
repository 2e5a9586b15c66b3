using Npgsql;

namespace Idarati.Projections.Complaints;

/// <summary>A row of the complaint list: no personal data.</summary>
public sealed record ComplaintRow(
    Guid Id, string TrackingNumber, string AdministrationId, string Kind, string CategoryCode, string Channel, string Region, string Status,
    DateTimeOffset SubmittedAt, DateTimeOffset AnswerDue, DateTimeOffset? AcknowledgedAt, DateTimeOffset? AnsweredAt, DateTimeOffset? ClosedAt,
    int ReopenCount, bool? Satisfied, bool Overdue, long Version);

/// <summary>A page of rows, the cursor of the next page, and the global position the read model was at.</summary>
public sealed record ComplaintPage(IReadOnlyList<ComplaintRow> Items, string? Next, long Position);

public sealed record ComplaintFilter(string? AdministrationId, string? Status, string? CategoryCode, bool? Overdue, int Limit, string? After);

/// <summary>Reads the complaint list read model, newest first, with keyset paging.</summary>
public sealed class ComplaintListQuery(NpgsqlDataSource dataSource, string schema)
{
    /// <summary>
    /// The ids of an administration's complaints submitted in [from, to), oldest first, a page at a time after
    /// <paramref name="after"/> (the last id of the previous page, with its submission time): what an export walks.
    /// </summary>
    public async Task<IReadOnlyList<(Guid Id, DateTimeOffset SubmittedAt)>> IdsAsync(
        string? administrationId, DateTimeOffset from, DateTimeOffset to, (DateTimeOffset SubmittedAt, Guid Id)? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT complaint_id, submitted_at FROM {schema}.rm_complaint_list
             WHERE ($1::text IS NULL OR administration_id = $1) AND submitted_at >= $2 AND submitted_at < $3
               AND ($4::timestamptz IS NULL OR (submitted_at, complaint_id) > ($4, $5))
             ORDER BY submitted_at, complaint_id
             LIMIT $6
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)administrationId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = from.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = to.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after?.SubmittedAt.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)after?.Id ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var ids = new List<(Guid, DateTimeOffset)>(limit);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add((reader.GetGuid(0), new DateTimeOffset(reader.GetFieldValue<DateTime>(1), TimeSpan.Zero)));
        }

        return ids;
    }

    /// <summary>How many complaints an export of the same filter will write.</summary>
    public async Task<long> CountAsync(string? administrationId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT count(*) FROM {schema}.rm_complaint_list
             WHERE ($1::text IS NULL OR administration_id = $1) AND submitted_at >= $2 AND submitted_at < $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)administrationId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = from.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = to.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<ComplaintPage> PageAsync(ComplaintFilter filter, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (afterTime, afterId) = DecodeCursor(filter.After);
        await using var batch = dataSource.CreateBatch();
        var page = new NpgsqlBatchCommand($"""
            SELECT {Columns("$5")}
              FROM {schema}.rm_complaint_list
             {Where}
               AND ($6::timestamptz IS NULL OR (submitted_at, complaint_id) < ($6, $7))
             ORDER BY submitted_at DESC, complaint_id DESC
             LIMIT $8
            """);
        AddFilter(page.Parameters, filter, now);
        page.Parameters.Add(new NpgsqlParameter { Value = (object?)afterTime?.UtcDateTime ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        page.Parameters.Add(new NpgsqlParameter { Value = (object?)afterId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        page.Parameters.Add(new NpgsqlParameter<int> { TypedValue = filter.Limit + 1 });
        batch.BatchCommands.Add(page);
        batch.BatchCommands.Add(ReadModelSql.Checkpoint(schema, ComplaintListProjection.ProjectionName));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var (read, position) = await ReadModelLists.ReadPageAsync(reader, Read, cancellationToken).ConfigureAwait(false);
        var rows = read.ToList();
        string? next = null;
        if (rows.Count > filter.Limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = EncodeCursor(rows[^1].SubmittedAt, rows[^1].Id);
        }

        return new ComplaintPage(rows, next, position);
    }

    /// <summary>
    /// Rows with the log position that last moved each, oldest move first: of these <paramref name="ids"/> (or any), of
    /// this administration (or any), moved after <paramref name="after"/>. What a live subscriber is sent, and what one
    /// that reconnects with its last position has missed.
    /// </summary>
    public async Task<IReadOnlyList<(ComplaintRow Row, long Position)>> RowsAsync(
        Guid[]? ids, string? administrationId, long after, int limit, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns("$1")}, position
              FROM {schema}.rm_complaint_list
             WHERE ($2::uuid[] IS NULL OR complaint_id = ANY($2)) AND ($3::text IS NULL OR administration_id = $3) AND position > $4
             ORDER BY position
             LIMIT $5
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)ids ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)administrationId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = after });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<(ComplaintRow, long)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((Read(reader), reader.GetInt64(17)));
        }

        return rows;
    }

    /// <summary>The list as <see cref="ReadModelLists"/> searches it (where / order / windows).</summary>
    public static readonly ListShape Shape = new(
        "rm_complaint_list", Columns("$1"), "complaint_id",
        new Dictionary<string, ListField>(StringComparer.Ordinal)
        {
            ["trackingNumber"] = new("tracking_number", ListFieldKind.Text),
            ["administrationId"] = new("administration_id", ListFieldKind.Text),
            ["kind"] = new("kind", ListFieldKind.Text),
            ["channel"] = new("channel", ListFieldKind.Text),
            ["categoryCode"] = new("category_code", ListFieldKind.Text),
            ["region"] = new("region", ListFieldKind.Text),
            ["status"] = new("status", ListFieldKind.Text),
            ["submittedAt"] = new("submitted_at", ListFieldKind.Instant),
            ["answerDue"] = new("answer_due", ListFieldKind.Instant),
            ["reopenCount"] = new("reopen_count", ListFieldKind.Integer),
            ["overdue"] = new("(status IN ('received', 'acknowledged') AND answer_due < $1)", ListFieldKind.Boolean),
        },
        [new ListOrder("submittedAt", true)], "administrationId", ComplaintListProjection.ProjectionName);

    /// <summary>The columns of a row, <paramref name="now"/> being the parameter that holds the reader's now (for overdue).</summary>
    private static string Columns(string now) =>
        $"complaint_id, tracking_number, administration_id, kind, category_code, channel, region, status, submitted_at, answer_due, " +
        $"acknowledged_at, answered_at, closed_at, reopen_count, satisfied, (status IN ('received', 'acknowledged') AND answer_due < {now}) AS overdue, version";


    /// <summary>A row of <see cref="Columns"/>.</summary>
    public static ComplaintRow Read(NpgsqlDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new ComplaintRow(
            reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6),
            reader.GetString(7), Time(reader, 8)!.Value, Time(reader, 9)!.Value, Time(reader, 10), Time(reader, 11), Time(reader, 12),
            reader.GetInt32(13), reader.IsDBNull(14) ? null : reader.GetBoolean(14), reader.GetBoolean(15), reader.GetInt64(16));
    }

    /// <summary>The filter's conditions on $1..$5 (administration, status, category, overdue, the reader's now).</summary>
    private const string Where = """
        WHERE ($1::text IS NULL OR administration_id = $1)
          AND ($2::text IS NULL OR status = $2)
          AND ($3::text IS NULL OR category_code = $3)
          AND ($4::boolean IS NULL OR (processed_at IS NULL AND answer_due < $5) = $4)
        """;

    private static void AddFilter(NpgsqlParameterCollection parameters, ComplaintFilter filter, DateTimeOffset now)
    {
        parameters.Add(Text(filter.AdministrationId));
        parameters.Add(Text(filter.Status));
        parameters.Add(Text(filter.CategoryCode));
        parameters.Add(new NpgsqlParameter { Value = (object?)filter.Overdue ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Boolean });
        parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
    }

    public static bool IsCursor(string? value) => value is null || DecodeCursor(value).Time is not null;

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };

    private static DateTimeOffset? Time(NpgsqlDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(column), TimeSpan.Zero);

    private static string EncodeCursor(DateTimeOffset time, Guid id) =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{time.UtcTicks}:{id:N}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static (DateTimeOffset? Time, Guid? Id) DecodeCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return (null, null);
        }

        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var parts = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split(':');
            return (new DateTimeOffset(long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero), Guid.ParseExact(parts[1], "N"));
        }
        catch (Exception e) when (e is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException)
        {
            return (null, null);
        }
    }
}
