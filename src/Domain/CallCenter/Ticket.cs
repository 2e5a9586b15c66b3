using Idarati.Domain.Complaints;
using Idarati.Domain.Shared;

namespace Idarati.Domain.CallCenter;

public enum TicketChannel
{
    Phone,
    Email,
    Facebook,
}

public enum TicketLanguage
{
    Arabic,
    Amazigh,
    French,
    English,
    Spanish,
}

public sealed record TicketDetails(string TicketId, TicketChannel Channel, string CategoryCode, string Topic, TicketLanguage Language, DateTimeOffset OpenedAt);

/// <summary>What can be asked of a 3737 call-centre ticket.</summary>
public abstract record TicketCommand(Actor Actor, DateTimeOffset At)
{
    public sealed record Open(Actor Actor, DateTimeOffset At, string TicketId, TicketChannel Channel, string CategoryCode, string Topic, TicketLanguage Language, Citizen? Caller = null) : TicketCommand(Actor, At);

    public sealed record Answer(Actor Actor, DateTimeOffset At, string Text) : TicketCommand(Actor, At);

    /// <summary>The complaint was created through the complaints decider first; this records the link on the ticket.</summary>
    public sealed record RecordEscalation(Actor Actor, DateTimeOffset At, string ComplaintId, string TrackingNumber) : TicketCommand(Actor, At);

    public sealed record Close(Actor Actor, DateTimeOffset At) : TicketCommand(Actor, At);
}

public abstract record TicketEvent
{
    private TicketEvent()
    {
    }

    /// <summary>A ticket opened; <see cref="Caller"/> when the caller said who they are (personal data).</summary>
    public sealed record Opened(TicketDetails Details, string OpenedBy, Citizen? Caller = null) : TicketEvent;

    public sealed record Answered(string Text, string AnsweredBy, DateTimeOffset AnsweredAt) : TicketEvent;

    public sealed record EscalatedToComplaint(string ComplaintId, string TrackingNumber, string EscalatedBy, DateTimeOffset EscalatedAt) : TicketEvent;

    public sealed record Closed(string ClosedBy, DateTimeOffset ClosedAt) : TicketEvent;

    public static IReadOnlyDictionary<Type, string> StoredNames { get; } = new Dictionary<Type, string>
    {
        [typeof(Opened)] = "ticket.opened",
        [typeof(Answered)] = "ticket.answered",
        [typeof(EscalatedToComplaint)] = "ticket.escalated-to-complaint",
        [typeof(Closed)] = "ticket.closed",
    };
}

public sealed record Ticket(TicketDetails Details, TicketEvent.Answered? Answer, TicketEvent.EscalatedToComplaint? Escalation, DateTimeOffset? ClosedAt)
{
    /// <summary>The caller, when they said who they are.</summary>
    public Citizen? Caller { get; init; }
}

public abstract record TicketState
{
    private TicketState()
    {
    }

    public sealed record NotOpened : TicketState;

    public sealed record Open(Ticket Ticket) : TicketState;

    public sealed record Closed(Ticket Ticket) : TicketState;

    public Ticket? TicketOrNull => this switch
    {
        Open o => o.Ticket,
        Closed c => c.Ticket,
        _ => null,
    };
}

public sealed class TicketRuleViolated(string rule, string message) : RuleViolatedException(rule, message);

/// <summary>The 3737 call centre: questions by phone, e-mail and Facebook, answered, escalated or closed.</summary>
public static class TicketDecider
{
    public const string StreamType = "call-center-ticket";

    /// <summary>Tickets belong to the call centre: its agents, and supervisors, act on them.</summary>
    public const string CallCenterAdministrationId = "CENTRE-3737";

    public static Decider<TicketCommand, TicketEvent, TicketState> Decider { get; } =
        new(StreamType, new TicketState.NotOpened(), Evolve, Decide) { Concerns = _ => CallCenterAdministrationId };

    public static IReadOnlyList<TicketEvent> Decide(TicketCommand command, TicketState state)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Actor is not ({ Role: Role.Supervisor } or { Role: Role.Agent, AdministrationId: CallCenterAdministrationId }))
        {
            throw new TicketRuleViolated("forbidden", "Only call-centre agents and supervisors handle tickets.");
        }

        var by = command.Actor.ToString();
        return (command, state) switch
        {
            (TicketCommand.Open o, TicketState.NotOpened) => [new TicketEvent.Opened(new TicketDetails(o.TicketId, o.Channel, o.CategoryCode, o.Topic, o.Language, o.At), by, o.Caller)],
            (TicketCommand.Open, _) => throw new TicketRuleViolated("already-opened", "This ticket is already open."),
            (_, TicketState.NotOpened) => throw new TicketRuleViolated("not-opened", "There is no such ticket."),
            (TicketCommand.Close, TicketState.Closed) => [],
            (_, TicketState.Closed) => throw new TicketRuleViolated("closed", "The ticket is closed."),
            (TicketCommand.Answer a, TicketState.Open { Ticket.Answer: null }) => [new TicketEvent.Answered(a.Text, by, a.At)],
            (TicketCommand.Answer a, TicketState.Open { Ticket.Answer: { } given }) when given.Text == a.Text => [],
            (TicketCommand.Answer, _) => throw new TicketRuleViolated("already-answered", "The ticket was already answered."),
            (TicketCommand.RecordEscalation e, TicketState.Open { Ticket.Escalation: null }) => [new TicketEvent.EscalatedToComplaint(e.ComplaintId, e.TrackingNumber, by, e.At)],
            (TicketCommand.RecordEscalation e, TicketState.Open { Ticket.Escalation: { } done }) when done.ComplaintId == e.ComplaintId => [],
            (TicketCommand.RecordEscalation, _) => throw new TicketRuleViolated("already-escalated", "The ticket was already escalated to another complaint."),
            (TicketCommand.Close c, TicketState.Open) => [new TicketEvent.Closed(by, c.At)],
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown ticket command."),
        };
    }

    public static TicketState Evolve(TicketState state, TicketEvent @event) => (state, @event) switch
    {
        (_, TicketEvent.Opened o) => new TicketState.Open(new Ticket(o.Details, null, null, null) { Caller = o.Caller }),
        (TicketState.Open { Ticket: var t }, TicketEvent.Answered a) => new TicketState.Open(t with { Answer = a }),
        (TicketState.Open { Ticket: var t }, TicketEvent.EscalatedToComplaint e) => new TicketState.Open(t with { Escalation = e }),
        (TicketState.Open { Ticket: var t }, TicketEvent.Closed c) => new TicketState.Closed(t with { ClosedAt = c.ClosedAt }),
        _ => state,
    };
}
