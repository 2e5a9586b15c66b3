using Idarati.Domain.JobApplications;
using Idarati.EventStore;
using Idarati.EventStore.Projections;
using Npgsql;

namespace Idarati.Projections.Employment;

/// <summary>
/// emploi-public.ma as analysts see it: competitions, candidate accounts and applications, one row each, without names,
/// national ID numbers or e-mails (those stay in the candidate streams).
/// </summary>
public sealed class EmploymentProjection(string schema) : IProjection
{
    public const string ProjectionName = "employment";

    public string Name => ProjectionName;

    public IReadOnlyCollection<Type> EventTypes { get; } =
        [.. CompetitionEvent.StoredNames.Keys, .. CandidateEvent.StoredNames.Keys, .. ApplicationEvent.StoredNames.Keys];

    public string Competitions => $"{schema}.rm_competitions";

    public string Candidates => $"{schema}.rm_candidates";

    public string Applications => $"{schema}.rm_applications";

    public async Task CreateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            CREATE TABLE IF NOT EXISTS {Competitions} (
                competition_id text PRIMARY KEY,
                administration_id text NOT NULL,
                title text NOT NULL,
                grade text NOT NULL,
                posts int NOT NULL,
                application_deadline timestamptz NOT NULL,
                accepts_electronic boolean NOT NULL,
                published_at timestamptz NOT NULL,
                applications_closed_at timestamptz,
                results_published_at timestamptz);
            CREATE TABLE IF NOT EXISTS {Candidates} (
                candidate_id text PRIMARY KEY,
                created_at timestamptz NOT NULL,
                verified_at timestamptz);
            CREATE TABLE IF NOT EXISTS {Applications} (
                application_id text PRIMARY KEY,
                competition_id text NOT NULL,
                administration_id text NOT NULL,
                electronic boolean NOT NULL,
                submitted_at timestamptz NOT NULL,
                withdrawn_at timestamptz,
                preselected boolean,
                convoked_written_at timestamptz,
                convoked_oral_at timestamptz,
                result text);
            CREATE INDEX IF NOT EXISTS rm_applications_competition ON {Applications} (competition_id);
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<RecordedEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var statements = events.Select(e => e.Data switch
        {
            CompetitionEvent c => Statement(c, e.StreamId),
            CandidateEvent c => Statement(c, e.StreamId),
            ApplicationEvent a => Statement(a, e.StreamId),
            _ => null,
        }).OfType<NpgsqlBatchCommand>();
        await ReadModelSql.ExecuteAsync(connection, transaction, statements, cancellationToken).ConfigureAwait(false);
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"TRUNCATE {Competitions}, {Candidates}, {Applications}", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private NpgsqlBatchCommand Statement(CompetitionEvent @event, string streamId) => @event switch
    {
        CompetitionEvent.Published p => ReadModelSql.Command($"""
            INSERT INTO {Competitions} (competition_id, administration_id, title, grade, posts, application_deadline, accepts_electronic, published_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING
            """, p.Details.CompetitionId, p.Details.AdministrationId, p.Details.Title, p.Details.Grade, p.Details.Posts, p.Details.ApplicationDeadline,
            p.Details.AcceptsElectronicApplications, p.PublishedAt),
        CompetitionEvent.ApplicationsClosed c => ReadModelSql.Command($"UPDATE {Competitions} SET applications_closed_at = $2 WHERE competition_id = $1", Id(streamId), c.ClosedAt),
        CompetitionEvent.ResultsPublished r => ReadModelSql.Command($"UPDATE {Competitions} SET results_published_at = $2 WHERE competition_id = $1", Id(streamId), r.PublishedAt),
        _ => throw new ArgumentOutOfRangeException(nameof(@event), @event, null),
    };

    private NpgsqlBatchCommand Statement(CandidateEvent @event, string streamId) => @event switch
    {
        CandidateEvent.AccountCreated a => ReadModelSql.Command($"INSERT INTO {Candidates} (candidate_id, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING", a.CandidateId, a.CreatedAt),
        CandidateEvent.Verified v => ReadModelSql.Command($"UPDATE {Candidates} SET verified_at = $2 WHERE candidate_id = $1", Id(streamId), v.VerifiedAt),
        _ => throw new ArgumentOutOfRangeException(nameof(@event), @event, null),
    };

