using System.Text.Json;
using Idarati.Application.Handling;
using Idarati.Domain.Shared;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// Every error as RFC 9457 problem details, mapped in one place: bad input 400 naming the field, a body too large 413,
/// a body that is not JSON 415, a broken rule 409 naming the rule, a stale If-Match 412, a hidden or missing resource 404,
/// a database that cannot be reached 503 with Retry-After.
/// Anything else is ours: 500.
/// </summary>
public sealed partial class ProblemMapper(IProblemDetailsService problems, ILogger<ProblemMapper> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var problem = exception switch
        {
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => Problem(413, "The request body is too large."),
            BadHttpRequestException { StatusCode: StatusCodes.Status415UnsupportedMediaType } media => Problem(415, media.Message),
            BadHttpRequestException { InnerException: JsonException json } => Invalid(JsonField(json), JsonMessage(json)),
            BadHttpRequestException bad => Binding(bad),
            JsonException json => Invalid(JsonField(json), JsonMessage(json)),
            ValidationFailedException v => new ValidationProblemDetails(v.Errors.ToDictionary(e => e.Key, e => e.Value)) { Status = 400, Title = "The request is not valid." },
            NotFoundException n => Problem(404, n.Message),
            CommandForbiddenException f => Problem(403, f.Message),
            PreconditionFailedException p => Problem(412, p.Message, ("currentVersion", p.Actual)),
            ConcurrentChangeException => Problem(409, "Someone else changed this resource at the same moment; read it again and retry.", ("rule", "concurrent-change")),
            // Marten's own conflict, should one escape the command handler's retries: never a 500.
            JasperFx.ConcurrencyException or JasperFx.Events.EventStreamUnexpectedMaxEventIdException => Problem(409, "Someone else changed this resource at the same moment; read it again and retry.", ("rule", "concurrent-change")),
            Idarati.Api.Projections.NotLeaderException leader => Problem(409, leader.Message, ("rule", "not-leader"), ("leader", leader.Leader)),
            RuleViolatedException r => Problem(409, r.Message, ("rule", r.Rule)),
            IdempotencyKeyReusedException reused => new ValidationProblemDetails(new Dictionary<string, string[]> { [Http.IdempotencyKey] = [reused.Message] })
            {
                Status = 422, Title = "The Idempotency-Key was used for another request.", Type = "/problems/idempotency-key-reused",
            },
            IdempotencyKeyInUseException inUse => InUse(httpContext, inUse),
            _ when DatabaseUnavailable.Is(exception) => Unavailable(httpContext),
            _ => null,
        };
        if (problem is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            return false;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception })
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Adds the field to problems the framework writes itself: a 415 (routing refuses a body that is not JSON before any
    /// endpoint runs) names the Content-Type header in "errors", as every 400 names its field.
    /// </summary>
    public static void Customize(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        if (problem.Status == StatusCodes.Status415UnsupportedMediaType && !problem.Extensions.ContainsKey("errors"))
        {
            problem.Detail ??= $"Expected a JSON body (Content-Type: application/json), not '{context.HttpContext.Request.ContentType}'.";
            problem.Extensions["errors"] = new Dictionary<string, string[]> { ["Content-Type"] = [problem.Detail] };
        }
    }

    /// <summary>
    /// A route or query value the framework could not bind, named as the client knows it: "version", never the CLR
    /// parameter ("Nullable&lt;long&gt; version") the framework's message shows.
    /// </summary>
    private ValidationProblemDetails Binding(BadHttpRequestException bad)
    {
        var match = BoundParameter().Match(bad.Message);
        if (!match.Success)
        {
            logger.LogWarning("A request could not be bound: {Message}", bad.Message);
            return Invalid("body", "The request could not be read.");
        }

        var name = match.Groups["name"].Value;
        return bad.Message.StartsWith("Required", StringComparison.Ordinal)
            ? Invalid(name, "This field is required.")
            : Invalid(name, "Not a valid value for this field.");
    }

    [System.Text.RegularExpressions.GeneratedRegex("""parameter "(?:[^"]* )?(?<name>[A-Za-z_][A-Za-z0-9_]*)" """)]
    private static partial System.Text.RegularExpressions.Regex BoundParameter();

    private static ProblemDetails InUse(HttpContext http, IdempotencyKeyInUseException inUse)
    {
        http.Response.Headers.RetryAfter = "1";
        return new ProblemDetails { Status = 409, Title = "The Idempotency-Key is in use.", Detail = inUse.Message, Type = "/problems/idempotency-key-in-use" };
    }

    private ProblemDetails Unavailable(HttpContext http)
    {
        logger.LogWarning("The database is unavailable on {Method} {Path}: answered 503", http.Request.Method, http.Request.Path);
        http.Response.Headers.RetryAfter = DatabaseUnavailable.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(503, "The database cannot be reached right now. Retry after the delay in Retry-After; with the same Idempotency-Key a retried command is never applied twice.");
    }

    private static ValidationProblemDetails Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] }) { Status = 400, Title = "The request is not valid." };

    private static ProblemDetails Problem(int status, string detail, params (string Key, object? Value)[] extensions)
    {
        var problem = new ProblemDetails { Status = status, Detail = detail };
        foreach (var (key, value) in extensions)
        {
            problem.Extensions[key] = value;
        }

        return problem;
    }

    /// <summary>"$.location.region" becomes "location.region"; a body that is not JSON at all is "body".</summary>
    private static string JsonField(JsonException json) =>
        string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "body" : json.Path.TrimStart('$', '.');

    private static string JsonMessage(JsonException json) =>
        json.Path is null or "$" ? "The body is not valid JSON." : $"The value at {json.Path} is not of the expected type or format.";
}
