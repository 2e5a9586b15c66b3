using Idarati.Domain.Shared;

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

/// <summary>The messages a command's events call for (given the state after them, the events and the version before), stored in their transaction.</summary>
public delegate IEnumerable<object> Cascade<in TState, TEvent>(TState state, IReadOnlyList<TEvent> events, long versionBefore);

/// <summary>The outcome: the stream's state and version after the command (for a retry, after its first run).</summary>
public sealed record CommandResult<TState>(string StreamId, long Version, TState State);

/// <summary>A unique key a stream claims with its events (a complaint's tracking number, a candidate's e-mail).</summary>
public sealed record StreamKey(string Kind, string Value);

/// <summary>Which state of a stream to read: up to a version, or as of a time (auditors' time travel).</summary>
public sealed record StreamReadOptions
{
    public long? UpToVersion { get; init; }

    public DateTimeOffset? AsOf { get; init; }
}

/// <summary>A command id recorded in the transaction of its events: a retry finds it and answers the first result.</summary>
public sealed record CommandRecord(string Id, string StreamId, long Version, string? Fingerprint);

/// <summary>A unique key (a tracking number, a candidate's e-mail) claimed by one stream, in the transaction of its events.</summary>
public sealed record StreamKeyClaim(string Id, string StreamId);

/// <summary>A stream of a type that is listed whole (reference data such as administrations), recorded when it starts.</summary>
public sealed record ListedStream(string Id, string Type);

/// <summary>
/// A command message that both doors bind from its input (the REST body, the GraphQL arguments), then hand the
/// request's context: who sends it, its idempotency key, the version it expects.
/// </summary>
public interface IContextual<out TSelf>
{
    TSelf With(CommandContext context);
}
