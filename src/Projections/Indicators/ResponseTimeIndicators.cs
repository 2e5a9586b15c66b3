using Idarati.Projections.Complaints;
using Npgsql;

namespace Idarati.Projections.Indicators;

/// <summary>Times in days: to acknowledge and to (first) answer, as mean, median and 90th percentile, and the share answered within the legal deadline.</summary>
public sealed record ResponseTimeRow(
    string Group, long Acknowledged, double? AcknowledgeMeanDays, double? AcknowledgeMedianDays, double? AcknowledgeP90Days,
    long Answered, double? AnswerMeanDays, double? AnswerMedianDays, double? AnswerP90Days, double? AnsweredWithinDeadlinePercent);

public sealed record ResponseTimeReport(string GroupBy, IReadOnlyList<ResponseTimeRow> Rows, ResponseTimeRow Total, long Position);

/// <summary>Response times from the complaint list read model, computed at query time so they always agree with it.</summary>
public sealed class ResponseTimeIndicators(NpgsqlDataSource dataSource, string schema)
{
    public static readonly IReadOnlyList<string> Groupings = ["administration", "category", "month", "none"];

    public async Task<ResponseTimeReport> ReportAsync(string groupBy, CancellationToken cancellationToken = default)
    {
        var key = groupBy switch
        {
            "administration" => "administration_id",
            "category" => "category_code",
            "month" => "to_char(submitted_at AT TIME ZONE 'UTC', 'YYYY-MM')",
            "none" => "'all'",
            _ => throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy, "Unknown grouping."),
        };
        const string Ack = "extract(epoch FROM acknowledged_at - submitted_at) / 86400.0";
        const string Ans = "extract(epoch FROM answered_at - submitted_at) / 86400.0";
        var select = $"""
            count(acknowledged_at), avg({Ack})::float8, (percentile_cont(0.5) WITHIN GROUP (ORDER BY {Ack}))::float8, (percentile_cont(0.9) WITHIN GROUP (ORDER BY {Ack}))::float8,
            count(answered_at), avg({Ans})::float8, (percentile_cont(0.5) WITHIN GROUP (ORDER BY {Ans}))::float8, (percentile_cont(0.9) WITHIN GROUP (ORDER BY {Ans}))::float8,
            (100.0 * count(*) FILTER (WHERE answered_at <= answer_due) / nullif(count(answered_at), 0))::float8
            """;
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT {key}, {select} FROM {schema}.rm_complaint_list GROUP BY 1 ORDER BY 1"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT 'total', {select} FROM {schema}.rm_complaint_list"));
        batch.BatchCommands.Add(ReadModelSql.Checkpoint(schema, ComplaintListProjection.ProjectionName));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<ResponseTimeRow>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(Row(reader));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var total = Row(reader);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new ResponseTimeReport(groupBy, rows, total, reader.GetInt64(0));
    }

    private static ResponseTimeRow Row(NpgsqlDataReader r)
    {
        double? D(int i) => r.IsDBNull(i) ? null : Math.Round(r.GetDouble(i), 2);
        return new ResponseTimeRow(r.GetString(0), r.GetInt64(1), D(2), D(3), D(4), r.GetInt64(5), D(6), D(7), D(8), D(9));
    }
}
