using Idarati.Domain.CallCenter;
using Npgsql;

namespace Idarati.Projections.CallCenter;

/// <summary>One row per 3737 ticket: channel, category, language and its times. Topics and answers stay in the stream.</summary>
public sealed class TicketListProjection(string schema) : IReadModelProjection
{
    public const string ProjectionName = "ticket-list";

    public string Name => ProjectionName;

    public IReadOnlyCollection<Type> EventTypes { get; } = [.. TicketEvent.StoredNames.Keys];

    public string Table => $"{schema}.rm_ticket_list";

    public async Task CreateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            CREATE TABLE IF NOT EXISTS {Table} (
                ticket_id uuid PRIMARY KEY,
                channel text NOT NULL,
                category_code text NOT NULL,
                language text NOT NULL,
                opened_at timestamptz NOT NULL,
                answered_at timestamptz,
                escalated_at timestamptz,
                closed_at timestamptz);
            CREATE INDEX IF NOT EXISTS rm_ticket_list_category ON {Table} (category_code);
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ProjectedEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var batch = new ColumnBatch();
        string Set(string column) => $"UPDATE {Table} AS t SET {column} = u.value FROM unnest($1::uuid[], $2::timestamptz[]) AS u (id, value) WHERE t.ticket_id = u.id";
        foreach (var e in events)
        {
            var id = e.StreamId["ticket-".Length..];
            switch (e.Data)
            {
                case TicketEvent.Opened o:
                    batch.Insert($"""
                        INSERT INTO {Table} (ticket_id, channel, category_code, language, opened_at)
                        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
                        """, id, ReadModelSql.Wire(o.Details.Channel), o.Details.CategoryCode, ReadModelSql.Wire(o.Details.Language), o.Details.OpenedAt);
                    break;
                case TicketEvent.Answered a:
                    batch.Update(Set("answered_at"), id, a.AnsweredAt);
                    break;
                case TicketEvent.EscalatedToComplaint x:
                    batch.Update(Set("escalated_at"), id, x.EscalatedAt);
                    break;
                case TicketEvent.Closed c:
                    batch.Update(Set("closed_at"), id, c.ClosedAt);
                    break;
            }
        }

        await ReadModelSql.ExecuteAsync(connection, transaction, batch.Commands(), cancellationToken).ConfigureAwait(false);
        if (events.Count > 0)
        {
            await Live.LiveNotices.TicketsAsync(connection, transaction, events[^1].Sequence, cancellationToken).ConfigureAwait(false);
        }
    }

    public IReadOnlyList<string> Tables => [Table];
}

/// <summary>Questions per category or channel with their share of the total, and answer times in minutes.</summary>
public sealed record CallCenterRow(string Group, long Questions, double SharePercent, long Answered, long Escalated, double? AnswerMeanMinutes, double? AnswerMedianMinutes);

public sealed record CallCenterReport(string GroupBy, IReadOnlyList<CallCenterRow> Rows, long Total, Freshness Freshness)
{
    /// <summary>The global log position the figures cover.</summary>
    public long Position => Freshness.Position;
}

public sealed class CallCenterIndicators(NpgsqlDataSource dataSource, string schema)
{
    public static readonly IReadOnlyList<string> Groupings = ["category", "channel"];

    /// <param name="asOf">Questions opened by then, answered and escalated by then.</param>
    public async Task<CallCenterReport> ReportAsync(string groupBy, DateTimeOffset asOf, CancellationToken cancellationToken = default)
    {
        var key = groupBy switch
        {
            "category" => "category_code",
            "channel" => "channel",
            _ => throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy, "Unknown grouping."),
        };
        const string Minutes = "extract(epoch FROM CASE WHEN answered_at <= $1 THEN answered_at END - opened_at) / 60.0";
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            SELECT {key}, count(*), (100.0 * count(*) / sum(count(*)) OVER ())::float8, count(*) FILTER (WHERE answered_at <= $1), count(*) FILTER (WHERE escalated_at <= $1),
                   avg({Minutes})::float8, (percentile_cont(0.5) WITHIN GROUP (ORDER BY {Minutes}))::float8
              FROM {schema}.rm_ticket_list WHERE opened_at <= $1 GROUP BY 1 ORDER BY 1
            """)
        {
            Parameters = { new NpgsqlParameter<DateTime> { TypedValue = asOf.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz } },
        });
        batch.BatchCommands.Add(ReadModelSql.Checkpoint(schema, TicketListProjection.ProjectionName));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<CallCenterRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new CallCenterRow(reader.GetString(0), reader.GetInt64(1), Math.Round(reader.GetDouble(2), 2), reader.GetInt64(3), reader.GetInt64(4),
                reader.IsDBNull(5) ? null : Math.Round(reader.GetDouble(5), 2), reader.IsDBNull(6) ? null : Math.Round(reader.GetDouble(6), 2)));
        }

        return new CallCenterReport(groupBy, rows, rows.Sum(r => r.Questions), await ReadModelSql.ReadFreshnessAsync(reader, cancellationToken).ConfigureAwait(false));
    }
}
