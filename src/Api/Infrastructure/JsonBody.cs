using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// A request's JSON body, read whole (bodies are small: at most <see cref="ApiHost.MaxBodyBytes"/>) and deserialized in
/// one synchronous pass over the buffered bytes, instead of the framework's resumable streaming deserializer and its
/// state machines. Same answers as the framework's binding: no body is null (the endpoint's validation names it),
/// malformed JSON or a wrong type is a <see cref="JsonException"/> with the path of the culprit (400 naming the field),
/// a body over the limit is a 413, a body that is not JSON a 415. Endpoints that read their body this way declare it
/// with <c>.Accepts&lt;T&gt;("application/json")</c>: OpenAPI shows it, and routing refuses other media types (415).
/// </summary>
public static class JsonBody
{
    /// <summary>A command's body as its message (required: a missing body is named), with the request's context.</summary>
    public static async ValueTask<T> ReadMessageAsync<T>(HttpContext http, CancellationToken cancellationToken)
        where T : class, Application.Handling.IContextual<T>
    {
        var message = await ReadAsync<T>(http, Application.Handling.ServiceDates.RequestJson, cancellationToken).ConfigureAwait(false);
        new Application.Handling.Validation().Required("body", message).ThrowIfInvalid();
        return message!.With(http.CommandContext());
    }

    public static async ValueTask<T?> ReadAsync<T>(HttpContext http, JsonSerializerOptions options, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(http);
        var request = http.Request;
        if (request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.TransferEncoding.Any()))
        {
            return null;
        }

        if (!request.HasJsonContentType())
        {
            throw new BadHttpRequestException($"Expected a JSON body (Content-Type: application/json), not '{request.ContentType}'.", StatusCodes.Status415UnsupportedMediaType);
        }

        var reader = request.BodyReader;
        while (true)
        {
            // Kestrel refuses a body over MaxRequestBodySize here (413), whether or not it declared its length; the
            // same limit is checked on what was read, for servers that do not enforce it.
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (read.Buffer.Length > ApiHost.MaxBodyBytes)
            {
                reader.AdvanceTo(read.Buffer.End);
                throw new BadHttpRequestException($"The request body is larger than {ApiHost.MaxBodyBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
            }

            if (read.IsCompleted || (request.ContentLength is { } length && read.Buffer.Length >= length))
            {
                try
                {
                    return Deserialize<T>(read.Buffer, options);
                }
                finally
                {
                    reader.AdvanceTo(read.Buffer.End);
                }
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    private static T? Deserialize<T>(ReadOnlySequence<byte> body, JsonSerializerOptions options)
    {
        if (body.IsSingleSegment)
        {
            return Deserialize<T>(body.FirstSpan, options);
        }

        var rented = ArrayPool<byte>.Shared.Rent(checked((int)body.Length));
        try
        {
            body.CopyTo(rented);
            return Deserialize<T>(rented.AsSpan(0, (int)body.Length), options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static T? Deserialize<T>(ReadOnlySpan<byte> body, JsonSerializerOptions options)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body, options);
        }
        catch (JsonException) when (CutOff(body))
        {
            // The serializer names the last member it was reading; the client's mistake is the body that stops short.
            throw Application.Handling.ValidationFailedException.For("body", "The body ends before its JSON does: it was cut off.");
        }
    }

    /// <summary>Whether the body is JSON that stops before its end: read as data still to come, it leaves a value open.</summary>
    private static bool CutOff(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body, isFinalBlock: false, state: default);
        try
        {
            while (reader.Read())
            {
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return reader.CurrentDepth > 0 || reader.TokenType is JsonTokenType.None or JsonTokenType.PropertyName;
    }
}