    private NpgsqlBatchCommand Statement(ApplicationEvent @event, string streamId)
    {
        var id = Id(streamId);
        return @event switch
        {
            ApplicationEvent.Submitted s => ReadModelSql.Command($"""
                INSERT INTO {Applications} (application_id, competition_id, administration_id, electronic, submitted_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
                """, s.ApplicationId, s.CompetitionId, s.AdministrationId, s.Electronic, s.SubmittedAt),
            ApplicationEvent.Withdrawn w => ReadModelSql.Command($"UPDATE {Applications} SET withdrawn_at = $2 WHERE application_id = $1", id, w.WithdrawnAt),
            ApplicationEvent.Preselected p => ReadModelSql.Command($"UPDATE {Applications} SET preselected = $2 WHERE application_id = $1", id, p.Accepted),
            ApplicationEvent.ConvokedToWrittenExam c => ReadModelSql.Command($"UPDATE {Applications} SET convoked_written_at = $2 WHERE application_id = $1", id, c.ConvokedAt),
            ApplicationEvent.ConvokedToOralExam c => ReadModelSql.Command($"UPDATE {Applications} SET convoked_oral_at = $2 WHERE application_id = $1", id, c.ConvokedAt),
            ApplicationEvent.ResultRecorded r => ReadModelSql.Command($"UPDATE {Applications} SET result = $2 WHERE application_id = $1", id, ReadModelSql.Wire(r.Result)),
            _ => throw new ArgumentOutOfRangeException(nameof(@event), @event, null),
        };
    }

    /// <summary>The domain id a stream id carries: "application-{guid:N}" -> the guid in its usual form.</summary>
    private static string Id(string streamId) => Guid.ParseExact(streamId[(streamId.IndexOf('-', StringComparison.Ordinal) + 1)..], "N").ToString();
}

/// <summary>One competition's funnel: how many applied, were pre-selected, convoked, and what came of it.</summary>
public sealed record CompetitionFunnel(
    string CompetitionId, string AdministrationId, string Title, string Grade, int Posts, bool AcceptsElectronicApplications, DateTimeOffset ApplicationDeadline,
    string Status, long Applied, long ElectronicApplications, long Withdrawn, long Preselected, long ConvokedToWrittenExam, long ConvokedToOralExam,
    long Admitted, long WaitingList, long NotAdmitted);

public sealed record EmploymentReport(
    long CandidateAccounts, long VerifiedCandidateAccounts, long Applications, long ElectronicApplications, long Competitions,
    long CompetitionsAcceptingElectronicApplications, IReadOnlyList<CompetitionFunnel> Funnel, long Position);

/// <summary>The headline employment figures, as of a date when asked.</summary>
public sealed record EmploymentTotals(long CandidateAccounts, long ElectronicApplications, long CompetitionsAcceptingElectronicApplications);

public sealed class EmploymentIndicators(NpgsqlDataSource dataSource, string schema)
{
    public async Task<EmploymentReport> ReportAsync(CancellationToken cancellationToken = default)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            SELECT (SELECT count(*) FROM {schema}.rm_candidates), (SELECT count(verified_at) FROM {schema}.rm_candidates),
                   (SELECT count(*) FROM {schema}.rm_applications), (SELECT count(*) FILTER (WHERE electronic) FROM {schema}.rm_applications),
                   (SELECT count(*) FROM {schema}.rm_competitions), (SELECT count(*) FILTER (WHERE accepts_electronic) FROM {schema}.rm_competitions)
            """));
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            SELECT c.competition_id, c.administration_id, c.title, c.grade, c.posts, c.accepts_electronic, c.application_deadline,
                   CASE WHEN c.results_published_at IS NOT NULL THEN 'resultsPublished' WHEN c.applications_closed_at IS NOT NULL THEN 'closed' ELSE 'open' END,
                   count(a.application_id), count(*) FILTER (WHERE a.electronic), count(a.withdrawn_at), count(*) FILTER (WHERE a.preselected),
                   count(a.convoked_written_at), count(a.convoked_oral_at), count(*) FILTER (WHERE a.result = 'admitted'),
                   count(*) FILTER (WHERE a.result = 'waitingList'), count(*) FILTER (WHERE a.result = 'notAdmitted')
              FROM {schema}.rm_competitions c LEFT JOIN {schema}.rm_applications a USING (competition_id)
             GROUP BY c.competition_id ORDER BY c.published_at, c.competition_id
            """));
        batch.BatchCommands.Add(ReadModelSql.Checkpoint(schema, EmploymentProjection.ProjectionName));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var totals = Enumerable.Range(0, 6).Select(reader.GetInt64).ToArray();
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var funnel = new List<CompetitionFunnel>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            funnel.Add(new CompetitionFunnel(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), reader.GetBoolean(5),
                reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7), reader.GetInt64(8), reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11),
                reader.GetInt64(12), reader.GetInt64(13), reader.GetInt64(14), reader.GetInt64(15), reader.GetInt64(16)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new EmploymentReport(totals[0], totals[1], totals[2], totals[3], totals[4], totals[5], funnel, reader.GetInt64(0));
    }
}
