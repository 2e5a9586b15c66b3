using Idarati.Domain.Shared;

namespace Idarati.Domain.JobApplications;

public sealed record CompetitionDetails(
    string CompetitionId, string AdministrationId, string Title, string Grade, int Posts, DateTimeOffset ApplicationDeadline, bool AcceptsElectronicApplications);

public abstract record CompetitionCommand(Actor Actor, DateTimeOffset At)
{
    public sealed record Publish(Actor Actor, DateTimeOffset At, CompetitionDetails Details) : CompetitionCommand(Actor, At);

    public sealed record CloseApplications(Actor Actor, DateTimeOffset At) : CompetitionCommand(Actor, At);

    public sealed record PublishResults(Actor Actor, DateTimeOffset At) : CompetitionCommand(Actor, At);
}

public abstract record CompetitionEvent
{
    private CompetitionEvent()
    {
    }

    public sealed record Published(CompetitionDetails Details, string PublishedBy, DateTimeOffset PublishedAt) : CompetitionEvent;

    public sealed record ApplicationsClosed(string ClosedBy, DateTimeOffset ClosedAt) : CompetitionEvent;

    public sealed record ResultsPublished(string PublishedBy, DateTimeOffset PublishedAt) : CompetitionEvent;

    public static IReadOnlyDictionary<Type, string> StoredNames { get; } = new Dictionary<Type, string>
    {
        [typeof(Published)] = "competition.published",
        [typeof(ApplicationsClosed)] = "competition.applications-closed",
        [typeof(ResultsPublished)] = "competition.results-published",
    };
}

public abstract record CompetitionState
{
    private CompetitionState()
    {
    }

    public sealed record NotPublished : CompetitionState;

    public sealed record Open(CompetitionDetails Details) : CompetitionState;

    public sealed record Closed(CompetitionDetails Details) : CompetitionState;

    public sealed record ResultsOut(CompetitionDetails Details) : CompetitionState;

    public CompetitionDetails? DetailsOrNull => this switch
    {
        Open o => o.Details,
        Closed c => c.Details,
        ResultsOut r => r.Details,
        _ => null,
    };
}

public sealed class EmploymentRuleViolated(string rule, string message) : RuleViolatedException(rule, message);

/// <summary>A public-service competition on emploi-public.ma.</summary>
public static class CompetitionDecider
{
    public const string StreamType = "competition";

    public static Decider<CompetitionCommand, CompetitionEvent, CompetitionState> Decider { get; } =
        new(StreamType, new CompetitionState.NotPublished(), Evolve, Decide) { Concerns = s => s.DetailsOrNull?.AdministrationId };

    public static IReadOnlyList<CompetitionEvent> Decide(CompetitionCommand command, CompetitionState state)
    {
        ArgumentNullException.ThrowIfNull(command);
        var administration = command is CompetitionCommand.Publish p ? p.Details.AdministrationId : state.DetailsOrNull?.AdministrationId;
        if (!(command.Actor.Role == Role.Supervisor || (command.Actor.Role == Role.Agent && command.Actor.AdministrationId == administration)))
        {
            throw new EmploymentRuleViolated(command.Actor.Role == Role.Agent ? "not-owner" : "forbidden", "Only the administration's agents, or a supervisor, manage its competitions.");
        }

        var by = command.Actor.ToString();
        return (command, state) switch
        {
            (CompetitionCommand.Publish c, CompetitionState.NotPublished) when c.Details.Posts < 1 => throw new EmploymentRuleViolated("no-posts", "A competition offers at least one post."),
            (CompetitionCommand.Publish c, CompetitionState.NotPublished) when c.Details.ApplicationDeadline <= c.At => throw new EmploymentRuleViolated("deadline-passed", "The application deadline must be in the future."),
            (CompetitionCommand.Publish c, CompetitionState.NotPublished) => [new CompetitionEvent.Published(c.Details, by, c.At)],
            (CompetitionCommand.Publish c, CompetitionState.Open o) when o.Details == c.Details => [],
            (CompetitionCommand.Publish, _) => throw new EmploymentRuleViolated("already-published", "This competition is already published."),
            (_, CompetitionState.NotPublished) => throw new EmploymentRuleViolated("not-published", "There is no such competition."),
            (CompetitionCommand.CloseApplications c, CompetitionState.Open) => [new CompetitionEvent.ApplicationsClosed(by, c.At)],
            (CompetitionCommand.CloseApplications, _) => [],
            (CompetitionCommand.PublishResults r, CompetitionState.Closed) => [new CompetitionEvent.ResultsPublished(by, r.At)],
            (CompetitionCommand.PublishResults, CompetitionState.ResultsOut) => [],
            (CompetitionCommand.PublishResults, _) => throw new EmploymentRuleViolated("applications-open", "Close applications before publishing results."),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown competition command."),
        };
    }

    public static CompetitionState Evolve(CompetitionState state, CompetitionEvent @event) => (state, @event) switch
    {
        (_, CompetitionEvent.Published p) => new CompetitionState.Open(p.Details),
        (CompetitionState.Open o, CompetitionEvent.ApplicationsClosed) => new CompetitionState.Closed(o.Details),
        (CompetitionState.Closed c, CompetitionEvent.ResultsPublished) => new CompetitionState.ResultsOut(c.Details),
        _ => state,
    };
}
