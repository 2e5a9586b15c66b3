namespace Idarati.Domain.Shared;

/// <summary>
/// A stream's behaviour as three pure functions: the state before the first event, how an event changes the state,
/// and which events a command produces in a state. No I/O, no clock, no framework types.
/// </summary>
public sealed record Decider<TCommand, TEvent, TState>(
    string StreamType,
    TState Initial,
    Func<TState, TEvent, TState> Evolve,
    Func<TCommand, TState, IReadOnlyList<TEvent>> Decide)
{
    /// <summary>The administration a stream concerns in a state, if any: sealed with each event (<c>idarati-event-v2</c>).</summary>
    public Func<TState, string?> Concerns { get; init; } = _ => null;

    public TState Fold(IEnumerable<TEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return events.Aggregate(Initial, Evolve);
    }
}

/// <summary>A broken business rule. <see cref="Rule"/> is a stable code clients can rely on.</summary>
public class RuleViolatedException(string rule, string message) : Exception(message)
{
    public string Rule { get; } = rule;
}

/// <summary>Who acts: an authenticated user with one role, bound to an administration when an agent.</summary>
public sealed record Actor(string Id, Role Role, string? AdministrationId = null)
{
    public override string ToString() => AdministrationId is null ? $"{Role}:{Id}" : $"{Role}:{Id}@{AdministrationId}";
}

public enum Role
{
    Citizen,
    Agent,
    Supervisor,
    Auditor,
    Analyst,
    Admin,

    /// <summary>The data-protection officer: erases data subjects and answers their access requests (law 09-08).</summary>
    DataProtectionOfficer,

    /// <summary>The service itself, acting on its own clock (a complaint's deadlines); no token carries it.</summary>
    Service,
}
