using Idarati.Domain.Shared;
using static Idarati.Domain.Complaints.ComplaintCommand;
using static Idarati.Domain.Complaints.ComplaintEvent;

namespace Idarati.Domain.Complaints;

/// <summary>A broken rule of the complaints workflow; <see cref="RuleViolatedException.Rule"/> names it.</summary>
public sealed class ComplaintRuleViolated(string rule, string message) : RuleViolatedException(rule, message);

/// <summary>The complaints workflow of Chikaya.ma as pure functions.</summary>
public static class ComplaintDecider
{
    public const string StreamType = "complaint";

    public static Decider<ComplaintCommand, ComplaintEvent, ComplaintState> Decider { get; } =
        new(StreamType, ComplaintState.Initial, Evolve, Decide) { Concerns = s => s.FileOrNull?.AdministrationId };

    public static IReadOnlyList<ComplaintEvent> Decide(ComplaintCommand command, ComplaintState state)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(state);
        var by = command.Actor.ToString();
        return (command, state) switch
        {
            (Submit s, ComplaintState.NotSubmitted) => [SubmitNew(s, by)],
            (Submit, _) => Fail("already-submitted", "This complaint was already submitted."),
            (_, ComplaintState.NotSubmitted) => Fail("not-submitted", "There is no such complaint."),

            // The service's deadlines: decided on the stream as it is, so a reminder or an overdue that lost a race
            // with the answer, or comes twice, appends nothing.
            (Remind or MarkOverdue, _) when command.Actor.Role != Role.Service => Fail("service-only", "Only the service records deadlines."),
            (Remind m, ComplaintState.Open { File: { AwaitingSince: null, RemindedAt: null, OverdueAt: null } f }) when m.At >= f.AnswerDue - f.AnswerPeriod + m.AfterStart =>
                [new Reminded(f.AdministrationId, f.AnswerDue, m.At)],
            (MarkOverdue o, ComplaintState.Open { File: { AwaitingSince: null, OverdueAt: null } f }) when o.At >= f.AnswerDue =>
                [new WentOverdue(f.AdministrationId, f.AnswerDue, o.At)],
            (Remind or MarkOverdue, _) => [],

            (Reopen r, ComplaintState.Answered { File: var f }) => [Reopening(r, f)],
            (Reopen r, ComplaintState.Closed { File: { Answer: not null } f }) => [Reopening(r, f)],
            (Reopen, _) => Fail("not-answered", "Only an answered complaint can be reopened."),
            (Close, ComplaintState.Closed) => [],
            (_, ComplaintState.Closed) => Fail("closed", "Nothing happens to a closed complaint but a reopen."),

            (Acknowledge a, ComplaintState.Open { File: { AcknowledgedAt: null } f }) => Owned(a, f, () => [new Acknowledged(f.AdministrationId, by, a.At)]),
            (Acknowledge a, _) => Owned(a, state.FileOrNull!, () => []),

            (RequestInformation q, ComplaintState.Open { File: var f }) => Owned(q, f, () =>
                f.AcknowledgedAt is null ? Fail("not-acknowledged", "Acknowledge receipt before asking the citizen for information.")
                : f.PendingQuestion == q.Question ? []
                : f.PendingQuestion is not null ? Fail("information-already-requested", "The citizen has not answered the previous question yet.")
                : [new InformationRequested(q.Question, by, q.At)]),
            (RequestInformation, _) => Fail("not-open", "Information can only be requested while the complaint is being processed."),

            (ProvideInformation p, ComplaintState.Open { File: var f }) => Citizen(p, () =>
                f.PendingQuestion is null ? Fail("no-information-requested", "No information was requested.") : [new InformationProvided(p.Text, p.At)]),
            (ProvideInformation, _) => Fail("no-information-requested", "No information was requested."),

            (Transfer t, ComplaintState.Open { File: var f }) => Owned(t, f, () =>
                t.ToAdministrationId == f.AdministrationId ? Fail("transfer-to-owner", "The complaint already belongs to that administration.")
                : !t.TargetIsActive ? Fail("transfer-target-inactive", "The target administration is not active.")
                : [new Transferred(f.AdministrationId, t.ToAdministrationId, t.Reason, by, t.At)]),
            (Transfer, _) => Fail("not-open", "Only a complaint being processed can be transferred."),

            (Reject r, ComplaintState.Open { File: var f }) => Owned(r, f, () => [new Rejected(r.Reason, r.Comment, by, r.At)]),
            (Reject r, ComplaintState.Rejected { File: var f }) => Owned(r, f, () =>
                f.Rejection!.Reason == r.Reason && f.Rejection.Comment == r.Comment ? [] : Fail("already-rejected", "The complaint was already rejected.")),
            (Reject, _) => Fail("not-open", "Only a complaint being processed can be rejected."),

            (Answer a, ComplaintState.Open { File: var f }) => Owned(a, f, () =>
                f.AcknowledgedAt is null ? Fail("not-acknowledged", "Acknowledge receipt before answering.") : [new Answered(a.Text, a.Outcome, by, a.At)]),
            (Answer a, ComplaintState.Answered { File: var f }) => Owned(a, f, () =>
                f.Answer!.Text == a.Text && f.Answer.Outcome == a.Outcome ? [] : Fail("already-answered", "The complaint was already answered; the citizen may reopen it.")),
            (Answer, _) => Fail("not-open", "Only a complaint being processed can be answered."),

            (TakeIntoAccount t, ComplaintState.Open { File: var f }) => Owned(t, f, () =>
                f.Kind == ComplaintKind.Complaint ? Fail("not-an-observation", "Only observations and suggestions are taken into account; a complaint is answered.")
                : [new TookIntoAccount(by, t.At)]),
            (TakeIntoAccount t, ComplaintState.TakenIntoAccount { File: var f }) => Owned(t, f, () => []),
            (TakeIntoAccount, _) => Fail("not-open", "Only an observation or suggestion being processed can be taken into account."),

            (Close c, ComplaintState.Open { File: var f }) => Owned(c, f, () => Fail("not-processed", "Answer, reject or take the complaint into account before closing it.")),
            (Close c, _) => Owned(c, state.FileOrNull!, () => [new Closed(by, c.At)]),

            (GiveFeedback g, ComplaintState.Answered { File: var f }) => Citizen(g, () => Feedback(g, f)),
            (GiveFeedback, _) => Fail("not-answered", "Feedback is given on an answer."),

            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown complaint command."),

        };
    }

    public static ComplaintState Evolve(ComplaintState state, ComplaintEvent @event)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(@event);
        var f = state.FileOrNull;
        return @event switch
        {
            Submitted s => new ComplaintState.Open(new ComplaintFile
            {
                ComplaintId = s.ComplaintId,
                TrackingNumber = s.TrackingNumber,
                AccessCodeHash = s.AccessCodeHash,
                Kind = s.Kind,
                Channel = s.Channel,
                AdministrationId = s.AdministrationId,
                CategoryCode = s.CategoryCode,
                Subject = s.Subject,
                Description = s.Description,
                Location = s.Location,
                Citizen = s.Citizen,
                SubmitterId = s.SubmittedBy,
                SubmittedAt = s.SubmittedAt,
                AcknowledgementDue = s.AcknowledgementDue,
                AnswerDue = s.AnswerDue,
                AnswerPeriod = s.AnswerDue - s.SubmittedAt,
                SourceTicketId = s.SourceTicketId,
            }),
            Acknowledged a => new ComplaintState.Open(f! with { AcknowledgedAt = a.AcknowledgedAt }),
            // Waiting for the citizen suspends the answer period; the answer moves the due date on by the wait.
            InformationRequested q => new ComplaintState.Open(f! with { PendingQuestion = q.Question, AwaitingSince = q.RequestedAt }),
            InformationProvided p => new ComplaintState.Open(f! with
            {
                PendingQuestion = null,
                ProvidedInformation = [.. f.ProvidedInformation, p.Text],
                AnswerDue = Resumed(f, p.ProvidedAt),
                AwaitingSince = null,
            }),
            // The receiving administration owns the complaint, acknowledges it afresh and has a whole answer period.
            Transferred t => new ComplaintState.Open(f! with
            {
                AdministrationId = t.ToAdministrationId,
                TransferredFrom = [.. f.TransferredFrom, t.FromAdministrationId],
                AcknowledgedAt = null,
                PendingQuestion = null,
                AnswerDue = t.TransferredAt + f.AnswerPeriod,
                AwaitingSince = null,
                RemindedAt = null,
                OverdueAt = null,
            }),
            Reminded r => new ComplaintState.Open(f! with { RemindedAt = r.RemindedAt }),
            WentOverdue o => new ComplaintState.Open(f! with { OverdueAt = o.OverdueAt }),
            Rejected r => new ComplaintState.Rejected(f! with { Rejection = r }),
            Answered a => new ComplaintState.Answered(f! with { Answer = a }),
            TookIntoAccount t => new ComplaintState.TakenIntoAccount(f! with { TakenIntoAccountAt = t.TakenAt }),
            Closed c => new ComplaintState.Closed(f! with { ClosedAt = c.ClosedAt }),
            FeedbackGiven g => state switch
            {
                ComplaintState.Closed => new ComplaintState.Closed(f! with { Feedback = g }),
                _ => new ComplaintState.Answered(f! with { Feedback = g }),
            },
            // A reopened complaint goes back to its owner for a new answer, in a new answer period; receipt stays acknowledged.
            Reopened r => new ComplaintState.Open(f! with
            {
                ReopenCount = r.ReopenCount, Answer = null, Feedback = null, ClosedAt = null,
                AnswerDue = r.ReopenedAt + f.AnswerPeriod, RemindedAt = null, OverdueAt = null,
            }),
            _ => throw new ArgumentOutOfRangeException(nameof(@event), @event.GetType().Name, "Unknown complaint event."),
        };
    }

    /// <summary>The due date once the citizen answered: later by the time the complaint waited (never earlier).</summary>
    private static DateTimeOffset Resumed(ComplaintFile f, DateTimeOffset answeredAt) =>
        f.AwaitingSince is { } since && answeredAt > since ? f.AnswerDue + (answeredAt - since) : f.AnswerDue;

    /// <summary>The rule a submission's input is checked against first (400 naming the field), and the decider again.</summary>
    public const string AnonymousComplaint = "A complaint needs the citizen's identity; only observations and suggestions may be anonymous.";

    private static Submitted SubmitNew(Submit s, string by)
    {
        if (s.Kind == ComplaintKind.Complaint && s.Citizen is null)
        {
            throw new ComplaintRuleViolated("anonymous-complaint", AnonymousComplaint);
        }

        if (s.Actor.Role is Role.Auditor or Role.Analyst)
        {
            throw new ComplaintRuleViolated("forbidden", "Auditors and analysts do not submit complaints.");
        }

        return new Submitted(s.ComplaintId, s.TrackingNumber, s.AccessCodeHash, s.Kind, s.Channel, s.AdministrationId, s.CategoryCode,
            s.Subject, s.Description, s.Location, s.Citizen, by, s.At, s.AcknowledgementDue, s.AnswerDue, s.SourceTicketId);
    }

    private static Reopened Reopening(Reopen r, ComplaintFile f) => r.Actor.Role == Role.Citizen
        ? new Reopened(r.Reason, f.ReopenCount + 1, r.At)
        : throw new ComplaintRuleViolated("citizen-only", "Only the citizen reopens a complaint.");

    private static IReadOnlyList<ComplaintEvent> Feedback(GiveFeedback g, ComplaintFile f) => f.Feedback switch
    {
        null => [new FeedbackGiven(g.Satisfied, g.Comment, g.At)],
        { } given when given.Satisfied == g.Satisfied && given.Comment == g.Comment => [],
        _ => Fail("feedback-already-given", "Feedback on this answer was already given."),
    };

    /// <summary>Agent actions: only the owning administration's agents, or a supervisor.</summary>
    private static IReadOnlyList<ComplaintEvent> Owned(ComplaintCommand command, ComplaintFile file, Func<IReadOnlyList<ComplaintEvent>> decide) =>
        command.Actor switch
        {
            { Role: Role.Supervisor } => decide(),
            { Role: Role.Agent } a when a.AdministrationId == file.AdministrationId => decide(),
            { Role: Role.Agent } => Fail("not-owner", "Only the administration that owns the complaint acts on it."),
            _ => Fail("forbidden", "Only agents and supervisors process complaints."),
        };

    private static IReadOnlyList<ComplaintEvent> Citizen(ComplaintCommand command, Func<IReadOnlyList<ComplaintEvent>> decide) =>
        command.Actor.Role == Role.Citizen ? decide() : Fail("citizen-only", "Only the citizen who submitted the complaint does this.");

    private static IReadOnlyList<ComplaintEvent> Fail(string rule, string message) => throw new ComplaintRuleViolated(rule, message);
}
