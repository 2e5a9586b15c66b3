using Idarati.Domain.Administrations;
using Idarati.Domain.CallCenter;
using Idarati.Domain.Complaints;
using Idarati.Domain.JobApplications;
using Idarati.Domain.Privacy;

namespace Idarati.Application.Privacy;

/// <summary>Rewrites one string field of an event: its stored path (<c>citizen.email</c>) and its value.</summary>
public delegate string FieldRewrite(string path, string value);

/// <summary>
/// The one list of personal data: which string fields of which stored types name or describe a person, how an event's
/// personal fields are rewritten (sealed on the way in, revealed on the way out), and which identifiers of its subject
/// an event gives the lookup index. Every other string field of a stored type is declared not personal here, with the
/// reason; <c>PersonalFieldTests</c> fails when a stored type gains a string field that is on neither list.
/// </summary>
public static class PersonalFields
{
    private sealed record Entry(IReadOnlyList<string> Paths, Func<object, FieldRewrite, object> Rewrite, Func<object, IEnumerable<(string Kind, string Value)>> Identifiers);

    /// <summary>Event types that carry personal fields, with their paths and rewrites.</summary>
    private static readonly Dictionary<Type, Entry> Events = new()
    {
        // What the citizen wrote and who they are; an anonymous complaint has only its text.
        [typeof(ComplaintEvent.Submitted)] = new(
            ["subject", "description", "citizen.fullName", "citizen.nationalId", "citizen.phone", "citizen.email"],
            (o, f) =>
            {
                var e = (ComplaintEvent.Submitted)o;
                return e with { Subject = f("subject", e.Subject), Description = f("description", e.Description), Citizen = Person(e.Citizen, "citizen", f) };
            },
            o => PersonIds(((ComplaintEvent.Submitted)o).Citizen)),
        [typeof(ComplaintEvent.InformationProvided)] = new(["text"], (o, f) => (ComplaintEvent.InformationProvided)o with { Text = f("text", ((ComplaintEvent.InformationProvided)o).Text) }, _ => []),
        [typeof(ComplaintEvent.FeedbackGiven)] = new(["comment"], (o, f) => ((ComplaintEvent.FeedbackGiven)o) is { Comment: { } c } e ? e with { Comment = f("comment", c) } : o, _ => []),
        // The agent's summary of what the caller asked, and the caller when they gave who they are.
        [typeof(TicketEvent.Opened)] = new(
            ["details.topic", "caller.fullName", "caller.nationalId", "caller.phone", "caller.email"],
            (o, f) =>
            {
                var e = (TicketEvent.Opened)o;
                return e with { Details = e.Details with { Topic = f("details.topic", e.Details.Topic) }, Caller = Person(e.Caller, "caller", f) };
            },
            o => PersonIds(((TicketEvent.Opened)o).Caller)),
        [typeof(CandidateEvent.AccountCreated)] = new(
            ["identity.fullName", "identity.nationalId", "identity.email"],
            (o, f) =>
            {
                var e = (CandidateEvent.AccountCreated)o;
                return e with { Identity = new CandidateIdentity(f("identity.fullName", e.Identity.FullName), f("identity.nationalId", e.Identity.NationalId), f("identity.email", e.Identity.Email)) };
            },
            o => ((CandidateEvent.AccountCreated)o) is var e ? [("cin", e.Identity.NationalId), ("email", e.Identity.Email), ("candidate", e.CandidateId)] : []),
        // No personal field, but about the candidate: found (and erased) with them, through the candidate's id.
        [typeof(ApplicationEvent.Submitted)] = new([], (o, _) => o, o => [("candidate", ((ApplicationEvent.Submitted)o).CandidateId)]),
    };

    private const string Ids = "ids of streams and reference data, not of people";
    private const string Staff = "written by staff or the service about the case, not by or about the person";
    private const string Accounts = "sign-in account ids (pseudonymous), or what the service derives";

