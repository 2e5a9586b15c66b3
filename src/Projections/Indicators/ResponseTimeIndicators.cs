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
    public Task<ResponseTimeReport> ReportAsync(string groupBy, DateTimeOffset asOf, CancellationToken cancellationToken = default) =>
        ReportAsync(groupBy, new ComplaintScope(asOf), cancellationToken);

    /// <summary>The times of the complaints <paramref name="scope"/> holds (submitted after an instant, of one administration).</summary>
    public async Task<ResponseTimeReport> ReportAsync(string groupBy, ComplaintScope scope, CancellationToken cancellationToken = default)
    {
        var ((rows, total), freshness) = await ReadModelSql.QueryAsync(dataSource, schema, ComplaintListProjection.ProjectionName, Command(schema, groupBy, scope), ReadAsync, cancellationToken)
            .ConfigureAwait(false);
        return new ResponseTimeReport(groupBy, rows, total, freshness);
    }

    /// <summary>The statement of a report, to run alone or beside others in one snapshot (the annual report).</summary>
    public static NpgsqlBatchCommand Command(string schema, string groupBy, ComplaintScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
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
        var command = new NpgsqlBatchCommand($"""
            SELECT {key}::text, count(*) FILTER (WHERE acknowledged_at <= $1), avg({Ack}), percentile_cont(0.5) WITHIN GROUP (ORDER BY {Ack}), percentile_cont(0.9) WITHIN GROUP (ORDER BY {Ack}),
                   count(*) FILTER (WHERE answered_at <= $1), avg({Ans}), percentile_cont(0.5) WITHIN GROUP (ORDER BY {Ans}), percentile_cont(0.9) WITHIN GROUP (ORDER BY {Ans}),
                   (100.0 * count(*) FILTER (WHERE answered_at <= $1 AND answered_at <= answer_due) / nullif(count(*) FILTER (WHERE answered_at <= $1), 0))::float8,
                   GROUPING({key}) = 1 AS total
              FROM {schema}.rm_complaint_list c
             WHERE {ComplaintScope.Where}
             GROUP BY GROUPING SETS (({key}), ())
             ORDER BY total, 1
            """);
        scope.AddParameters(command);
        return command;
    }

    /// <summary>Reads the result of <see cref="Command"/>: the groups in order, and their total (zeros when no complaint is in scope).</summary>
    public static async Task<(IReadOnlyList<ResponseTimeRow> Rows, ResponseTimeRow Total)> ReadAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
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

        return (rows, total ?? new ResponseTimeRow("total", 0, null, null, null, 0, null, null, null, null));
    }

    private static ResponseTimeRow Row(NpgsqlDataReader r)
    {
        double? D(int i) => r.IsDBNull(i) ? null : Math.Round(r.GetDouble(i), 2);
        return new ResponseTimeRow(r.IsDBNull(0) ? "total" : r.GetString(0), r.GetInt64(1), D(2), D(3), D(4), r.GetInt64(5), D(6), D(7), D(8), D(9));
    }
}
