using System.Collections;
using System.Text.Json;
using Idarati.GraphQL.Execution;

namespace Idarati.GraphQL.Http;

/// <summary>
/// Writes an execution result's data: the executor only produces maps, lists and the serialized values of scalars and
/// enums, so a direct walk is enough and skips the serializer's per-value type lookups. Anything else (a custom
/// scalar that serializes to an object) goes through <see cref="JsonSerializer"/>.
/// </summary>
internal static class ResponseJson
{
    /// <summary>
    /// A response body: errors first when there are any, then data when the result executed. Escaped as ASP.NET's JSON
    /// escapes the REST API's bodies: JSON's own escapes only, no \u002B for a '+' nor \u00E9 for an 'é' (this body is
    /// JSON, never inlined into HTML).
    /// </summary>
    public static System.Buffers.ArrayBufferWriter<byte> Body(ExecutionResult? result, IReadOnlyList<GraphQLError> errors, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        if (errors.Count > 0)
        {
            writer.WritePropertyName("errors");
            JsonSerializer.Serialize(writer, errors.Select(ErrorJson).ToList());
        }

        if (result is not null)
        {
            writer.WritePropertyName("data");
            Write(writer, result.Data);
        }

        if (extensions is not null)
        {
            writer.WritePropertyName("extensions");
            JsonSerializer.Serialize(writer, extensions);
        }

        writer.WriteEndObject();
        writer.Flush();
        return buffer;
    }

    /// <summary>The errors alone, as a JSON array (a graphql-transport-ws error message's payload).</summary>
    public static byte[] Errors(IReadOnlyList<GraphQLError> errors) => JsonSerializer.SerializeToUtf8Bytes(errors.Select(ErrorJson).ToList(), Relaxed);

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Dictionary<string, object?> ErrorJson(GraphQLError error)
    {
        var json = new Dictionary<string, object?> { ["message"] = error.Message };
        if (error.Locations is { Count: > 0 } locations)
        {
            json["locations"] = locations.Select(l => new Dictionary<string, int> { ["line"] = l.Line, ["column"] = l.Column }).ToList();
        }

        if (error.Path is { } path)
        {
            json["path"] = path;
        }

        json["extensions"] = error.Extensions;
        return json;
    }

    /// <summary>A graphql-transport-ws message: its type, the operation's id, and a payload already in JSON.</summary>
    public static byte[] Message(string type, string? id, byte[]? payload = null)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 + (payload?.Length ?? 0));
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (id is not null)
            {
                writer.WriteString("id", id);
            }

            writer.WriteString("type", type);
            if (payload is not null)
            {
                writer.WritePropertyName("payload");
                writer.WriteRawValue(payload, skipInputValidation: true);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case double d:
                writer.WriteNumberValue(d);
                break;
            case IReadOnlyDictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    Write(writer, item);
                }

                writer.WriteEndObject();
                break;
            case IList list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                JsonSerializer.Serialize(writer, value, value.GetType());
                break;
        }
    }
}
