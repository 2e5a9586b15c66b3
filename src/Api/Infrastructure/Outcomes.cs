using Idarati.Application.Handling;
using Idarati.Domain.Shared;
using Idarati.GraphQL.Execution;
using Microsoft.AspNetCore.Mvc;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// A use case's refusal as both doors answer it: the HTTP status and RFC 9457 problem, the GraphQL error code, the
/// field or rule it names, and whether a mutation answers it in its payload's <c>errors</c> (the caller's input or the
/// resource's state) or as a top-level error (the caller's identity, the service's state).
/// </summary>
public sealed record Outcome(int Status, string Code, string Detail, bool InPayload)
{
    /// <summary>The fields a 400 names, each with its problems.</summary>
    public IReadOnlyDictionary<string, string[]>? Fields { get; init; }

    public string? Rule { get; init; }

    /// <summary>The one field (a header) an outcome that is not a 400 is about.</summary>
    public string? Field { get; init; }

    public string? Title { get; init; }

    public string? Type { get; init; }

    /// <summary>Further members of the problem, and of the GraphQL error's extensions.</summary>
    public IReadOnlyList<(string Key, object? Value)> Extensions { get; init; } = [];

    /// <summary>Seconds to wait before retrying (the Retry-After header, GraphQL's <c>retryAfter</c>).</summary>
    public int? RetryAfter { get; init; }

    /// <summary>As RFC 9457 problem details.</summary>
    public ProblemDetails ToProblem()
    {
        var problem = Fields is { } fields
            ? new ValidationProblemDetails(fields.ToDictionary(f => f.Key, f => f.Value)) { Title = Title ?? "The request is not valid." }
            : new ProblemDetails { Title = Title, Detail = Detail };
        problem.Status = Status;
        problem.Type = Type;
        if (Rule is not null)
        {
            problem.Extensions["rule"] = Rule;
        }

        foreach (var (key, value) in Extensions)
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }

    /// <summary>As a top-level GraphQL error: <c>extensions.code</c>, with the fields, rule and retry delay it names.</summary>
    public GraphQLException ToGraphQLError()
    {
        var extensions = new Dictionary<string, object?>();
        if (Fields is not null)
        {
            extensions["fields"] = Fields;
        }

        if (Rule is not null)
        {
            extensions["rule"] = Rule;
        }

        if (RetryAfter is { } retry)
        {
            extensions["retryAfter"] = retry;
        }

        return new GraphQLException(Detail, Code, extensions.Count == 0 ? null : extensions);
    }

    /// <summary>As a mutation payload's <c>errors</c>: one per field a 400 names, else one.</summary>
    public IReadOnlyList<Dictionary<string, object?>> ToUserErrors() => Fields is { } fields
        ? [.. fields.SelectMany(f => f.Value.Select(m => UserError(Code, m, f.Key, Rule)))]
        : [UserError(Code, Detail, Field, Rule)];

    public static Dictionary<string, object?> UserError(string code, string message, string? field = null, string? rule = null) =>
        new() { ["code"] = code, ["message"] = message, ["field"] = field, ["rule"] = rule };
}

/// <summary>The one table of outcomes: every refusal of a use case, for REST's problem details and GraphQL's errors alike.</summary>
public static class Outcomes
{
    private const string ConcurrentChange = "Someone else changed this resource at the same moment; read it again and retry.";

    /// <summary>The outcome an exception stands for; null when it is none of the service's refusals (a fault: 500).</summary>
    public static Outcome? Of(Exception exception) => exception switch
    {
        ValidationFailedException v => new(400, ErrorCodes.BadUserInput, v.Message, InPayload: true) { Fields = v.Errors },
        UniqueValueTakenException t => new(409, "ALREADY_EXISTS", t.Message, InPayload: true)
        {
            Fields = new Dictionary<string, string[]> { [t.Field] = [t.Message] }, Title = "A unique value is already taken.", Type = "/problems/already-exists", Rule = "unique-" + t.Field,
        },
        NotFoundException n => new(404, "NOT_FOUND", n.Message, InPayload: true),
        CommandForbiddenException f => new(403, "FORBIDDEN", f.Message, InPayload: false),
        PreconditionFailedException p => new(412, "PRECONDITION_FAILED", p.Message, InPayload: true) { Extensions = [("currentVersion", p.Actual)] },
        RuleViolatedException r => new(409, "RULE_VIOLATED", r.Message, InPayload: true) { Rule = r.Rule },
        ConcurrentChangeException => new(409, "CONCURRENT_CHANGE", ConcurrentChange, InPayload: true) { Rule = "concurrent-change" },
        // Marten's own conflict, should one escape the command handler's retries: never a 500.
        JasperFx.ConcurrencyException or JasperFx.Events.EventStreamUnexpectedMaxEventIdException =>
            new(409, "CONCURRENT_CHANGE", ConcurrentChange, InPayload: true) { Rule = "concurrent-change" },
        Idarati.Api.Projections.PdfUnavailableException p => new(503, "PDF_UNAVAILABLE", p.Message, InPayload: false) { RetryAfter = 30 },
        Projections.NotLeaderException l => new(409, "NOT_LEADER", l.Message, InPayload: true) { Rule = "not-leader" },
        IdempotencyKeyReusedException k => new(422, "IDEMPOTENCY_KEY_REUSED", k.Message, InPayload: true)
        {
            Fields = new Dictionary<string, string[]> { [Http.IdempotencyKey] = [k.Message] },
            Title = "The Idempotency-Key was used for another request.",
            Type = "/problems/idempotency-key-reused",
        },
        IdempotencyKeyInUseException u => new(409, "IDEMPOTENCY_KEY_IN_USE", u.Message, InPayload: true)
        {
            Title = "The Idempotency-Key is in use.", Type = "/problems/idempotency-key-in-use", RetryAfter = 1, Field = Http.IdempotencyKey,
        },
        _ when DatabaseUnavailable.Is(exception) => new(503, DatabaseUnavailable.GraphQLCode,
            "The database cannot be reached right now. Retry after the delay in Retry-After; with the same Idempotency-Key a retried command is never applied twice.", InPayload: false)
        {
            RetryAfter = DatabaseUnavailable.RetryAfterSeconds,
        },
        _ => null,
    };
}
