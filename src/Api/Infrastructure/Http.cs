using Idarati.EventStore;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Idarati.Application.Handling;

namespace Idarati.Api.Infrastructure;

/// <summary>Idempotency-Key and If-Match turned into what the command path understands.</summary>
public static class Http
{
    public const int MaxKeyLength = 200;

    public static CommandContext CommandContext(this HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var actor = http.User.ToActor();
        Guid? commandId = null;
        if (http.Request.Headers.TryGetValue("Idempotency-Key", out var key) && !string.IsNullOrEmpty(key))
        {
            if (key.ToString().Length > MaxKeyLength)
            {
                throw ValidationFailedException.For("Idempotency-Key", $"At most {MaxKeyLength} characters.");
            }

            // Scoped to the caller and the route, so two users' keys never meet.
            var scope = $"{actor}|{http.Request.Method}|{http.Request.Path}|{key}";
            commandId = new Guid(ReusableHash.Sha256(Encoding.UTF8.GetBytes(scope)).AsSpan(0, 16));
        }

        return new CommandContext(actor, commandId, IfMatch(http));
    }

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
