using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Idarati.Application.Handling;

/// <summary>
/// The dates and instants the service accepts from clients, with one meaning on every door (REST query strings and
/// bodies, GraphQL arguments): an ISO-8601 instant means itself (UTC when it has no offset); a calendar date
/// (yyyy-MM-dd) means the last microsecond of that day in Morocco's time zone, so "as of 2020-03-02" counts what
/// happened on that day in Morocco. Both must fall within 1970 to 2199 (9999-12-31 once overflowed a day count).
/// </summary>
public static partial class ServiceDates
{
    public static readonly DateTimeOffset Min = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Exclusive.</summary>
    public static readonly DateTimeOffset Max = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public const string Message = "A date between 1970-01-01 and 2199-12-31 (UTC).";

    public const string Shape = "A date (2020-03-02: the end of that day in Africa/Casablanca) or an ISO-8601 instant (2020-03-02T12:00:00Z).";

    /// <summary>Morocco's legal time (UTC+1, UTC+0 during Ramadan), from the system's time-zone database.</summary>
    public static TimeZoneInfo Morocco { get; } = TimeZoneInfo.FindSystemTimeZoneById("Africa/Casablanca");

    public static bool InRange(DateTimeOffset value) => value >= Min && value < Max;

    public static bool InRange(DateOnly value) => value.Year is >= 1970 and < 2200;

    /// <summary>The last instant of a calendar day in Morocco (timestamps keep microseconds).</summary>
    public static DateTimeOffset EndOfDay(DateOnly day)
    {
        var next = day.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(next, Morocco.GetUtcOffset(next)).ToUniversalTime().AddMicroseconds(-1);
    }

    /// <summary>A date or an instant as the service means it; <paramref name="problem"/> says what is wrong otherwise.</summary>
    public static bool TryParse(string? text, out DateTimeOffset value, out string? problem)
    {
        value = default;
        if (text is not null && CalendarDate().IsMatch(text)
            && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            problem = InRange(day) ? null : Message;
            value = problem is null ? EndOfDay(day) : default;
            return problem is null;
        }

        if (text is null || !Instant().IsMatch(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
        {
            problem = Shape;
            return false;
        }

        problem = InRange(instant) ? null : Message;
        value = problem is null ? instant : default;
        return problem is null;
    }

    /// <summary>Parses a query parameter; a bad value is a 400 (BAD_USER_INPUT) naming <paramref name="field"/>.</summary>
    public static DateTimeOffset Parse(string text, string field) =>
        TryParse(text, out var value, out var problem) ? value : throw ValidationFailedException.For(field, problem!);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$")]
    private static partial Regex CalendarDate();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")]
    private static partial Regex Instant();

    /// <summary>The request bodies' JSON: the stored events' conventions, plus the dates' meaning and range.</summary>
    public static JsonSerializerOptions RequestJson { get; } = WithRange(Serialization.Create());

    public static JsonSerializerOptions WithRange(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new RangeConverter());
        return options;
    }

    /// <summary>A date or instant as <see cref="TryParse"/> reads it; anything else is a JsonException, which names the field.</summary>
    private sealed class RangeConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && TryParse(reader.GetString(), out var value, out _) ? value : throw new JsonException(Message);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStringValue(value);
        }
    }
}
