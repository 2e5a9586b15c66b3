using System.Text.Json;
using System.Text.Json.Serialization;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// The instants the service accepts from clients, in bodies, query strings and GraphQL alike: 1970 to 2199 (UTC).
/// Outside it a date is a client's mistake (9999-12-31 once overflowed a day count into a 500), refused as a 400
/// naming the field.
/// </summary>
public static class ServiceDates
{
    public static readonly DateTimeOffset Min = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Exclusive.</summary>
    public static readonly DateTimeOffset Max = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public const string Message = "A date between 1970-01-01 and 2199-12-31 (UTC).";

    public static bool InRange(DateTimeOffset value) => value >= Min && value < Max;

    public static bool InRange(DateOnly value) => value.Year is >= 1970 and < 2200;

    /// <summary>The request bodies' JSON: the stored events' conventions, plus the date range.</summary>
    public static JsonSerializerOptions RequestJson { get; } = WithRange(Application.Serialization.Create());

    public static JsonSerializerOptions WithRange(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new RangeConverter());
        return options;
    }

    /// <summary>An ISO-8601 instant within the range; anything else is a JsonException, which names the field.</summary>
    private sealed class RangeConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var value) && InRange(value) ? value : throw new JsonException(Message);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStringValue(value);
        }
    }
}
