using Idarati.Application.Audit;
using Idarati.Domain.Shared;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace Idarati.Application.Streams;

/// <summary>
/// A stream as the command path loads it with Marten's <c>FetchForWriting</c>: the decider's state folded from its
/// events, and the hash of its last event, which the next event's hash covers (the tamper-evidence chain).
/// </summary>
public sealed record Folded<TState>(string Id, TState State, string LastHash);

/// <summary>
/// A pure decider as a Marten live aggregation: <c>FetchForWriting&lt;Folded&lt;TState&gt;&gt;</c> folds a stream with
/// the decider's own Evolve (the deciders in src/Domain do not change) and keeps the last event's hash.
/// </summary>
public sealed class DeciderAggregation<TCommand, TEvent, TState> : SingleStreamProjection<Folded<TState>, string>
    where TEvent : notnull
{
    private readonly Decider<TCommand, TEvent, TState> _decider;

    public DeciderAggregation(Decider<TCommand, TEvent, TState> decider)
    {
        ArgumentNullException.ThrowIfNull(decider);
        _decider = decider;
        Name = $"live-{decider.StreamType}";
    }

    public override Folded<TState> Evolve(Folded<TState>? snapshot, string id, IEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        // Events of other kinds on the stream (an erasure of its personal data) leave the state as it is.
        var before = snapshot is null ? _decider.Initial : snapshot.State;
        var state = e.Data is TEvent known ? _decider.Evolve(before, known) : before;
        var hash = e.Headers is { } headers && headers.TryGetValue(TamperEvidence.HashHeader, out var h) ? h?.ToString() ?? TamperEvidence.Genesis : TamperEvidence.Genesis;
        return new Folded<TState>(id, state, hash);
    }

    /// <summary>Registers the decider's live aggregation, so that the command path can load its streams with FetchForWriting.</summary>
    public static void Register(StoreOptions options, Decider<TCommand, TEvent, TState> decider)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Projections.Add(new DeciderAggregation<TCommand, TEvent, TState>(decider), JasperFx.Events.Projections.ProjectionLifecycle.Live);
    }
}
