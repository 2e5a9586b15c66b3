using System.Text.Json;
using Idarati.Application.Handling;
using Idarati.Domain.Shared;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// Every error as RFC 9457 problem details: what the HTTP layer refuses (a body too large 413, not JSON 415, a value it
/// could not read 400 naming the field), and every refusal of a use case from the table GraphQL reads too
/// (<see cref="Outcomes"/>). Anything else is ours: 500.
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
            _ when Outcomes.Of(exception) is { } outcome => Answer(httpContext, outcome),
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

    private ProblemDetails Answer(HttpContext http, Outcome outcome)
    {
        if (outcome.RetryAfter is { } seconds)
        {
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (outcome.Status == StatusCodes.Status503ServiceUnavailable)
        {
            logger.LogWarning("The database is unavailable on {Method} {Path}: answered 503", http.Request.Method, http.Request.Path);
        }

        return outcome.ToProblem();
    }

    private static ValidationProblemDetails Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] }) { Status = 400, Title = "The request is not valid." };

    private static ProblemDetails Problem(int status, string detail) => new() { Status = status, Detail = detail };

    /// <summary>"$.location.region" becomes "location.region"; a body that is not JSON at all is "body".</summary>
    private static string JsonField(JsonException json) =>
        string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "body" : json.Path.TrimStart('$', '.');

    private static string JsonMessage(JsonException json) =>
        json.Path is null or "$" ? "The body is not valid JSON." : $"The value at {json.Path} is not of the expected type or format.";
}
