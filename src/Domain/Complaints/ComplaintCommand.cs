using Idarati.Domain.Shared;

namespace Idarati.Domain.Complaints;

/// <summary>What can be asked of a complaint. Each command carries who asks and when (stamped by the handler).</summary>
public abstract record ComplaintCommand(Actor Actor, DateTimeOffset At)
{
    /// <summary>Due dates are computed by the handler from configuration so the decider stays pure and replays agree.</summary>
    public sealed record Submit(
        Actor Actor, DateTimeOffset At, string ComplaintId, string TrackingNumber, string AccessCodeHash,
        ComplaintKind Kind, ComplaintChannel Channel, string AdministrationId, string CategoryCode,
        string Subject, string Description, Location Location, Citizen? Citizen,
        DateTimeOffset AcknowledgementDue, DateTimeOffset AnswerDue, string? SourceTicketId = null) : ComplaintCommand(Actor, At);

    public sealed record Acknowledge(Actor Actor, DateTimeOffset At) : ComplaintCommand(Actor, At);

    public sealed record RequestInformation(Actor Actor, DateTimeOffset At, string Question) : ComplaintCommand(Actor, At);

    public sealed record ProvideInformation(Actor Actor, DateTimeOffset At, string Text) : ComplaintCommand(Actor, At);

    /// <summary><paramref name="TargetIsActive"/> comes from the reference data the handler read.</summary>
    public sealed record Transfer(Actor Actor, DateTimeOffset At, string ToAdministrationId, bool TargetIsActive, string Reason) : ComplaintCommand(Actor, At);

    public sealed record Reject(Actor Actor, DateTimeOffset At, RejectionReason Reason, string? Comment) : ComplaintCommand(Actor, At);

    public sealed record Answer(Actor Actor, DateTimeOffset At, string Text, AnswerOutcome Outcome) : ComplaintCommand(Actor, At);

    public sealed record TakeIntoAccount(Actor Actor, DateTimeOffset At) : ComplaintCommand(Actor, At);

    public sealed record Close(Actor Actor, DateTimeOffset At) : ComplaintCommand(Actor, At);

    public sealed record GiveFeedback(Actor Actor, DateTimeOffset At, bool Satisfied, string? Comment) : ComplaintCommand(Actor, At);

    public sealed record Reopen(Actor Actor, DateTimeOffset At, string Reason) : ComplaintCommand(Actor, At);

    /// <summary>The service's reminder, due <paramref name="AfterStart"/> into the answer period (its reminder day; time waiting for the citizen not counted).</summary>
    public sealed record Remind(Actor Actor, DateTimeOffset At, TimeSpan AfterStart) : ComplaintCommand(Actor, At);

    /// <summary>The service records that the answer deadline passed.</summary>
    public sealed record MarkOverdue(Actor Actor, DateTimeOffset At) : ComplaintCommand(Actor, At);
}
