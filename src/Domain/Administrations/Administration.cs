using Idarati.Domain.Shared;

namespace Idarati.Domain.Administrations;

public enum AdministrationKind
{
    Ministry,
    PublicEstablishment,
    TerritorialCollectivity,
}

/// <summary>An administration that receives complaints, named in Arabic and French.</summary>
public sealed record AdministrationProfile(string Id, string NameAr, string NameFr, AdministrationKind Kind, string Region);

public abstract record AdministrationCommand(Actor Actor, DateTimeOffset At)
{
    public sealed record Register(Actor Actor, DateTimeOffset At, AdministrationProfile Profile) : AdministrationCommand(Actor, At);

    public sealed record Deactivate(Actor Actor, DateTimeOffset At, string Reason) : AdministrationCommand(Actor, At);
}

public abstract record AdministrationEvent
{
    private AdministrationEvent()
    {
    }

    public sealed record Registered(AdministrationProfile Profile, string RegisteredBy, DateTimeOffset RegisteredAt) : AdministrationEvent;

    public sealed record Deactivated(string Reason, string DeactivatedBy, DateTimeOffset DeactivatedAt) : AdministrationEvent;

    public static IReadOnlyDictionary<Type, string> StoredNames { get; } = new Dictionary<Type, string>
    {
        [typeof(Registered)] = "administration.registered",
        [typeof(Deactivated)] = "administration.deactivated",
    };
}

public abstract record AdministrationState
{
    private AdministrationState()
    {
    }

    public sealed record Unknown : AdministrationState;

    public sealed record Active(AdministrationProfile Profile) : AdministrationState;

    public sealed record Inactive(AdministrationProfile Profile, string Reason) : AdministrationState;
}

public sealed class AdministrationRuleViolated(string rule, string message) : RuleViolatedException(rule, message);

/// <summary>Reference data as a stream: administrations are registered and deactivated by an administrator.</summary>
public static class AdministrationDecider
{
    public const string StreamType = "administration";

    public static Decider<AdministrationCommand, AdministrationEvent, AdministrationState> Decider { get; } =
        new(StreamType, new AdministrationState.Unknown(), Evolve, Decide)
        {
            Concerns = s => s switch { AdministrationState.Active a => a.Profile.Id, AdministrationState.Inactive i => i.Profile.Id, _ => null },
        };

    public static IReadOnlyList<AdministrationEvent> Decide(AdministrationCommand command, AdministrationState state)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Actor.Role != Role.Admin)
        {
            throw new AdministrationRuleViolated("forbidden", "Only an administrator manages administrations.");
        }

        return (command, state) switch
        {
            (AdministrationCommand.Register r, AdministrationState.Unknown) => [new AdministrationEvent.Registered(r.Profile, r.Actor.ToString(), r.At)],
            (AdministrationCommand.Register r, AdministrationState.Active a) when a.Profile == r.Profile => [],
            (AdministrationCommand.Register, _) => throw new AdministrationRuleViolated("already-registered", "An administration with this id is already registered."),
            (AdministrationCommand.Deactivate d, AdministrationState.Active) => [new AdministrationEvent.Deactivated(d.Reason, d.Actor.ToString(), d.At)],
            (AdministrationCommand.Deactivate, AdministrationState.Inactive) => [],
            (AdministrationCommand.Deactivate, _) => throw new AdministrationRuleViolated("not-registered", "There is no such administration."),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown administration command."),
        };
    }

    public static AdministrationState Evolve(AdministrationState state, AdministrationEvent @event) => (state, @event) switch
    {
        (_, AdministrationEvent.Registered r) => new AdministrationState.Active(r.Profile),
        (AdministrationState.Active a, AdministrationEvent.Deactivated d) => new AdministrationState.Inactive(a.Profile, d.Reason),
        _ => state,
    };
}
