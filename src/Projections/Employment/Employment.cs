using Idarati.Domain.JobApplications;
using Npgsql;

namespace Idarati.Projections.Employment;

/// <summary>
/// emploi-public.ma as analysts see it: competitions, candidate accounts and applications, one row each, without names,
/// national ID numbers or e-mails (those stay in the candidate streams).
/// </summary>
public sealed class EmploymentProjection(string schema) : IReadModelProjection
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
            ALTER TABLE {Applications} ADD COLUMN IF NOT EXISTS preselected_at timestamptz, ADD COLUMN IF NOT EXISTS result_at timestamptz;
            -- Rows written before these columns: the nearest time known until a rebuild of the read model gives the exact one.
            UPDATE {Applications} SET preselected_at = coalesce(convoked_written_at, submitted_at) WHERE preselected IS NOT NULL AND preselected_at IS NULL;
            UPDATE {Applications} SET result_at = coalesce(convoked_oral_at, convoked_written_at, submitted_at) WHERE result IS NOT NULL AND result_at IS NULL;
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One statement per kind of change in the batch (see <see cref="ColumnBatch"/>), whatever the number of events.</summary>
    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ProjectedEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var batch = new ColumnBatch();
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case CompetitionEvent c:
                    Add(batch, c, Id(e.StreamId));
                    break;
                case CandidateEvent c:
                    Add(batch, c, Id(e.StreamId));
                    break;
                case ApplicationEvent a:
                    Add(batch, a, Id(e.StreamId));
                    break;
            }
        }

        await ReadModelSql.ExecuteAsync(connection, transaction, batch.Commands(), cancellationToken).ConfigureAwait(false);
    }

    public IReadOnlyList<string> Tables => [Competitions, Candidates, Applications];

    /// <summary>Sets one column of the rows whose key is in the first array to the values of the second.</summary>
    private static string Set(string table, string key, string column, string type) =>
        $"UPDATE {table} AS t SET {column} = u.value FROM unnest($1::text[], $2::{type}[]) AS u (id, value) WHERE t.{key} = u.id";

    private void Add(ColumnBatch batch, CompetitionEvent @event, string id)
    {
        switch (@event)
        {
            case CompetitionEvent.Published p:
                batch.Insert($"""
                    INSERT INTO {Competitions} (competition_id, administration_id, title, grade, posts, application_deadline, accepts_electronic, published_at)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::boolean[], $8::timestamptz[])
                    """, p.Details.CompetitionId, p.Details.AdministrationId, p.Details.Title, p.Details.Grade, p.Details.Posts, p.Details.ApplicationDeadline,
                    p.Details.AcceptsElectronicApplications, p.PublishedAt);
                break;
            case CompetitionEvent.ApplicationsClosed c:
                batch.Update(Set(Competitions, "competition_id", "applications_closed_at", "timestamptz"), id, c.ClosedAt);
                break;
            case CompetitionEvent.ResultsPublished r:
                batch.Update(Set(Competitions, "competition_id", "results_published_at", "timestamptz"), id, r.PublishedAt);
                break;
        }
    }

    private void Add(ColumnBatch batch, CandidateEvent @event, string id)
    {
        switch (@event)
        {
            case CandidateEvent.AccountCreated a:
                batch.Insert($"INSERT INTO {Candidates} (candidate_id, created_at) SELECT * FROM unnest($1::text[], $2::timestamptz[])", a.CandidateId, a.CreatedAt);
                break;
            case CandidateEvent.Verified v:
                batch.Update(Set(Candidates, "candidate_id", "verified_at", "timestamptz"), id, v.VerifiedAt);
                break;
        }
    }

    private void Add(ColumnBatch batch, ApplicationEvent @event, string id)
    {
        switch (@event)
        {
            case ApplicationEvent.Submitted s:
                batch.Insert($"""
                    INSERT INTO {Applications} (application_id, competition_id, administration_id, electronic, submitted_at)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::timestamptz[])
                    """, s.ApplicationId, s.CompetitionId, s.AdministrationId, s.Electronic, s.SubmittedAt);
                break;
            case ApplicationEvent.Withdrawn w:
                batch.Update(Set(Applications, "application_id", "withdrawn_at", "timestamptz"), id, w.WithdrawnAt);
                break;
            case ApplicationEvent.Preselected p:
                batch.Update(Set(Applications, "application_id", "preselected", "boolean"), id, p.Accepted);
                batch.Update(Set(Applications, "application_id", "preselected_at", "timestamptz"), id, p.DecidedAt);
                break;
            case ApplicationEvent.ConvokedToWrittenExam c:
                batch.Update(Set(Applications, "application_id", "convoked_written_at", "timestamptz"), id, c.ConvokedAt);
                break;
            case ApplicationEvent.ConvokedToOralExam c:
                batch.Update(Set(Applications, "application_id", "convoked_oral_at", "timestamptz"), id, c.ConvokedAt);
                break;
            case ApplicationEvent.ResultRecorded r:
                batch.Update(Set(Applications, "application_id", "result", "text"), id, ReadModelSql.Wire(r.Result));
                batch.Update(Set(Applications, "application_id", "result_at", "timestamptz"), id, r.RecordedAt);
                break;
        }
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
    long CompetitionsAcceptingElectronicApplications, IReadOnlyList<CompetitionFunnel> Funnel, Freshness Freshness)
{
    /// <summary>The global log position the figures cover.</summary>
    public long Position => Freshness.Position;
}

