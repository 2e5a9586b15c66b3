using Idarati.Projections.CallCenter;
using Idarati.Projections.Employment;
using Npgsql;
using static Idarati.Projections.ReadModelSql;

namespace Idarati.Projections;

/// <summary>A call-centre ticket as the list shows it: no caller identity, no text.</summary>
public sealed record TicketRow(Guid Id, string Channel, string CategoryCode, string Language, string Status, DateTimeOffset OpenedAt, DateTimeOffset? AnsweredAt, DateTimeOffset? EscalatedAt, DateTimeOffset? ClosedAt);

public sealed record CompetitionRow(
    string Id, string AdministrationId, string Title, string Grade, int Posts, DateTimeOffset ApplicationDeadline, bool AcceptsElectronicApplications,
    string Status, DateTimeOffset PublishedAt, DateTimeOffset? ApplicationsClosedAt, DateTimeOffset? ResultsPublishedAt);

/// <summary>An application as the list shows it: which competition and how it went, never who applied.</summary>
public sealed record ApplicationRow(
    string Id, string CompetitionId, string AdministrationId, bool Electronic, DateTimeOffset SubmittedAt, DateTimeOffset? WithdrawnAt, bool? Preselected,
    DateTimeOffset? ConvokedToWrittenExamAt, DateTimeOffset? ConvokedToOralExamAt, string? Result);

/// <summary>A candidate account as the list shows it: when it was created and verified, no identity.</summary>
public sealed record CandidateRow(string Id, DateTimeOffset CreatedAt, DateTimeOffset? VerifiedAt);

/// <summary>The searchable lists of the ticket and employment read models (see <see cref="ReadModelLists"/>).</summary>
public static class Lists
{
    private const string TicketStatus = "CASE WHEN closed_at IS NOT NULL THEN 'closed' WHEN escalated_at IS NOT NULL THEN 'escalated' WHEN answered_at IS NOT NULL THEN 'answered' ELSE 'open' END";

    public static readonly ListShape Tickets = new(
        "rm_ticket_list", $"ticket_id, channel, category_code, language, {TicketStatus}, opened_at, answered_at, escalated_at, closed_at", "ticket_id",
        new Dictionary<string, ListField>(StringComparer.Ordinal)
        {
            ["channel"] = new("channel", ListFieldKind.Text),
            ["categoryCode"] = new("category_code", ListFieldKind.Text),
            ["language"] = new("language", ListFieldKind.Text),
            ["status"] = new($"({TicketStatus})", ListFieldKind.Text),
            ["openedAt"] = new("opened_at", ListFieldKind.Instant),
            ["answeredAt"] = new("answered_at", ListFieldKind.Instant, Nullable: true),
            ["escalatedAt"] = new("escalated_at", ListFieldKind.Instant, Nullable: true),
            ["closedAt"] = new("closed_at", ListFieldKind.Instant, Nullable: true),
        },
        [new ListOrder("openedAt", true)], null, TicketListProjection.ProjectionName);

    public static TicketRow Ticket(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
        Instant(reader, 5)!.Value, Instant(reader, 6), Instant(reader, 7), Instant(reader, 8));

    private const string CompetitionStatus = "CASE WHEN results_published_at IS NOT NULL THEN 'resultsPublished' WHEN applications_closed_at IS NOT NULL THEN 'closed' ELSE 'open' END";

    public static readonly ListShape Competitions = new(
        "rm_competitions",
        $"competition_id, administration_id, title, grade, posts, application_deadline, accepts_electronic, {CompetitionStatus}, published_at, applications_closed_at, results_published_at",
        "competition_id",
        new Dictionary<string, ListField>(StringComparer.Ordinal)
        {
            ["administrationId"] = new("administration_id", ListFieldKind.Text),
            ["title"] = new("title", ListFieldKind.Text),
            ["grade"] = new("grade", ListFieldKind.Text),
            ["posts"] = new("posts", ListFieldKind.Integer),
            ["applicationDeadline"] = new("application_deadline", ListFieldKind.Instant),
            ["acceptsElectronicApplications"] = new("accepts_electronic", ListFieldKind.Boolean),
            ["status"] = new($"({CompetitionStatus})", ListFieldKind.Text),
            ["publishedAt"] = new("published_at", ListFieldKind.Instant),
        },
        [new ListOrder("publishedAt", true)], "administrationId", EmploymentProjection.ProjectionName);

    public static CompetitionRow Competition(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4), Instant(reader, 5)!.Value, reader.GetBoolean(6),
        reader.GetString(7), Instant(reader, 8)!.Value, Instant(reader, 9), Instant(reader, 10));

    public static readonly ListShape Applications = new(
        "rm_applications",
        "application_id, competition_id, administration_id, electronic, submitted_at, withdrawn_at, preselected, convoked_written_at, convoked_oral_at, result",
        "application_id",
        new Dictionary<string, ListField>(StringComparer.Ordinal)
        {
            ["competitionId"] = new("competition_id", ListFieldKind.Text),
            ["administrationId"] = new("administration_id", ListFieldKind.Text),
            ["electronic"] = new("electronic", ListFieldKind.Boolean),
            ["submittedAt"] = new("submitted_at", ListFieldKind.Instant),
            ["withdrawnAt"] = new("withdrawn_at", ListFieldKind.Instant, Nullable: true),
            ["preselected"] = new("preselected", ListFieldKind.Boolean, Nullable: true),
            ["result"] = new("result", ListFieldKind.Text, Nullable: true),
        },
        [new ListOrder("submittedAt", true)], "administrationId", EmploymentProjection.ProjectionName);

    public static ApplicationRow Application(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3), Instant(reader, 4)!.Value, Instant(reader, 5),
        reader.IsDBNull(6) ? null : reader.GetBoolean(6), Instant(reader, 7), Instant(reader, 8), reader.IsDBNull(9) ? null : reader.GetString(9));

    public static readonly ListShape Candidates = new(
        "rm_candidates", "candidate_id, created_at, verified_at", "candidate_id",
        new Dictionary<string, ListField>(StringComparer.Ordinal)
        {
            ["createdAt"] = new("created_at", ListFieldKind.Instant),
            ["verifiedAt"] = new("verified_at", ListFieldKind.Instant, Nullable: true),
            ["verified"] = new("(verified_at IS NOT NULL)", ListFieldKind.Boolean),
        },
        [new ListOrder("createdAt", true)], null, EmploymentProjection.ProjectionName);

    public static CandidateRow Candidate(NpgsqlDataReader reader) => new(reader.GetString(0), Instant(reader, 1)!.Value, Instant(reader, 2));
}
