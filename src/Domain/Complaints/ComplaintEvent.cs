namespace Idarati.Domain.Complaints;

/// <summary>What happened to a complaint: past-tense facts with who and when. The set is closed.</summary>
public abstract record ComplaintEvent
{
    private ComplaintEvent()
    {
    }

    public sealed record Submitted(
        string ComplaintId, string TrackingNumber, string AccessCodeHash, ComplaintKind Kind, ComplaintChannel Channel,
        string AdministrationId, string CategoryCode, string Subject, string Description, Location Location, Citizen? Citizen,
        string SubmittedBy, DateTimeOffset SubmittedAt, DateTimeOffset AcknowledgementDue, DateTimeOffset AnswerDue, string? SourceTicketId = null) : ComplaintEvent;

    public sealed record Acknowledged(string AdministrationId, string AcknowledgedBy, DateTimeOffset AcknowledgedAt) : ComplaintEvent;

    public sealed record InformationRequested(string Question, string RequestedBy, DateTimeOffset RequestedAt) : ComplaintEvent;

    public sealed record InformationProvided(string Text, DateTimeOffset ProvidedAt) : ComplaintEvent;

    public sealed record Transferred(string FromAdministrationId, string ToAdministrationId, string Reason, string TransferredBy, DateTimeOffset TransferredAt) : ComplaintEvent;

    public sealed record Rejected(RejectionReason Reason, string? Comment, string RejectedBy, DateTimeOffset RejectedAt) : ComplaintEvent;

    public sealed record Answered(string Text, AnswerOutcome Outcome, string AnsweredBy, DateTimeOffset AnsweredAt) : ComplaintEvent;

    public sealed record TookIntoAccount(string TakenBy, DateTimeOffset TakenAt) : ComplaintEvent;

    public sealed record Closed(string ClosedBy, DateTimeOffset ClosedAt) : ComplaintEvent;

    public sealed record FeedbackGiven(bool Satisfied, string? Comment, DateTimeOffset GivenAt) : ComplaintEvent;

    public sealed record Reopened(string Reason, int ReopenCount, DateTimeOffset ReopenedAt) : ComplaintEvent;

    /// <summary>The service reminded the owning administration that the answer is due at <paramref name="AnswerDue"/>.</summary>
    public sealed record Reminded(string AdministrationId, DateTimeOffset AnswerDue, DateTimeOffset RemindedAt) : ComplaintEvent;

    /// <summary>The answer deadline passed with the complaint still being processed by <paramref name="AdministrationId"/>.</summary>
    public sealed record WentOverdue(string AdministrationId, DateTimeOffset AnswerDue, DateTimeOffset OverdueAt) : ComplaintEvent;

    /// <summary>Stable stored names, one per event; never change one, add a new name and an upcaster instead.</summary>
    public static IReadOnlyDictionary<Type, string> StoredNames { get; } = new Dictionary<Type, string>
    {
        [typeof(Submitted)] = "complaint.submitted",
        [typeof(Acknowledged)] = "complaint.acknowledged",
        [typeof(InformationRequested)] = "complaint.information-requested",
        [typeof(InformationProvided)] = "complaint.information-provided",
        [typeof(Transferred)] = "complaint.transferred",
        [typeof(Rejected)] = "complaint.rejected",
        [typeof(Answered)] = "complaint.answered",
        [typeof(TookIntoAccount)] = "complaint.taken-into-account",
        [typeof(Closed)] = "complaint.closed",
        [typeof(FeedbackGiven)] = "complaint.feedback-given",
        [typeof(Reopened)] = "complaint.reopened",
        [typeof(Reminded)] = "complaint.reminded",
        [typeof(WentOverdue)] = "complaint.overdue",
    };
}
