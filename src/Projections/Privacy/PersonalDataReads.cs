using Idarati.Domain.Privacy;
using Npgsql;

namespace Idarati.Projections.Privacy;

/// <summary>
/// The access log of personal data as auditors query it: one row per stream each recorded read opened (who, which
/// fields, when, through which route). It names streams, never people: after an erasure nothing links a row to a person.
/// </summary>
public sealed class PersonalDataReadsProjection(string schema) : IReadModelProjection
{
    public const string ProjectionName = "personal-data-reads";

    public string Name => ProjectionName;

    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(PrivacyEvent.PersonalDataRead)];

    public string Table => $"{schema}.rm_personal_data_reads";

    public IReadOnlyList<string> Tables => [Table];

    public async Task CreateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            CREATE TABLE IF NOT EXISTS {Table} (
                seq_id bigint NOT NULL,
                stream_id text NOT NULL,
                read_by text NOT NULL,
                route text NOT NULL,
                fields text NOT NULL,
                read_at timestamptz NOT NULL,
                PRIMARY KEY (stream_id, seq_id));
            CREATE INDEX IF NOT EXISTS rm_personal_data_reads_by ON {Table} (read_by, seq_id);
            CREATE INDEX IF NOT EXISTS rm_personal_data_reads_seq ON {Table} (seq_id);
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ProjectedEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var batch = new ColumnBatch();
        foreach (var e in events)
        {
            if (e.Data is PrivacyEvent.PersonalDataRead read)
            {
                foreach (var stream in read.Streams)
                {
                    batch.Insert($"""
                        INSERT INTO {Table} (seq_id, stream_id, read_by, route, fields, read_at)
                        SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) ON CONFLICT DO NOTHING
                        """, e.Sequence, stream.StreamId, read.ReadBy, read.Route, string.Join(',', stream.Fields), read.ReadAt);
                }
            }
        }

        await ReadModelSql.ExecuteAsync(connection, transaction, batch.Commands(), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>One recorded read of one stream's personal fields.</summary>
public sealed record PersonalDataReadRow(long Position, string StreamId, string ReadBy, string Route, IReadOnlyList<string> Fields, DateTimeOffset ReadAt);

/// <summary>A page of the access log, oldest first, with how far the log's read model has come.</summary>
public sealed record PersonalDataReadPage(IReadOnlyList<PersonalDataReadRow> Reads, long? Next, Freshness Freshness);

/// <summary>What auditors ask of the access log: the reads of some streams, or by someone, in a time range.</summary>
public sealed class PersonalDataReads(NpgsqlDataSource dataSource, string schema)
{
    public const int MaxLimit = 500;

    public async Task<PersonalDataReadPage> ListAsync(IReadOnlyList<string>? streamIds, string? readBy, DateTimeOffset? from, DateTimeOffset? to, long? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            SELECT seq_id, stream_id, read_by, route, fields, read_at FROM {schema}.rm_personal_data_reads
             WHERE ($1::text[] IS NULL OR stream_id = ANY($1)) AND ($2::text IS NULL OR read_by = $2)
               AND ($3::timestamptz IS NULL OR read_at >= $3) AND ($4::timestamptz IS NULL OR read_at <= $4) AND seq_id > $5
             ORDER BY seq_id, stream_id LIMIT $6
            """)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = streamIds is null ? DBNull.Value : streamIds.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text },
                new NpgsqlParameter { Value = (object?)readBy ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                new NpgsqlParameter { Value = from is { } f ? f.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                new NpgsqlParameter { Value = to is { } t ? t.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                new NpgsqlParameter<long> { TypedValue = after ?? 0 },
                new NpgsqlParameter<int> { TypedValue = limit + 1 },
            },
        });
        batch.BatchCommands.Add(ReadModelSql.Checkpoint(schema, PersonalDataReadsProjection.ProjectionName));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<PersonalDataReadRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new PersonalDataReadRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries), reader.GetFieldValue<DateTimeOffset>(5)));
        }

        var freshness = await ReadModelSql.ReadFreshnessAsync(reader, cancellationToken).ConfigureAwait(false);
        // A page ends between positions (one read may cover several streams): the next starts after the last position shown whole.
        var more = rows.Count > limit;
        var page = more ? rows[..limit] : rows;
        if (more && rows[limit].Position == page[^1].Position && page.Any(r => r.Position != page[^1].Position))
        {
            page = [.. page.Where(r => r.Position != rows[limit].Position)];
        }

        return new PersonalDataReadPage(page, more ? page[^1].Position : null, freshness);
    }
}