/// <summary>The headline employment figures, as of a date when asked.</summary>
public sealed record EmploymentTotals(long CandidateAccounts, long ElectronicApplications, long CompetitionsAcceptingElectronicApplications);

/// <summary>
/// The employment figures as they stood at an instant: the read model keeps when each account was created and verified,
/// each competition published, closed and given its results, and each application submitted, withdrawn, pre-selected,
/// convoked and given its result, so the funnel goes back in time like the complaints' figures.
/// </summary>
public sealed class EmploymentIndicators(NpgsqlDataSource dataSource, string schema)
{
    public async Task<EmploymentReport> ReportAsync(DateTimeOffset asOf, CancellationToken cancellationToken = default)
    {
        await using var batch = dataSource.CreateBatch();
        NpgsqlParameter At() => new NpgsqlParameter<DateTime> { TypedValue = asOf.UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz };
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            SELECT (SELECT count(*) FROM {schema}.rm_candidates WHERE created_at <= $1), (SELECT count(*) FROM {schema}.rm_candidates WHERE verified_at <= $1),
                   (SELECT count(*) FROM {schema}.rm_applications WHERE submitted_at <= $1), (SELECT count(*) FILTER (WHERE electronic) FROM {schema}.rm_applications WHERE submitted_at <= $1),
                   (SELECT count(*) FROM {schema}.rm_competitions WHERE published_at <= $1), (SELECT count(*) FILTER (WHERE accepts_electronic) FROM {schema}.rm_competitions WHERE published_at <= $1)
            """) { Parameters = { At() } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            SELECT c.competition_id, c.administration_id, c.title, c.grade, c.posts, c.accepts_electronic, c.application_deadline,
                   CASE WHEN c.results_published_at <= $1 THEN 'resultsPublished' WHEN c.applications_closed_at <= $1 THEN 'closed' ELSE 'open' END,
                   count(a.application_id), count(*) FILTER (WHERE a.electronic), count(*) FILTER (WHERE a.withdrawn_at <= $1),
                   count(*) FILTER (WHERE a.preselected AND a.preselected_at <= $1),
                   count(*) FILTER (WHERE a.convoked_written_at <= $1), count(*) FILTER (WHERE a.convoked_oral_at <= $1),
                   count(*) FILTER (WHERE a.result = 'admitted' AND a.result_at <= $1),
                   count(*) FILTER (WHERE a.result = 'waitingList' AND a.result_at <= $1), count(*) FILTER (WHERE a.result = 'notAdmitted' AND a.result_at <= $1)
              FROM {schema}.rm_competitions c LEFT JOIN {schema}.rm_applications a ON a.competition_id = c.competition_id AND a.submitted_at <= $1
             WHERE c.published_at <= $1
             GROUP BY c.competition_id ORDER BY c.published_at, c.competition_id
            """) { Parameters = { At() } });
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

        return new EmploymentReport(totals[0], totals[1], totals[2], totals[3], totals[4], totals[5], funnel,
            await ReadModelSql.ReadFreshnessAsync(reader, cancellationToken).ConfigureAwait(false));
    }
}
