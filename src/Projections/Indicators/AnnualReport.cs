using System.Data;
using Idarati.Projections.Complaints;
using Npgsql;

namespace Idarati.Projections.Indicators;

/// <summary>A count under a key (a rejection's legal reason).</summary>
public sealed record KeyCount(string Key, long Count);

/// <summary>
/// What a department files each year with the ministry in charge of administrative reform: the complaints, remarks and
/// proposals it received and the answers it gave. Every figure is the indicators API's for the same scope (the
/// complaints submitted in the year that the administration owns), read in one snapshot of the read models at
/// <see cref="Position"/>, so that anyone can compute it again from the same events.
/// </summary>
public sealed record AnnualReport(
    string AdministrationId, int Year, DateTimeOffset After, DateTimeOffset AsOf, IReadOnlyList<ProcessingRow> ByKind, ProcessingRow Total,
    ResponseTimeRow ResponseTimes, IReadOnlyList<ProcessingRow> TopCategories, IReadOnlyList<ProcessingRow> Months,
    IReadOnlyList<KeyCount> RejectionsByReason, long TransfersIn, long TransfersOut, Freshness Freshness)
{
    /// <summary>The global log position the figures cover: every event up to it, and none after.</summary>
    public long Position => Freshness.Position;
}

/// <summary>The annual report's query: the indicators' own statements, and two of its own, in one repeatable-read snapshot.</summary>
public sealed class AnnualReports(NpgsqlDataSource dataSource, string schema)
{
    /// <summary>How many categories the report names, most received first.</summary>
    public const int TopCategoryCount = 10;

    /// <param name="scope">The year: after the end of the year before, as of the end of the year, of one administration.</param>
    public async Task<AnnualReport> ReportAsync(int year, ComplaintScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var administration = scope.AdministrationId ?? throw new ArgumentException("An annual report is an administration's.", nameof(scope));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for every statement: the checkpoint read last is the position of every figure before it.
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(ProcessingIndicators.Command(schema, "kind", scope));
        batch.BatchCommands.Add(ProcessingIndicators.Command(schema, "category", scope));
        batch.BatchCommands.Add(ProcessingIndicators.Command(schema, "month", scope));
        batch.BatchCommands.Add(ResponseTimeIndicators.Command(schema, "none", scope));
        var rejections = new NpgsqlBatchCommand($"""
            SELECT rejection_reason, count(*) FROM {schema}.rm_complaint_list c
             WHERE {ComplaintScope.Where} AND c.rejected_at <= $1
             GROUP BY 1 ORDER BY 2 DESC, 1
            """);
        scope.AddParameters(rejections);
        batch.BatchCommands.Add(rejections);
        // Transfers made in the year, whenever the complaint was submitted.
        var transfers = new NpgsqlBatchCommand($"""
            SELECT count(*) FILTER (WHERE to_administration = $3), count(*) FILTER (WHERE from_administration = $3)
              FROM {schema}.rm_complaint_transfers
             WHERE transferred_at <= $1 AND ($2::timestamptz IS NULL OR transferred_at > $2) AND $3 IN (from_administration, to_administration)
            """);
        scope.AddParameters(transfers);
        batch.BatchCommands.Add(transfers);
        batch.BatchCommands.Add(ReadModelSql.Checkpoint(schema, ComplaintListProjection.ProjectionName));
        AnnualReport report;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            var (byKind, total) = await ProcessingIndicators.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var (categories, _) = await ProcessingIndicators.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var (months, _) = await ProcessingIndicators.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var (_, times) = await ResponseTimeIndicators.ReadAsync(reader, cancellationToken).ConfigureAwait(false);
            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var reasons = new List<KeyCount>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                reasons.Add(new KeyCount(reader.GetString(0), reader.GetInt64(1)));
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var (transfersIn, transfersOut) = (reader.GetInt64(0), reader.GetInt64(1));
            var freshness = await ReadModelSql.ReadFreshnessAsync(reader, cancellationToken).ConfigureAwait(false);
            var top = categories.OrderByDescending(c => c.Received).ThenBy(c => c.Group, StringComparer.Ordinal).Take(TopCategoryCount).ToList();
            report = new AnnualReport(administration, year, scope.After!.Value, scope.AsOf, byKind, total, times, top, months, reasons, transfersIn, transfersOut, freshness);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return report;
    }
}
