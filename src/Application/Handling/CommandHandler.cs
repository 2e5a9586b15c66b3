using Idarati.Application.Audit;
using Idarati.Application.Streams;
using Idarati.Domain.Shared;
using JasperFx;
using JasperFx.Events;
using Marten;

namespace Idarati.Application.Handling;

/// <summary>
/// The one command path on Marten: load the stream with
/// FetchForWriting (folded by its decider, <see cref="DeciderAggregation{TCommand, TEvent, TState}"/>), authorize on
/// the state read, decide, append on the fetched stream with the tamper-evidence hashes, claim the command's unique
/// keys, record its command id and store the messages it cascades (Wolverine's outbox), all in one session and one
/// transaction. A conflict is decided again on fresh state a bounded number of times unless the caller pinned a
/// version (then 412); a repeated command id appends nothing and answers the first result (422 when the retry asks for
/// something else).
/// </summary>
public sealed class CommandHandler(IDocumentStore store, TimeProvider time, IServiceProvider? services = null, Privacy.PersonalDataVault? vault = null)
{
    private const int MaxAttempts = 10;

    /// <summary>The event header naming the command that appended the event.</summary>
    public const string CommandHeader = TamperEvidence.CommandHeader;

    /// <summary>Stream types whose streams are listed whole (<see cref="ListedStream"/>): reference data.</summary>
    public static IReadOnlySet<string> ListedStreamTypes { get; } = new HashSet<string>(StringComparer.Ordinal) { Idarati.Domain.Administrations.AdministrationDecider.StreamType };

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, byte> _running = new();

    /// <summary>Seals personal fields before they are stored (crypto-shredding); without it, a command that carries personal data is refused.</summary>
    private readonly Privacy.PersonalDataVault? _vault = vault ?? services?.GetService(typeof(Privacy.PersonalDataVault)) as Privacy.PersonalDataVault;
    /// <summary>New streams written together, on the command path's own connections (prepared statements) when the host registers them.</summary>
    private readonly GroupCommit _group = new(store, services?.GetService(typeof(CommandConnections)) as CommandConnections);

    /// <summary>The group commit of new streams (its counts show how many commands shared a transaction).</summary>
    public GroupCommit Group => _group;

