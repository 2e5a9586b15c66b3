using Idarati.Domain.Shared;

namespace Idarati.Application.Seeding;

/// <summary>Runs commands through a decider and keeps the events, as the command handler would, without I/O.</summary>
internal sealed class StreamBuilder<TCommand, TEvent, TState>(Decider<TCommand, TEvent, TState> decider)
    where TEvent : notnull
{
    private readonly List<object> _events = [];
    private readonly List<string?> _concerns = [];

    public TState State { get; private set; } = decider.Initial;

    public void Do(TCommand command)
    {
        foreach (var e in decider.Decide(command, State))
        {
            _events.Add(e);
            State = decider.Evolve(State, e);
            _concerns.Add(decider.Concerns(State));
        }
    }

    public SeedStream ToBulk(string streamId, SeedMetadata metadata) => new(streamId, decider.StreamType, _events, metadata, _concerns);
}
