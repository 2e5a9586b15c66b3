using Idarati.Domain.Shared;

namespace Idarati.Application.Handling;

// The refusals a use case answers besides a broken domain rule (RuleViolatedException): each maps to one outcome for
// both doors (Api/Infrastructure/Outcomes.cs).

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

/// <summary>The unique key the command claims already belongs to another stream.</summary>
public sealed class DuplicateStreamKeyException(string streamId, StreamKey? key, Exception? inner = null)
    : Exception(key is null
        ? $"An append to stream '{streamId}' claimed a unique key that another stream holds."
        : $"The key {key.Kind} '{key.Value}' already belongs to another stream than '{streamId}'.", inner)
{
    public string StreamId { get; } = streamId;

    public StreamKey? Key { get; } = key;
}

/// <summary>A value that must be unique (an account's e-mail, its CIN) already belongs to another resource: 409 naming the field.</summary>
public sealed class UniqueValueTakenException(string field, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Field { get; } = field;
}

/// <summary>Others kept changing the stream between our read and our write, more often than the handler retries: 409.</summary>
public sealed class ConcurrentChangeException(string streamId, Exception inner)
    : Exception($"Stream '{streamId}' kept changing while the command was decided; read it again and retry.", inner)
{
    public string StreamId { get; } = streamId;
}

/// <summary>The caller's role may not send this command (403; GraphQL FORBIDDEN).</summary>
public sealed class CommandForbiddenException(string command, IReadOnlyList<Role> roles)
    : Exception($"Allowed roles for {command}: {string.Join(", ", roles.Select(CommandRoles.Name))}.");
