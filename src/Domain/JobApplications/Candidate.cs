using Idarati.Domain.Shared;

namespace Idarati.Domain.JobApplications;

/// <summary>Personal data of a candidate: never shown to analysts.</summary>
public sealed record CandidateIdentity(string FullName, string NationalId, string Email);

public abstract record CandidateCommand(Actor Actor, DateTimeOffset At)
{
    public sealed record CreateAccount(Actor Actor, DateTimeOffset At, string CandidateId, CandidateIdentity Identity) : CandidateCommand(Actor, At);

    public sealed record Verify(Actor Actor, DateTimeOffset At) : CandidateCommand(Actor, At);
}

public abstract record CandidateEvent
{
    private CandidateEvent()
    {
    }

    public sealed record AccountCreated(string CandidateId, CandidateIdentity Identity, string Owner, DateTimeOffset CreatedAt) : CandidateEvent;

    public sealed record Verified(string VerifiedBy, DateTimeOffset VerifiedAt) : CandidateEvent;

    public static IReadOnlyDictionary<Type, string> StoredNames { get; } = new Dictionary<Type, string>
    {
        [typeof(AccountCreated)] = "candidate.account-created",
        [typeof(Verified)] = "candidate.verified",
    };
}

public sealed record CandidateAccount(string CandidateId, CandidateIdentity Identity, string Owner, DateTimeOffset CreatedAt, DateTimeOffset? VerifiedAt);

public abstract record CandidateState
{
    private CandidateState()
    {
    }

    public sealed record None : CandidateState;

    public sealed record Unverified(CandidateAccount Account) : CandidateState;

    public sealed record VerifiedAccount(CandidateAccount Account) : CandidateState;

    public CandidateAccount? AccountOrNull => this switch
    {
        Unverified u => u.Account,
        VerifiedAccount v => v.Account,
        _ => null,
    };
}

/// <summary>A candidate's account on emploi-public.ma: created by the candidate, then verified.</summary>
public static class CandidateDecider
{
    public const string StreamType = "candidate";

    public static Decider<CandidateCommand, CandidateEvent, CandidateState> Decider { get; } = new(StreamType, new CandidateState.None(), Evolve, Decide);

    public static IReadOnlyList<CandidateEvent> Decide(CandidateCommand command, CandidateState state)
    {
        ArgumentNullException.ThrowIfNull(command);
        var by = command.Actor.ToString();
        return (command, state) switch
        {
            (CandidateCommand.CreateAccount c, CandidateState.None) when c.Actor.Role == Role.Citizen => [new CandidateEvent.AccountCreated(c.CandidateId, c.Identity, by, c.At)],
            (CandidateCommand.CreateAccount, CandidateState.None) => throw new EmploymentRuleViolated("citizen-only", "Candidates create their own accounts."),
            (CandidateCommand.CreateAccount, _) => throw new EmploymentRuleViolated("already-created", "This account already exists."),
            (_, CandidateState.None) => throw new EmploymentRuleViolated("not-created", "There is no such candidate."),
            (CandidateCommand.Verify v, CandidateState.Unverified u) when by == u.Account.Owner || v.Actor.Role is Role.Admin or Role.Supervisor =>
                [new CandidateEvent.Verified(by, v.At)],
            (CandidateCommand.Verify, CandidateState.Unverified) => throw new EmploymentRuleViolated("not-owner", "Only the candidate (or an administrator) verifies the account."),
            (CandidateCommand.Verify, CandidateState.VerifiedAccount) => [],
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown candidate command."),
        };
    }

    public static CandidateState Evolve(CandidateState state, CandidateEvent @event) => (state, @event) switch
    {
        (_, CandidateEvent.AccountCreated c) => new CandidateState.Unverified(new CandidateAccount(c.CandidateId, c.Identity, c.Owner, c.CreatedAt, null)),
        (CandidateState.Unverified u, CandidateEvent.Verified v) => new CandidateState.VerifiedAccount(u.Account with { VerifiedAt = v.VerifiedAt }),
        _ => state,
    };
}
