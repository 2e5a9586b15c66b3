using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// The request line and header limits, enforced by the service so that a refusal is a problem+json like every other
/// error: Kestrel answers its own limits with an empty body, so its limits are set at twice ours and only a request
/// beyond them meets Kestrel's bare 414 or 431.
/// </summary>
public static class RequestLimits
{
    /// <summary>The longest request target (path and query) served: 8 KiB, Kestrel's own default.</summary>
    public const int MaxTargetLength = 8 * 1024;

    /// <summary>The largest total of header names and values served: 32 KiB, Kestrel's own default.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    public static void Configure(KestrelServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Limits.MaxRequestLineSize = 2 * MaxTargetLength;
        options.Limits.MaxRequestHeadersTotalSize = 2 * MaxHeaderBytes;
    }

    public static IApplicationBuilder UseRequestLimits(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var length = string.IsNullOrEmpty(raw) ? context.Request.PathBase.Value!.Length + context.Request.Path.Value!.Length + context.Request.QueryString.Value!.Length : raw.Length;
        if (length > MaxTargetLength)
        {
            return Refuse(context, StatusCodes.Status414UriTooLong, $"The request target is longer than {MaxTargetLength} characters.");
        }

        var headerBytes = 0L;
        foreach (var (name, values) in context.Request.Headers)
        {
            headerBytes += name.Length;
            foreach (var value in values)
            {
                headerBytes += value?.Length ?? 0;
            }
        }

        return headerBytes > MaxHeaderBytes
            ? Refuse(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, $"The request headers are larger than {MaxHeaderBytes} bytes in all.")
            : next(context);
    });

    private static Task Refuse(HttpContext context, int status, string detail) =>
        Results.Problem(statusCode: status, detail: detail).ExecuteAsync(context);
}
