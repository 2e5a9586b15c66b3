using Idarati.Domain.Shared;
using Idarati.EventStore;

namespace Idarati.Application.Handling;

/// <summary>What a caller says about a command besides the command: its id for safe retries and its expectation.</summary>
public sealed record CommandContext(Actor Actor, Guid? CommandId = null, long? ExpectedVersion = null)
{
    /// <summary>
    /// What the request that carried the idempotency key asked for (a hash of its operation, target and body): a
    /// retry with the same key must ask for the same, or it is refused (<see cref="IdempotencyKeyReusedException"/>).
    /// </summary>
    public string? Fingerprint { get; init; }

    /// <summary>The stream is expected not to exist (a fresh id): skip the read; a surprise is retried with a read.</summary>
    public bool NewStream { get; init; }

    /// <summary>Unique keys the command's events claim, such as a complaint's tracking number.</summary>
    public IReadOnlyList<StreamKey>? Keys { get; init; }
}

/// <summary>The outcome: the stream's state and version after the command, and whether it was a retry.</summary>
public sealed record CommandResult<TState>(string StreamId, long Version, TState State, int EventsAppended, bool Duplicate);

/// <summary>The caller's If-Match named an older version than the stream's.</summary>
public sealed class PreconditionFailedException(string streamId, long expected, long actual)
    : Exception($"Stream '{streamId}' is at version {actual}, not {expected}.")
{
    public long Expected { get; } = expected;

    public long Actual { get; } = actual;
}

/// <summary>The idempotency key was used before for another request (another body, target or operation): 422.</summary>
public sealed class IdempotencyKeyReusedException() : Exception("This Idempotency-Key was already used for a different request; use a new key for a new request.");

/// <summary>The first request with this idempotency key is still running on this node: 409, retry shortly.</summary>
public sealed class IdempotencyKeyInUseException() : Exception("A request with this Idempotency-Key is still being processed; retry shortly to get its result.");

/// <summary>No such resource, or one the caller may not see (both answer 404).</summary>
public sealed class NotFoundException(string what) : Exception($"{what} was not found.");

/// <summary>Input that breaks no rule of the domain but is not acceptable: answers 400 naming the fields.</summary>
public sealed class ValidationFailedException(IReadOnlyDictionary<string, string[]> errors)
    : Exception("The request is not valid: " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}")))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    public static ValidationFailedException For(string field, string message) => new(new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>
/// The one path every command takes: load the stream, fold it, decide, append after the head just read. A conflict is
/// retried a bounded number of times when the caller did not pin a version (the decision is taken again on fresh
/// state); a repeated command id answers with the state its first run produced. Ids come from the injected clock.
/// </summary>
public sealed class CommandHandler(PostgresEventStore store, TimeProvider time)
{
    private const int MaxAttempts = 10;

    /// <summary>The event header that keeps the fingerprint of the request whose idempotency key made the command id.</summary>
    public const string FingerprintHeader = "idempotency-fingerprint";

    /// <summary>Command ids of keyed requests running on this node: a retry racing its first request waits for it.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, byte> _running = new();

    public async Task<CommandResult<TState>> HandleAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider,
        string streamId,
        TCommand command,
        CommandContext context,
        Action<TState>? authorize = null,
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
            if (await store.FindCommandAsync(id, cancellationToken).ConfigureAwait(false) is { } first)
            {
                return await FirstResultAsync(decider, streamId, first, context, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                return await DecideAndAppendAsync(decider, streamId, command, context, authorize, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RuleViolatedException or StreamConcurrencyException or DuplicateStreamKeyException or PreconditionFailedException)
            {
                // A retry that raced its first request on another node: the first one's commit is what changed the
                // stream (or took its key), so the answer is the first result, never a business-rule error.
                if (await store.FindCommandAsync(id, cancellationToken).ConfigureAwait(false) is { } raced)
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

    private async Task<CommandResult<TState>> DecideAndAppendAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, TCommand command, CommandContext context, Action<TState>? authorize, CancellationToken cancellationToken)
        where TEvent : notnull
    {
        for (var attempt = 1; ; attempt++)
        {
            var loaded = context.NewStream && attempt == 1 ? null : await store.LoadStreamAsync(streamId, null, cancellationToken).ConfigureAwait(false);
            var version = loaded?.Version ?? 0;
            var state = decider.Fold(loaded?.Events.Select(e => (TEvent)e.Data) ?? []);

            // Who may act is decided on the state just read, before anything else is revealed (a stale If-Match included).
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

            var options = new AppendOptions
            {
                CommandId = context.CommandId ?? Guid.CreateVersion7(time.GetUtcNow()),
                // Only an id derived from the client's Idempotency-Key can come again; a made-up one stays in the
                // metadata (it groups the command's events) without an idempotency row.
                RecordCommand = context.CommandId is not null,
                Actor = context.Actor.ToString(),
                CorrelationId = context.CommandId,
                Keys = context.Keys,
                Headers = context.CommandId is not null && context.Fingerprint is { } fingerprint ? new Dictionary<string, string> { [FingerprintHeader] = fingerprint } : null,
            };
            try
            {
                var result = await store.AppendAsync(streamId, decider.StreamType, loaded?.Head ?? StreamHead.New, events.Cast<object>().ToList(), options, cancellationToken)
                    .ConfigureAwait(false);
                if (result.Duplicate)
                {
                    return await FirstResultAsync(decider, streamId, result, context, cancellationToken).ConfigureAwait(false);
                }

                return new CommandResult<TState>(streamId, result.StreamVersion, events.Aggregate(state, decider.Evolve), events.Count, false);
            }
            catch (StreamConcurrencyException) when (context.ExpectedVersion is null && attempt < MaxAttempts)
            {
                // Someone else appended between our read and our write: decide again on what they wrote, after a
                // short random pause that grows with each attempt so that racing writers spread out.
                await Task.Delay(Random.Shared.Next(0, 1 << Math.Min(attempt, 6)), cancellationToken).ConfigureAwait(false);
            }
            catch (StreamConcurrencyException e) when (context.ExpectedVersion is { } pinned)
            {
                throw new PreconditionFailedException(streamId, pinned, e.ActualVersion ?? pinned + 1);
            }
        }
    }

    /// <summary>A stream's state (and version) now, at a version or as of a time; the initial state when it does not exist.</summary>
    public async Task<(TState State, long Version)> LoadAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, StreamReadOptions? read = null, CancellationToken cancellationToken = default)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(decider);
        var stream = await store.LoadStreamAsync(streamId, read, cancellationToken).ConfigureAwait(false);
        return (decider.Fold(stream?.Events.Select(e => (TEvent)e.Data) ?? []), stream?.Version ?? 0);
    }

    /// <summary>The state the first run of a command left, if the retry asks for what the first request asked for.</summary>
    private async Task<CommandResult<TState>> FirstResultAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, AppendResult first, CommandContext context, CancellationToken cancellationToken)
        where TEvent : notnull
    {
        var then = await store.LoadStreamAsync(first.StreamId, new StreamReadOptions { UpToVersion = first.StreamVersion }, cancellationToken).ConfigureAwait(false);
        var recorded = then?.Events is [.., var last] ? last.Metadata.Headers?.GetValueOrDefault(FingerprintHeader) : null;
        if (first.StreamId != streamId || (context.Fingerprint is { } asked && recorded is not null && recorded != asked))
        {
            throw new IdempotencyKeyReusedException();
        }

        var state = decider.Fold(then?.Events.Select(e => (TEvent)e.Data) ?? []);
        return new CommandResult<TState>(first.StreamId, first.StreamVersion, state, 0, true);
    }
}
