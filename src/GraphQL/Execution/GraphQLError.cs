using Idarati.GraphQL.Language;

namespace Idarati.GraphQL.Execution;

/// <summary>
/// An error as the specification shapes it in a response: a message, the document locations it concerns, the path of
/// the response field it nulled, and extensions (always a <c>code</c>, so clients can tell errors apart).
/// </summary>
public sealed record GraphQLError(string Message, IReadOnlyList<SourceLocation>? Locations = null, IReadOnlyList<object>? Path = null)
{
    public IReadOnlyDictionary<string, object?> Extensions { get; init; } = new Dictionary<string, object?> { ["code"] = ErrorCodes.Internal };

    public string Code => Extensions.TryGetValue("code", out var code) ? code as string ?? ErrorCodes.Internal : ErrorCodes.Internal;

    public GraphQLError WithCode(string code) => this with { Extensions = new Dictionary<string, object?>(Extensions) { ["code"] = code } };
}

/// <summary>The <c>extensions.code</c> values this engine emits.</summary>
public static class ErrorCodes
{
    public const string ParseFailed = "GRAPHQL_PARSE_FAILED";
    public const string ValidationFailed = "GRAPHQL_VALIDATION_FAILED";
    public const string BadUserInput = "BAD_USER_INPUT";
    public const string OperationNotFound = "OPERATION_RESOLUTION_FAILURE";
    public const string Internal = "INTERNAL_SERVER_ERROR";
    public const string PersistedQueryNotFound = "PERSISTED_QUERY_NOT_FOUND";
    public const string PersistedQueryRequired = "PERSISTED_QUERY_REQUIRED";
}

/// <summary>
/// An error a resolver raises on purpose, with a code and extra extensions that reach the client as given. Any other
/// exception reaches the client as its message with the code INTERNAL_SERVER_ERROR.
/// </summary>
public class GraphQLException(string message, string code, IReadOnlyDictionary<string, object?>? extensions = null, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;

    public IReadOnlyDictionary<string, object?> ErrorExtensions { get; } = extensions ?? new Dictionary<string, object?>();
}

/// <summary>What an execution gives: data (null when a non-null root field failed or nothing ran) and the errors met.</summary>
public sealed record ExecutionResult(IReadOnlyDictionary<string, object?>? Data, IReadOnlyList<GraphQLError> Errors)
{
    /// <summary>Whether execution started; a result without it has no <c>data</c> entry at all (request errors).</summary>
    public bool Executed { get; init; } = true;
}
