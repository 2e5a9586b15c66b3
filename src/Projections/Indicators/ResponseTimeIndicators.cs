using Idarati.Projections.Complaints;
using Npgsql;

namespace Idarati.Projections.Indicators;

/// <summary>Times in days: to acknowledge and to (first) answer, as mean, median and 90th percentile, and the share answered within the legal deadline.</summary>
public sealed record ResponseTimeRow(
    string Group, long Acknowledged, double? AcknowledgeMeanDays, double? AcknowledgeMedianDays, double? AcknowledgeP90Days,
    long Answered, double? AnswerMeanDays, double? AnswerMedianDays, double? AnswerP90Days, double? AnsweredWithinDeadlinePercent);

public sealed record ResponseTimeReport(string GroupBy, IReadOnlyList<ResponseTimeRow> Rows, ResponseTimeRow Total, Freshness Freshness)
{
    /// <summary>The global log position the figures cover.</summary>
    public long Position => Freshness.Position;
}

/// <summary>Response times from the complaint list read model, computed at query time so they always agree with it.</summary>
public sealed class ResponseTimeIndicators(NpgsqlDataSource dataSource, string schema)
{
    public static readonly IReadOnlyList<string> Groupings = ["administration", "category", "month", "none"];

    /// <param name="asOf">Acknowledgements and answers given by then, of complaints submitted by then.</param>
    public async Task<ResponseTimeReport> ReportAsync(string groupBy, DateTimeOffset asOf, CancellationToken cancellationToken = default)
    {
        var key = groupBy switch
        {
            "administration" => "administration_id",
            "category" => "category_code",
            "month" => $"to_char(submitted_at AT TIME ZONE '{ReadModelSql.Morocco}', 'YYYY-MM')",
            "none" => "'all'::text", // an expression: a bare constant is refused in GROUP BY
            _ => throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy, "Unknown grouping."),
        };
        // date_part gives float8 (extract's numeric sorts far slower for the percentiles), and one scan computes the
        // groups and the total (the empty grouping set).
        const string Ack = "date_part('epoch', CASE WHEN acknowledged_at <= $1 THEN acknowledged_at END - submitted_at) / 86400";
        const string Ans = "date_part('epoch', CASE WHEN answered_at <= $1 THEN answered_at END - submitted_at) / 86400";
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            SELECT {key}::text, count(*) FILTER (WHERE acknowledged_at <= $1), avg({Ack}), percentile_cont(0.5) WITHIN GROUP (ORDER BY {Ack}), percentile_cont(0.9) WITHIN GROUP (ORDER BY {Ack}),
                   count(*) FILTER (WHERE answered_at <= $1), avg({Ans}), percentile_cont(0.5) WITHIN GROUP (ORDER BY {Ans}), percentile_cont(0.9) WITHIN GROUP (ORDER BY {Ans}),
                   (100.0 * count(*) FILTER (WHERE answered_at <= $1 AND answered_at <= answer_due) / nullif(count(*) FILTER (WHERE answered_at <= $1), 0))::float8,
                   GROUPING({key}) = 1 AS total
              FROM {schema}.rm_complaint_list
             WHERE submitted_at <= $1
             GROUP BY GROUPING SETS (({key}), ())
             ORDER BY total, 1
            """)
        {
            Parameters = { new NpgsqlParameter<DateTime> { TypedValue = asOf.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz } },
        });
        batch.BatchCommands.Add(ReadModelSql.Checkpoint(schema, ComplaintListProjection.ProjectionName));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<ResponseTimeRow>();
        ResponseTimeRow? total = null;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (reader.GetBoolean(10))
            {
                total = Row(reader) with { Group = "total" };
            }
            else
            {
                rows.Add(Row(reader));
            }
        }

        return new ResponseTimeReport(groupBy, rows, total!, await ReadModelSql.ReadFreshnessAsync(reader, cancellationToken).ConfigureAwait(false));
    }

    private static ResponseTimeRow Row(NpgsqlDataReader r)
    {
        double? D(int i) => r.IsDBNull(i) ? null : Math.Round(r.GetDouble(i), 2);
        return new ResponseTimeRow(r.IsDBNull(0) ? "total" : r.GetString(0), r.GetInt64(1), D(2), D(3), D(4), r.GetInt64(5), D(6), D(7), D(8), D(9));
    }
}
