using Idarati.Application;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Idarati.Application.Handling;

namespace Idarati.Api.Infrastructure;

/// <summary>Idempotency-Key and If-Match turned into what the command path understands.</summary>
public static class Http
{
    public const int MaxKeyLength = 200;

    public const string IdempotencyKey = "Idempotency-Key";

    private const string FingerprintItem = "idarati.idempotency-fingerprint";

    /// <summary>A REST command's context: its operation is the route template, its request the route values and body.</summary>
    public static CommandContext CommandContext(this HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var endpoint = http.GetEndpoint() as RouteEndpoint;
        var operation = $"{http.Request.Method} {endpoint?.RoutePattern.RawText ?? http.Request.Path.Value}";
        var target = string.Join('&', http.Request.RouteValues.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key}={v.Value}"));
        return CommandContext(http, operation, $"{target}|{http.Items[FingerprintItem] as string}");
    }

    /// <summary>
    /// The context of a command from <paramref name="operation"/> (a route template, a GraphQL mutation's name). An
    /// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header) is scoped to the caller and the operation: the same key
    /// sent by another user, or to another operation, is another command. The request it came with is fingerprinted, so
    /// that the same key with another request is refused (422) rather than answered with the first result.
    /// </summary>
    public static CommandContext CommandContext(this HttpContext http, string operation, string request)
    {
        ArgumentNullException.ThrowIfNull(http);
        var actor = http.User.ToActor();
        if (!http.Request.Headers.TryGetValue(IdempotencyKey, out var header) || string.IsNullOrEmpty(header))
        {
            return new CommandContext(actor, null, IfMatch(http));
        }

        var key = header.ToString();
        if (key.Length > MaxKeyLength || header.Count > 1 || Validation.TextProblem(key) is not null)
        {
            throw ValidationFailedException.For(IdempotencyKey, $"One key of at most {MaxKeyLength} printable characters.");
        }

        var commandId = new Guid(ReusableHash.Sha256(Encoding.UTF8.GetBytes($"{actor}|{operation}|{key}")).AsSpan(0, 16));
        var fingerprint = Convert.ToHexStringLower(ReusableHash.Sha256(Encoding.UTF8.GetBytes($"{operation}|{request}")));
        return new CommandContext(actor, commandId, IfMatch(http)) { Fingerprint = fingerprint };
    }

    /// <summary>
    /// Keeps a hash of the body of every request that carries an Idempotency-Key (bodies are at most 64 KiB), for
    /// <see cref="CommandContext(HttpContext)"/>'s fingerprint; the endpoint still reads the body as usual.
    /// </summary>
    public static IApplicationBuilder UseIdempotencyFingerprints(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (HttpMethods.IsPost(context.Request.Method) && context.Request.Headers.ContainsKey(IdempotencyKey))
        {
            context.Request.EnableBuffering(bufferThreshold: (int)ApiHost.MaxBodyBytes);
            using var memory = new MemoryStream();
            await context.Request.Body.CopyToAsync(memory, context.RequestAborted).ConfigureAwait(false);
            context.Request.Body.Position = 0;
            context.Items[FingerprintItem] = Convert.ToHexStringLower(ReusableHash.Sha256(memory.ToArray()));
        }

        await next(context).ConfigureAwait(false);
    });

    /// <summary>If-Match carries the ETag a reader got: the stream version in quotes.</summary>
    public static long? IfMatch(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var value = http.Request.Headers.IfMatch.ToString();
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        var trimmed = value.Trim();
        if (trimmed.StartsWith("W/", StringComparison.Ordinal))
        {
            trimmed = trimmed[2..];
        }

        return long.TryParse(trimmed.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw ValidationFailedException.For("If-Match", "Expected an ETag such as \"3\" as returned by a read.");
    }

    public static void SetETag(this HttpContext http, long version)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.Headers.ETag = $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";
    }
}
