using Idarati.Domain.Shared;

namespace Idarati.Domain.Tests;

/// <summary>Given events, when a command, then events (or a broken rule): decider tests that read as specifications.</summary>
public sealed class Spec<TCommand, TEvent, TState>(Decider<TCommand, TEvent, TState> decider)
{
    private TEvent[] _given = [];
    private TCommand? _when;

    public Spec<TCommand, TEvent, TState> Given(params TEvent[] events)
    {
        _given = events;
        return this;
    }

    public Spec<TCommand, TEvent, TState> When(TCommand command)
    {
        _when = command;
        return this;
    }

    public void Then(params TEvent[] expected) => Assert.Equal(expected, Run());

    public void ThenNothing() => Assert.Empty(Run());

    public void ThenFails(string rule)
    {
        var error = Assert.ThrowsAny<RuleViolatedException>(() => Run());
        Assert.Equal(rule, error.Rule);
    }

    /// <summary>The state after the given events and the command's events, to check Evolve.</summary>
    public TState ThenState() => decider.Fold(_given.Concat(Run()));

    private IReadOnlyList<TEvent> Run() => decider.Decide(_when ?? throw new InvalidOperationException("When what?"), decider.Fold(_given));
}
