using Idarati.Projections.Complaints;
using Npgsql;

namespace Idarati.Projections.Indicators;

/// <summary>Processing figures of one group: received, processed (answered, rejected, taken into account or closed), and their shares.</summary>
public sealed record ProcessingRow(
    string Group, long Received, long Processed, double ProcessingRate, long Favourable, long Satisfied, long Unsatisfied,
    long Reopened, long InProgress, long Overdue, long Answered, double? AnsweredWithinDeadlinePercent)
{
    /// <summary>Complaints whose answer period passed unanswered by then, as the service recorded it (<c>complaint.overdue</c>), whatever became of them after.</summary>
    public long WentOverdue { get; init; }
}

public sealed record ProcessingReport(string GroupBy, IReadOnlyList<ProcessingRow> Rows, ProcessingRow Total, Freshness Freshness)
{
    /// <summary>The global log position the figures cover.</summary>
    public long Position => Freshness.Position;
}

/// <summary>
/// Aggregates the complaint list read model at query time, so the figures always agree with the list; the position says
/// how far into the log they are. Overdue: due date passed and not processed, at the date asked for (now by default);
/// went overdue: the service recorded the period passing unanswered (<c>complaint.overdue</c>) by then.
/// </summary>
public sealed class ProcessingIndicators(NpgsqlDataSource dataSource, string schema)
{
    public static readonly IReadOnlyList<string> Groupings = ["administration", "administrationKind", "category", "kind", "channel", "month", "none"];

    /// <param name="asOf">
    /// Complaints submitted by then, processed, answered and overdue as they stood then (the read model keeps each
    /// step's time). Satisfaction and reopenings have no time of their own in the list: they count for the complaints
    /// processed by then, as they stand now.
    /// </param>
    public Task<ProcessingReport> ReportAsync(string groupBy, DateTimeOffset asOf, CancellationToken cancellationToken = default) =>
        ReportAsync(groupBy, new ComplaintScope(asOf), cancellationToken);

    /// <summary>The figures of the complaints <paramref name="scope"/> holds (submitted after an instant, of one administration).</summary>
    public async Task<ProcessingReport> ReportAsync(string groupBy, ComplaintScope scope, CancellationToken cancellationToken = default)
    {
        var ((rows, total), freshness) = await ReadModelSql.QueryAsync(dataSource, schema, ComplaintListProjection.ProjectionName, Command(schema, groupBy, scope), ReadAsync, cancellationToken)
            .ConfigureAwait(false);
        return new ProcessingReport(groupBy, rows, total, freshness);
    }

    /// <summary>The statement of a report, to run alone or beside others in one snapshot (the annual report).</summary>
    public static NpgsqlBatchCommand Command(string schema, string groupBy, ComplaintScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var key = groupBy switch
        {
            "administration" => "c.administration_id",
            // The administration directory read model holds each administration's kind; one not (yet) in it is "unknown".
            "administrationKind" => "coalesce(a.kind, 'unknown')",
            "category" => "category_code",
            "kind" => "c.kind",
            "channel" => "channel",
            "month" => $"to_char(submitted_at AT TIME ZONE '{ReadModelSql.Morocco}', 'YYYY-MM')",
            "none" => "'all'",
            _ => throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy, "Unknown grouping."),
        };
        var command = new NpgsqlBatchCommand($"""
            SELECT {key} AS grp,
                   count(*),
                   count(*) FILTER (WHERE processed_at <= $1),
                   count(*) FILTER (WHERE outcome = 'favourable' AND answered_at <= $1),
                   count(*) FILTER (WHERE satisfied AND processed_at <= $1),
                   count(*) FILTER (WHERE NOT satisfied AND processed_at <= $1),
                   count(*) FILTER (WHERE reopen_count > 0 AND processed_at <= $1),
                   count(*) FILTER (WHERE processed_at IS NULL OR processed_at > $1),
                   count(*) FILTER (WHERE (processed_at IS NULL OR processed_at > $1) AND answer_due < $1),
                   count(*) FILTER (WHERE answered_at <= $1),
                   count(*) FILTER (WHERE answered_at <= $1 AND answered_at <= answer_due),
                   count(*) FILTER (WHERE first_overdue_at <= $1)
              FROM {schema}.rm_complaint_list c
              {(groupBy == "administrationKind" ? $"LEFT JOIN {schema}.rm_administrations a ON a.administration_id = c.administration_id" : "")}
             WHERE {ComplaintScope.Where}
             GROUP BY 1
            """);
        scope.AddParameters(command);
        return command;
    }

    /// <summary>Reads the result of <see cref="Command"/>: the groups in order, and their total.</summary>
    public static async Task<(IReadOnlyList<ProcessingRow> Rows, ProcessingRow Total)> ReadAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var raw = new List<(string Group, long[] Counts)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            raw.Add((reader.GetString(0), Enumerable.Range(1, Counts).Select(reader.GetInt64).ToArray()));
        }

        var rows = raw.Select(r => Row(r.Group, r.Counts)).OrderBy(r => r.Group, StringComparer.Ordinal).ToList();
        return (rows, Row("total", Enumerable.Range(0, Counts).Select(i => raw.Sum(r => r.Counts[i])).ToArray()));
    }

    /// <summary>The counts each group's statement reads, in order.</summary>
    private const int Counts = 11;

    /// <remarks>The share answered within the legal deadline is the response-time report's, from the same rows: answered by the due date, of those answered.</remarks>
    private static ProcessingRow Row(string group, long[] c) =>
        new(group, c[0], c[1], c[0] == 0 ? 0 : Math.Round(100.0 * c[1] / c[0], 2), c[2], c[3], c[4], c[5], c[6], c[7], c[8],
            c[8] == 0 ? null : Math.Round(100.0 * c[9] / c[8], 2)) { WentOverdue = c[10] };
}