    public async Task<CommandResult<TState>> HandleAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, TCommand command, CommandContext context, Action<TState>? authorize = null,
        CancellationToken cancellationToken = default, Cascade<TState, TEvent>? cascade = null)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(decider);
        ArgumentNullException.ThrowIfNull(context);
        if (context.CommandId is not { } id)
        {
            return await DecideAndAppendAsync(decider, streamId, command, context, authorize, cascade, cancellationToken).ConfigureAwait(false);
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
                return await DecideAndAppendAsync(decider, streamId, command, context, authorize, cascade, cancellationToken).ConfigureAwait(false);
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

    /// <summary>A stream's state (and version) now, at a version or as of a time; the initial state when it does not exist.</summary>
    public Task<(TState State, long Version)> LoadAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, StreamReadOptions? read, CancellationToken cancellationToken = default)
        where TEvent : notnull =>
        LoadAsync(decider, streamId, read?.UpToVersion, read?.AsOf, cancellationToken);

    /// <summary>A stream's state and version now, at a version, or as of a time (the auditors' time travel), from Marten.</summary>
    public Task<(TState State, long Version)> LoadAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, long? version = null, DateTimeOffset? asOf = null, CancellationToken cancellationToken = default)
        where TEvent : notnull =>
        LoadAsync(decider, streamId, version, asOf, null, cancellationToken);

    /// <summary>
    /// As <see cref="LoadAsync{TCommand, TEvent, TState}(Decider{TCommand, TEvent, TState}, string, long?, DateTimeOffset?, CancellationToken)"/>,
    /// each event first passed through <paramref name="reveal"/> (personal fields opened for a reader who may see them).
    /// Events of other kinds on the stream (an erasure) do not change the state.
    /// </summary>
    public async Task<(TState State, long Version)> LoadAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, long? version, DateTimeOffset? asOf, Privacy.Revealer? reveal, CancellationToken cancellationToken = default)
        where TEvent : notnull
    {
        ArgumentNullException.ThrowIfNull(decider);
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(streamId, version ?? 0, asOf, token: cancellationToken).ConfigureAwait(false);
        var data = events.Select(e => e.Data).OfType<TEvent>();
        return (decider.Fold(reveal is null ? data : data.Select(reveal.RevealEvent)), events.Count == 0 ? 0 : events[^1].Version);
    }

    private async Task<CommandResult<TState>> DecideAndAppendAsync<TCommand, TEvent, TState>(
        Decider<TCommand, TEvent, TState> decider, string streamId, TCommand command, CommandContext context, Action<TState>? authorize,
        Cascade<TState, TEvent>? cascade, CancellationToken cancellationToken)
        where TEvent : notnull
    {
        for (var attempt = 1; ; attempt++)
        {
            // A command that may cascade messages writes through Wolverine's outbox: its messages are stored in the
            // transaction of its events and sent once it commits. A fresh message context per attempt, so that an
            // attempt that lost a race leaves nothing to send.
            var outbox = cascade is null ? null : Outbox();
            await using var write = outbox is null
                ? await CommandConnections.OpenAsync(_group.Connections, store, cancellationToken).ConfigureAwait(false)
                : new WriteSession(outbox.Value.Factory.OpenSession(outbox.Value.Context), null);
            var session = write.Session;
            // Marten's FetchForWriting folds the stream with the decider (a live aggregation, Streams/Folded) and
            // remembers the version read; the append is refused at commit if another came first. A fresh id skips the read.
            var stream = context.NewStream && attempt == 1 ? null : await session.Events.FetchForWriting<Folded<TState>>(streamId, cancellationToken).ConfigureAwait(false);
            var version = stream?.CurrentVersion ?? 0;
            var state = stream?.Aggregate is { } folded ? folded.State : decider.Initial;
            authorize?.Invoke(state);
            if (context.ExpectedVersion is { } expected && expected != version)
            {
                throw new PreconditionFailedException(streamId, expected, version);
            }

            var events = decider.Decide(command, state);
            if (events.Count == 0)
            {
                return new CommandResult<TState>(streamId, version, state);
            }

            var data = events.Cast<object>().ToArray();
            Action<IDocumentSession>? stageKey = null;
            if (_vault is not null)
            {
                (data, stageKey) = await _vault.SealAsync(streamId, stream is null, data, cancellationToken).ConfigureAwait(false);
            }
            else if (data.Any(e => Privacy.PersonalFields.Carries(e.GetType())))
            {
                throw new InvalidOperationException("This command carries personal data, and no personal-data vault is configured to seal it.");
            }

            var lastHash = stream?.Aggregate?.LastHash ?? TamperEvidence.Genesis;
            var at = time.GetUtcNow();
            string? sealedHash = null;
            void Stage(IDocumentSession target)
            {
                if (stream is null)
                {
                    target.Events.StartStream(streamId, data);
                }
                else
                {
                    stream.AppendMany(data);
                }

                // Metadata on each event (so that events of a group keep their own): the actor as Marten's user name,
                // the command id as correlation id and header.
                var action = target.PendingChanges.Streams().Single(s => s.Key == streamId);
                var commandId = context.CommandId?.ToString();
                var after = state;
                for (var i = 0; i < action.Events.Count; i++)
                {
                    var e = action.Events[i];
                    e.UserName = context.Actor.ToString();
                    e.CorrelationId = commandId;
                    if (commandId is not null)
                    {
                        e.SetHeader(CommandHeader, commandId);
                    }

                    after = decider.Evolve(after, events[i]);
                    if (decider.Concerns(after) is { } administration)
                    {
                        e.SetHeader(TamperEvidence.AdministrationHeader, administration);
                    }
                }

                stageKey?.Invoke(target);
                TamperEvidence.Seal(target, action.Events, streamId, version, lastHash, at);
                sealedHash = action.Events[^1].GetHeader(TamperEvidence.HashHeader)?.ToString();
                if (version == 0 && ListedStreamTypes.Contains(decider.StreamType))
                {
                    target.Store(new ListedStream(streamId, decider.StreamType));
                }

                foreach (var key in context.Keys ?? [])
                {
                    target.Insert(new StreamKeyClaim(KeyId(key), streamId));
                }

                if (context.CommandId is { } id)
                {
                    target.Insert(new CommandRecord(id.ToString(), streamId, version + events.Count, context.Fingerprint));
                }
            }

            var after = events.Aggregate(state, decider.Evolve);
            if (outbox is { Context: var messages })
            {
                foreach (var message in cascade!(after, events, version))
                {
                    await messages.PublishAsync(message).ConfigureAwait(false);
                }
            }

            var done = new CommandResult<TState>(streamId, version + events.Count, after);
            try
            {
                // A new stream that tells nobody joins the group commit; it is written alone when its group failed,
                // unless the group committed all the same (its COMMIT's answer lost with the connection).
                var grouped = stream is null && outbox is null;
                if (grouped && await _group.WriteAsync(Stage).ConfigureAwait(false))
                {
                    return done;
                }

                if (grouped && await StoredAsync(streamId, done.Version, sealedHash, cancellationToken).ConfigureAwait(false))
                {
                    return done;
                }

                Stage(session);
                await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                return done;
            }
            catch (DocumentAlreadyExistsException e) when (e.DocType == typeof(StreamKeyClaim))
            {
                throw new DuplicateStreamKeyException(streamId, context.Keys?.FirstOrDefault(k => Equals(KeyId(k), e.Id?.ToString())), e);
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
            catch (Exception e) when (IsConflict(e))
            {
                throw new ConcurrentChangeException(streamId, e);
            }
            catch (Exception) when (sealedHash is not null && !cancellationToken.IsCancellationRequested)
            {
                // The write failed without a verdict (the connection dropped, perhaps after COMMIT was sent): if this
                // command's sealed events are stored, it committed, and a retry must not write it again.
                if (await StoredAsync(streamId, done.Version, sealedHash, cancellationToken).ConfigureAwait(false))
                {
                    return done;
                }

                throw;
            }
        }
    }

    /// <summary>
    /// Whether the stream holds, at <paramref name="version"/>, the event this command sealed: its hash covers the
    /// previous hash, the body and the microsecond it was written, so no other write has it. False when it cannot be read.
    /// </summary>
    private async Task<bool> StoredAsync(string streamId, long version, string? sealedHash, CancellationToken cancellationToken)
    {
        if (sealedHash is null)
        {
            return false;
        }

        try
        {
            await using var session = store.QuerySession();
            var stored = await session.Events.QueryAllRawEvents().Where(e => e.StreamKey == streamId && e.Version == version)
                .FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
            return stored?.GetHeader(TamperEvidence.HashHeader)?.ToString() == sealedHash;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Wolverine's outboxed session factory and a message context of its own, when Wolverine runs in this host.</summary>
    private (Wolverine.Marten.Publishing.OutboxedSessionFactory Factory, Wolverine.Runtime.MessageContext Context)? Outbox() =>
        services?.GetService(typeof(Wolverine.Runtime.IWolverineRuntime)) is Wolverine.Runtime.IWolverineRuntime runtime
            && services?.GetService(typeof(Wolverine.Marten.Publishing.OutboxedSessionFactory)) is Wolverine.Marten.Publishing.OutboxedSessionFactory factory
            ? (factory, new Wolverine.Runtime.MessageContext(runtime))
            : throw new InvalidOperationException("This command cascades messages, and Wolverine does not run in this host.");

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
        return new CommandResult<TState>(streamId, version, state);
    }
}
