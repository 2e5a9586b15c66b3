namespace Idarati.Domain.Complaints;

/// <summary>Everything known about a submitted complaint, whatever its stage.</summary>
public sealed record ComplaintFile
{
    public required string ComplaintId { get; init; }

    public required string TrackingNumber { get; init; }

    public required string AccessCodeHash { get; init; }

    public required ComplaintKind Kind { get; init; }

    public required ComplaintChannel Channel { get; init; }

    /// <summary>The administration that owns the complaint now (it changes with a transfer).</summary>
    public required string AdministrationId { get; init; }

    public required string CategoryCode { get; init; }

    public required string Subject { get; init; }

    public required string Description { get; init; }

    public required Location Location { get; init; }

    public Citizen? Citizen { get; init; }

    /// <summary>The actor who submitted it, as recorded ("Citizen:id").</summary>
    public required string SubmitterId { get; init; }

    public required DateTimeOffset SubmittedAt { get; init; }

    public required DateTimeOffset AcknowledgementDue { get; init; }

    /// <summary>
    /// When the answer is due: the answer period after receipt by the administration that owns the complaint (its
    /// submission, transfer or reopening), moved on by the time the complaint waited for the citizen's information.
    /// </summary>
    public required DateTimeOffset AnswerDue { get; init; }

    /// <summary>The answer period granted at submission (the legal deadline then in force); a transfer or a reopening starts it again.</summary>
    public required TimeSpan AnswerPeriod { get; init; }

    /// <summary>Since when the complaint waits for the citizen's information: the answer period is suspended meanwhile.</summary>
    public DateTimeOffset? AwaitingSince { get; init; }

    /// <summary>When the service reminded the owner in the current answer period.</summary>
    public DateTimeOffset? RemindedAt { get; init; }

    /// <summary>When the current answer period passed without an answer (the <c>complaint.overdue</c> event).</summary>
    public DateTimeOffset? OverdueAt { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }

    public string? PendingQuestion { get; init; }

    public IReadOnlyList<string> ProvidedInformation { get; init; } = [];

    public IReadOnlyList<string> TransferredFrom { get; init; } = [];

    public ComplaintEvent.Answered? Answer { get; init; }

    public ComplaintEvent.Rejected? Rejection { get; init; }

    public DateTimeOffset? TakenIntoAccountAt { get; init; }

    public DateTimeOffset? ClosedAt { get; init; }

    public ComplaintEvent.FeedbackGiven? Feedback { get; init; }

    public int ReopenCount { get; init; }

    /// <summary>The call-centre ticket this complaint was escalated from, if any.</summary>
    public string? SourceTicketId { get; init; }
}

/// <summary>The lifecycle as a closed union: a command is decided by (command, state).</summary>
public abstract record ComplaintState
{
    private ComplaintState()
    {
    }

    public static ComplaintState Initial { get; } = new NotSubmitted();

    public sealed record NotSubmitted : ComplaintState;

    /// <summary>Received, acknowledged or awaiting the citizen's information: being worked on.</summary>
    public sealed record Open(ComplaintFile File) : ComplaintState;

    public sealed record Answered(ComplaintFile File) : ComplaintState;

    public sealed record Rejected(ComplaintFile File) : ComplaintState;

    public sealed record TakenIntoAccount(ComplaintFile File) : ComplaintState;

    public sealed record Closed(ComplaintFile File) : ComplaintState;

    public ComplaintFile? FileOrNull => this switch
    {
        Open o => o.File,
        Answered a => a.File,
        Rejected r => r.File,
        TakenIntoAccount t => t.File,
        Closed c => c.File,
        _ => null,
    };

    public ComplaintStatus? Status => this switch
    {
        Open { File.PendingQuestion: not null } => ComplaintStatus.AwaitingInformation,
        Open { File.AcknowledgedAt: not null } => ComplaintStatus.Acknowledged,
        Open => ComplaintStatus.Received,
        Answered => ComplaintStatus.Answered,
        Rejected => ComplaintStatus.Rejected,
        TakenIntoAccount => ComplaintStatus.TakenIntoAccount,
        Closed => ComplaintStatus.Closed,
        _ => null,
    };
}
