using Idarati.Domain.Reference;
using Idarati.Projections.Administrations;
using Idarati.Projections.CallCenter;
using Idarati.Projections.Complaints;
using Idarati.Projections.Employment;
using Npgsql;
using NpgsqlTypes;

namespace Idarati.Projections.Indicators;

/// <summary>One labelled figure of the report: a count or a percentage, with its share of its section when it has one.</summary>
public sealed record ReportFigure(string Key, Label Label, double Value, string Unit, double? SharePercent = null);

public sealed record ReportSection(string Key, Label Label, IReadOnlyList<ReportFigure> Figures);

/// <summary>
/// The IDARATI tracking report as of a date: what the platform published on 2 March 2020, from the read models.
/// <see cref="Position"/> is the smallest checkpoint of the read models it reads, so every event up to it is counted.
/// <see cref="Freshness"/> says how many events wait after it.
/// </summary>
public sealed record TrackingReport(DateTimeOffset AsOf, IReadOnlyList<ReportSection> Sections, Freshness Freshness)
{
    /// <summary>The global log position the figures cover.</summary>
    public long Position => Freshness.Position;
}

public sealed class TrackingReportQuery(NpgsqlDataSource dataSource, string schema)
{
    private static readonly string[] Projections =
        [ComplaintListProjection.ProjectionName, TicketListProjection.ProjectionName, EmploymentProjection.ProjectionName, AdministrationDirectoryProjection.ProjectionName];

    public async Task<TrackingReport> ReportAsync(DateTimeOffset asOf, CancellationToken cancellationToken = default)
    {
        // One statement per figure family, all in one round trip and one snapshot.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(WithAsOf($"""
            SELECT count(*), count(*) FILTER (WHERE processed_at <= $1),
                   (SELECT count(*) FROM {schema}.rm_administrations WHERE registered_at <= $1 AND (deactivated_at IS NULL OR deactivated_at > $1))
              FROM {schema}.rm_complaint_list WHERE submitted_at <= $1
            """, asOf));
        batch.BatchCommands.Add(WithAsOf($"SELECT category_code, count(*) FROM {schema}.rm_ticket_list WHERE opened_at <= $1 GROUP BY 1", asOf));
        batch.BatchCommands.Add(WithAsOf($"""
            SELECT (SELECT count(*) FROM {schema}.rm_candidates WHERE created_at <= $1),
                   (SELECT count(*) FROM {schema}.rm_applications WHERE electronic AND submitted_at <= $1),
                   (SELECT count(*) FROM {schema}.rm_competitions WHERE accepts_electronic AND published_at <= $1)
            """, asOf));
        batch.BatchCommands.Add(ReadModelSql.Checkpoint(schema, Projections));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var (received, processed, administrations) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var questions = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            questions[reader.GetString(0)] = reader.GetInt64(1);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var employment = new EmploymentTotals(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        var freshness = await ReadModelSql.ReadFreshnessAsync(reader, cancellationToken).ConfigureAwait(false);

        var totalQuestions = questions.Values.Sum();
        ReportSection[] sections =
        [
            new("complaints", ReportLabels.Complaints,
            [
                new("received", ReportLabels.ComplaintsReceived, received, "count"),
                new("processed", ReportLabels.ComplaintsProcessed, processed, "count"),
                new("processingRate", ReportLabels.ProcessingRate, Percent(processed, received), "percent"),
                new("participatingAdministrations", ReportLabels.ParticipatingAdministrations, administrations, "count"),
            ]),
            new("callCenter", ReportLabels.CallCenter,
            [
                new("questions", ReportLabels.Questions, totalQuestions, "count"),
                .. Catalogue.CallCenterCategories.Select(c =>
                    new ReportFigure(c.Code, c.Label, questions.GetValueOrDefault(c.Code), "count", Percent(questions.GetValueOrDefault(c.Code), totalQuestions))),
            ]),
            new("employment", ReportLabels.Employment,
            [
                new("candidateAccounts", ReportLabels.CandidateAccounts, employment.CandidateAccounts, "count"),
                new("electronicApplications", ReportLabels.ElectronicApplications, employment.ElectronicApplications, "count"),
                new("competitionsAcceptingElectronicApplications", ReportLabels.CompetitionsAcceptingElectronicApplications, employment.CompetitionsAcceptingElectronicApplications, "count"),
            ]),
        ];
        return new TrackingReport(asOf, sections, freshness);
    }

    private static double Percent(long part, long whole) => whole == 0 ? 0 : Math.Round(100.0 * part / whole, 2, MidpointRounding.AwayFromZero);

    private static NpgsqlBatchCommand WithAsOf(string sql, DateTimeOffset asOf) =>
        new(sql) { Parameters = { new NpgsqlParameter<DateTime> { TypedValue = asOf.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz } } };
}