    /// <summary>Every other string field of a stored type, declared not personal, by declaring type.</summary>
    public static IReadOnlyDictionary<Type, (string[] Names, string Why)> NotPersonal { get; } = new Dictionary<Type, (string[], string)>
    {
        [typeof(ComplaintEvent.Submitted)] = (["ComplaintId", "TrackingNumber", "AccessCodeHash", "AdministrationId", "CategoryCode", "SubmittedBy", "SourceTicketId"], Ids),
        [typeof(Location)] = (["Region", "Province", "Commune"], "the administrative area a complaint concerns, shared by millions"),
        [typeof(ComplaintEvent.Acknowledged)] = (["AdministrationId", "AcknowledgedBy"], Accounts),
        [typeof(ComplaintEvent.InformationRequested)] = (["Question", "RequestedBy"], Staff),
        [typeof(ComplaintEvent.Transferred)] = (["FromAdministrationId", "ToAdministrationId", "Reason", "TransferredBy"], Staff),
        [typeof(ComplaintEvent.Rejected)] = (["Comment", "RejectedBy"], Staff),
        [typeof(ComplaintEvent.Answered)] = (["Text", "AnsweredBy"], Staff),
        [typeof(ComplaintEvent.TookIntoAccount)] = (["TakenBy"], Accounts),
        [typeof(ComplaintEvent.Closed)] = (["ClosedBy"], Accounts),
        [typeof(ComplaintEvent.Reopened)] = (["Reason"], Staff),
        [typeof(ComplaintEvent.Reminded)] = (["AdministrationId"], Ids),
        [typeof(ComplaintEvent.WentOverdue)] = (["AdministrationId"], Ids),
        [typeof(AdministrationProfile)] = (["Id", "NameAr", "NameFr", "Region"], Ids),
        [typeof(AdministrationEvent.Registered)] = (["RegisteredBy"], Accounts),
        [typeof(AdministrationEvent.Deactivated)] = (["Reason", "DeactivatedBy"], Staff),
        [typeof(TicketDetails)] = (["TicketId", "CategoryCode"], Ids),
        [typeof(TicketEvent.Opened)] = (["OpenedBy"], Accounts),
        [typeof(TicketEvent.Answered)] = (["Text", "AnsweredBy"], Staff),
        [typeof(TicketEvent.EscalatedToComplaint)] = (["ComplaintId", "TrackingNumber", "EscalatedBy"], Ids),
        [typeof(TicketEvent.Closed)] = (["ClosedBy"], Accounts),
        [typeof(CompetitionDetails)] = (["CompetitionId", "AdministrationId", "Title", "Grade"], "a published competition"),
        [typeof(CompetitionEvent.Published)] = (["PublishedBy"], Accounts),
        [typeof(CompetitionEvent.ApplicationsClosed)] = (["ClosedBy"], Accounts),
        [typeof(CompetitionEvent.ResultsPublished)] = (["PublishedBy"], Accounts),
        [typeof(CandidateEvent.AccountCreated)] = (["CandidateId", "Owner"], Accounts),
        [typeof(CandidateEvent.Verified)] = (["VerifiedBy"], Accounts),
        [typeof(ApplicationEvent.Submitted)] = (["ApplicationId", "CompetitionId", "AdministrationId", "CandidateId", "CandidateOwner"], Accounts),
        [typeof(ApplicationEvent.Preselected)] = (["DecidedBy"], Accounts),
        [typeof(ApplicationEvent.ConvokedToWrittenExam)] = (["ConvokedBy"], Accounts),
        [typeof(ApplicationEvent.ConvokedToOralExam)] = (["ConvokedBy"], Accounts),
        [typeof(ApplicationEvent.ResultRecorded)] = (["RecordedBy"], Accounts),
        [typeof(PrivacyEvent.PersonalDataErased)] = (["ErasedBy", "Reason"], Staff),
        [typeof(PrivacyEvent.PersonalDataRead)] = (["ReadBy", "Route"], Accounts),
        [typeof(StreamRead)] = (["StreamId", "Fields"], Ids),
    };

    /// <summary>The personal string properties of each declaring type (C# names), as the events' rewrites cover them.</summary>
    public static IReadOnlyDictionary<Type, string[]> Personal { get; } = new Dictionary<Type, string[]>
    {
        [typeof(ComplaintEvent.Submitted)] = ["Subject", "Description"],
        [typeof(Citizen)] = ["FullName", "NationalId", "Phone", "Email"],
        [typeof(ComplaintEvent.InformationProvided)] = ["Text"],
        [typeof(ComplaintEvent.FeedbackGiven)] = ["Comment"],
        [typeof(TicketDetails)] = ["Topic"],
        [typeof(CandidateIdentity)] = ["FullName", "NationalId", "Email"],
    };

    /// <summary>Whether events of this type carry personal fields.</summary>
    public static bool Carries(Type eventType) => Events.TryGetValue(eventType, out var entry) && entry.Paths.Count > 0;

    /// <summary>Whether events of this type concern a data subject: they carry personal fields, or identify whom their stream is about.</summary>
    public static bool Concerns(Type eventType) => Events.ContainsKey(eventType);

    /// <summary>The stored paths of an event type's personal fields.</summary>
    public static IReadOnlyList<string> PathsOf(Type eventType) => Events.TryGetValue(eventType, out var entry) ? entry.Paths : [];

    /// <summary>The event with each personal field rewritten (the same event when it has none).</summary>
    public static object Rewrite(object e, FieldRewrite rewrite)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Events.TryGetValue(e.GetType(), out var entry) ? entry.Rewrite(e, rewrite) : e;
    }

    /// <summary>The identifiers of its subject an event gives (kind and value as written): what erasure and access requests find a subject by.</summary>
    public static IEnumerable<(string Kind, string Value)> Identifiers(object e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Events.TryGetValue(e.GetType(), out var entry) ? entry.Identifiers(e) : [];
    }

    private static Citizen? Person(Citizen? c, string prefix, FieldRewrite f) =>
        c is null ? null : new Citizen(f($"{prefix}.fullName", c.FullName), f($"{prefix}.nationalId", c.NationalId), f($"{prefix}.phone", c.Phone), f($"{prefix}.email", c.Email));

    /// <summary>What a person is found by: their CIN and e-mail (a complaint's tracking number is found through its own unique key).</summary>
    private static IEnumerable<(string, string)> PersonIds(Citizen? c) => c is null ? [] : [("cin", c.NationalId), ("email", c.Email)];
}
