using Idarati.Application.Handling;
using Microsoft.AspNetCore.Mvc;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// The path and query string pass the same text rule as bodies before any endpoint runs: a NUL or another control
/// character in a route value or a filter would otherwise reach PostgreSQL (which cannot store a NUL) as a 500.
/// </summary>
public static class RequestText
{
    public static IApplicationBuilder UseRequestTextCheck(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var request = context.Request;
        if (request.Path.Value is { } path && Validation.TextProblem(path) is { } pathProblem)
        {
            return Refuse(context, "path", pathProblem);
        }

        foreach (var (name, values) in request.Query)
        {
            if (Validation.TextProblem(name) is { } nameProblem)
            {
                return Refuse(context, "query", nameProblem);
            }

            foreach (var value in values)
            {
                if (value is not null && Validation.TextProblem(value) is { } problem)
                {
                    return Refuse(context, name, problem);
                }
            }
        }

        return next(context);
    });

    private static Task Refuse(HttpContext context, string field, string problem) =>
        Results.Problem(new ValidationProblemDetails(new Dictionary<string, string[]> { [field] = [problem] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is not valid.",
        }).ExecuteAsync(context);
}
