using Npgsql;
using NpgsqlTypes;

namespace Idarati.Projections;

/// <summary>What every table projection needs: parameters from plain values, enum names as stored, and a reset.</summary>
public static class ReadModelSql
{
    public static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                DateTimeOffset d => new NpgsqlParameter<DateTime> { TypedValue = d.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                string text => new NpgsqlParameter<string> { TypedValue = Clean(text) },
                _ => new NpgsqlParameter { Value = value },
            });
        }

        return command;
    }

    /// <summary>
    /// Text from an event as a read model can store it: PostgreSQL's text holds no NUL, and Npgsql refuses a lone
    /// surrogate. The API refuses both at the door, but the log may hold older or imported events, and no event a
    /// client could have caused may stop a projection: NUL is dropped and a lone surrogate becomes U+FFFD. The event
    /// itself is never rewritten.
    /// </summary>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var clean = true;
        for (var i = 0; i < text.Length && clean; i++)
        {
            clean = text[i] != '\0' && (!char.IsSurrogate(text[i]) || (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[++i])));
        }

        if (clean)
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else
            {
                builder.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return builder.ToString();
    }

    /// <summary><see cref="Clean(string)"/> for an optional text.</summary>
    public static string? CleanOrNull(string? text) => text is null ? null : Clean(text);

    /// <summary>The camelCase name the API and the events use for an enum value.</summary>
    /// <summary>The time zone whose calendar months and days the indicators count in (the service's dates mean Morocco's days).</summary>
    public const string Morocco = "Africa/Casablanca";

    public static string Wire<T>(T value)
        where T : struct, Enum => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    /// <summary>A timestamptz column as an instant in UTC, or null.</summary>
    public static DateTimeOffset? Instant(NpgsqlDataReader reader, int column)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(column) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(column), TimeSpan.Zero);
    }

    /// <summary>
    /// The statement that reads how fresh the read models of a report are, in one row: the position every one of them
    /// has reached (0 before its first batch: the checkpoint the report covers), the events of the log after it, and
    /// when the oldest of those was recorded (null when none waits).
    /// </summary>
    public static NpgsqlBatchCommand Checkpoint(string schema, params string[] projections) =>
        Command($"""
            SELECT p.position, greatest(h.head - p.position, 0),
                   (SELECT e.timestamp FROM {schema}.mt_events e WHERE e.seq_id > p.position ORDER BY e.seq_id LIMIT 1)
              FROM (SELECT coalesce(min(coalesce(g.last_seq_id, 0)), 0) AS position
                      FROM unnest($1::text[]) AS n(name) LEFT JOIN {schema}.mt_event_progression g ON g.name = n.name) p,
                   (SELECT coalesce(max(seq_id), 0) AS head FROM {schema}.mt_events) h
            """, (object)projections.Select(ProjectionMonitor.ShardName).ToArray());

    /// <summary>One statement over a read model, read by <paramref name="read"/>, and the checkpoint of <paramref name="projection"/> in the same round trip.</summary>
    public static async Task<(T Result, Freshness Freshness)> QueryAsync<T>(
        NpgsqlDataSource dataSource, string schema, string projection, NpgsqlBatchCommand command, Func<NpgsqlDataReader, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(read);
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(command);
        batch.BatchCommands.Add(Checkpoint(schema, projection));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var result = await read(reader, cancellationToken).ConfigureAwait(false);
        return (result, await ReadFreshnessAsync(reader, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Reads the row of <see cref="Checkpoint"/>, the next result of <paramref name="reader"/>.</summary>
    public static async Task<Freshness> ReadFreshnessAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new Freshness(reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
    }

    /// <summary>Runs the statements of one batch, if any, in the daemon's transaction.</summary>
    public static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IEnumerable<NpgsqlBatchCommand> commands, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

/// <summary>
/// Rows for statements that take whole columns as arrays (INSERT ... SELECT FROM unnest, UPDATE ... FROM unnest), so
/// that a batch of events costs one statement per kind of change rather than one per event. Inserts run before
/// updates, so an update meets the rows the same batch inserted. Each column's values share one type: string, int,
/// bool or DateTimeOffset (stored as timestamptz).
/// </summary>
public sealed class ColumnBatch
{
    private readonly List<(string Sql, int Phase, List<object[]> Rows)> _statements = [];

    public void Insert(string sql, params object[] row) => Add(sql, 0, row);

    public void Update(string sql, params object[] row) => Add(sql, 1, row);

    public IEnumerable<NpgsqlBatchCommand> Commands() => _statements.OrderBy(s => s.Phase).Select(s =>
    {
        var command = new NpgsqlBatchCommand(s.Sql);
        for (var c = 0; c < s.Rows[0].Length; c++)
        {
            command.Parameters.Add(Column(s.Rows, c));
        }

        return command;
    });

    private void Add(string sql, int phase, object[] row)
    {
        var index = _statements.FindIndex(s => s.Sql == sql);
        if (index < 0)
        {
            _statements.Add((sql, phase, [row]));
        }
        else
        {
            _statements[index].Rows.Add(row);
        }
    }

    private static NpgsqlParameter Column(List<object[]> rows, int c) => rows[0][c] switch
    {
        string => new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => ReadModelSql.Clean((string)r[c]))] },
        int => new NpgsqlParameter<int[]> { TypedValue = [.. rows.Select(r => (int)r[c])] },
        long => new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => (long)r[c])] },
        bool => new NpgsqlParameter<bool[]> { TypedValue = [.. rows.Select(r => (bool)r[c])] },
        DateTimeOffset => new NpgsqlParameter<DateTime[]> { TypedValue = [.. rows.Select(r => ((DateTimeOffset)r[c]).UtcDateTime)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
        var other => throw new ArgumentException($"No array column for {other.GetType().Name}.", nameof(rows)),
    };
}

