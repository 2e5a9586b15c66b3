using Idarati.Application.Audit;
using Idarati.Application.Handling;
using Idarati.Domain.Shared;
using Idarati.EventStore;
using JasperFx;
using JasperFx.Events;
using Marten;

namespace Idarati.Application.Streams;

/// <summary>A command id recorded in the transaction of its events: a retry finds it and answers the first result.</summary>
public sealed record CommandRecord(string Id, string StreamId, long Version, string? Fingerprint);

/// <summary>A unique key (a tracking number, a candidate's e-mail) claimed by one stream, in the transaction of its events.</summary>
public sealed record StreamKeyClaim(string Id, string StreamId);

/// <summary>
/// The one command path on Marten, with the guarantees the service's own store proved (issue 14): load the stream,
/// fold it, authorize on the state read, decide, append after the version read with the tamper-evidence hashes, claim
/// the command's unique keys and record its command id, all in one session and one transaction. A conflict is decided
/// again on fresh state a bounded number of times unless the caller pinned a version (then 412); a repeated command
/// id appends nothing and answers the first result (422 when the retry asks for something else).
/// </summary>
public sealed class MartenCommandHandler(IDocumentStore store, TimeProvider time)
{
    private const int MaxAttempts = 10;

    /// <summary>The event header naming the command that appended the event.</summary>
    public const string CommandHeader = "commandId";

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, byte> _running = new();

    public async Task<CommandResult<TState>> HandleAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, TCommand command, CommandContext context, Action<TState>? authorize = null,
        CancellationToken cancellationToken = default)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(decider);
        ArgumentNullException.ThrowIfNull(context);
        if (context.CommandId is not { } id)
        {
            return await DecideAndAppendAsync(decider, streamId, command, context, authorize, cancellationToken).ConfigureAwait(false);
        }

        if (!_running.TryAdd(id, 0))
        {
            throw new IdempotencyKeyInUseException();
        }

        try
        {
            if (await FindCommandAsync(id, cancellationToken).ConfigureAwait(false) is { } first)
            {
                return await FirstResultAsync(decider, streamId, first, context, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                return await DecideAndAppendAsync(decider, streamId, command, context, authorize, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RuleViolatedException or DocumentAlreadyExistsException or DuplicateStreamKeyException or PreconditionFailedException
                                          or EventStreamUnexpectedMaxEventIdException or ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException)
            {
                // A retry that raced its first request: that request's commit is what changed the stream.
                if (await FindCommandAsync(id, cancellationToken).ConfigureAwait(false) is { } raced)
                {
                    return await FirstResultAsync(decider, streamId, raced, context, cancellationToken).ConfigureAwait(false);
                }

                throw;
            }
        }
        finally
        {
            _running.TryRemove(id, out _);
        }
    }

    /// <summary>A stream's state and version now, at a version, or as of a time (the auditors' time travel), from Marten.</summary>
    public async Task<(TState State, long Version)> LoadAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, long? version = null, DateTimeOffset? asOf = null, CancellationToken cancellationToken = default)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(decider);
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(streamId, version ?? 0, asOf, token: cancellationToken).ConfigureAwait(false);
        return (decider.Fold(events.Select(e => (TEvent)e.Data)), events.Count == 0 ? 0 : events[^1].Version);
    }

    private async Task<CommandResult<TState>> DecideAndAppendAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, TCommand command, CommandContext context, Action<TState>? authorize, CancellationToken cancellationToken)
        where TEvent : notnull
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            IReadOnlyList<IEvent> stored = context.NewStream && attempt == 1 ? [] : await session.Events.FetchStreamAsync(streamId, token: cancellationToken).ConfigureAwait(false);
            var version = stored.Count == 0 ? 0 : stored[^1].Version;
            var state = decider.Fold(stored.Select(e => (TEvent)e.Data));
            authorize?.Invoke(state);
            if (context.ExpectedVersion is { } expected && expected != version)
            {
                throw new PreconditionFailedException(streamId, expected, version);
            }

            var events = decider.Decide(command, state);
            if (events.Count == 0)
            {
                return new CommandResult<TState>(streamId, version, state, 0, false);
            }

            var data = events.Cast<object>().ToArray();
            // Marten's expected version is the stream's version once the events are appended.
            var action = version == 0 ? session.Events.StartStream(streamId, data) : session.Events.Append(streamId, version + events.Count, data);
            // Metadata: the actor as Marten's user name, the command id as correlation id and header of every event.
            session.LastModifiedBy = context.Actor.ToString();
            session.CorrelationId = context.CommandId?.ToString();
            if (context.CommandId is { } commandId)
            {
                foreach (var e in action.Events)
                {
                    e.SetHeader(CommandHeader, commandId.ToString());
                }
            }

            TamperEvidence.Seal(store.Options.Serializer(), action.Events, streamId, version, version == 0 ? TamperEvidence.Genesis : (string)stored[^1].Headers![TamperEvidence.HashHeader].ToString()!, time.GetUtcNow());
            foreach (var key in context.Keys ?? [])
            {
                session.Insert(new StreamKeyClaim(KeyId(key), streamId));
            }

            if (context.CommandId is { } id)
            {
                session.Insert(new CommandRecord(id.ToString(), streamId, version + events.Count, context.Fingerprint));
            }

            try
            {
                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                return new CommandResult<TState>(streamId, version + events.Count, events.Aggregate(state, decider.Evolve), events.Count, false);
            }
            catch (DocumentAlreadyExistsException e) when (e.DocType == typeof(StreamKeyClaim))
            {
                throw new DuplicateStreamKeyException(streamId, null, e);
            }
            catch (Exception e) when (IsConflict(e) && context.ExpectedVersion is null && attempt < MaxAttempts)
            {
                // Someone else appended between our read and our write: decide again on what they wrote, after a
                // short random pause that grows with each attempt so that racing writers spread out.
                await Task.Delay(Random.Shared.Next(0, 1 << Math.Min(attempt, 6)), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsConflict(e) && context.ExpectedVersion is { } pinned)
            {
                throw new PreconditionFailedException(streamId, pinned, pinned + 1);
            }
        }
    }

    private static bool IsConflict(Exception e) =>
        e is EventStreamUnexpectedMaxEventIdException or ExistingStreamIdCollisionException or Marten.Exceptions.ExistingStreamIdCollisionException or ConcurrencyException;

    public static string KeyId(StreamKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return $"{key.Kind}:{key.Value}";
    }

    /// <summary>The stream a unique key belongs to, or null.</summary>
    public async Task<string?> FindStreamIdAsync(StreamKey key, CancellationToken cancellationToken = default)
    {
        await using var session = store.QuerySession();
        return (await session.LoadAsync<StreamKeyClaim>(KeyId(key), cancellationToken).ConfigureAwait(false))?.StreamId;
    }

    private async Task<CommandRecord?> FindCommandAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<CommandRecord>(id.ToString(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The state the first run of a command left, if the retry asks for what the first request asked for.</summary>
    private async Task<CommandResult<TState>> FirstResultAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, CommandRecord first, CommandContext context, CancellationToken cancellationToken)
        where TEvent : notnull
    {
        if (first.StreamId != streamId || (context.Fingerprint is { } asked && first.Fingerprint is { } recorded && asked != recorded))
        {
            throw new IdempotencyKeyReusedException();
        }

        var (state, version) = await LoadAsync(decider, streamId, first.Version, null, cancellationToken).ConfigureAwait(false);
        return new CommandResult<TState>(streamId, version, state, 0, true);
    }
}
