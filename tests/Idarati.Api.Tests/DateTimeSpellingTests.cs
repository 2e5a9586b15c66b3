using System.Text.Encodings.Web;
using System.Text.Json;
using Idarati.Api.GraphQL;

namespace Idarati.Api.Tests;

/// <summary>The GraphQL DateTime scalar spells an instant exactly as the REST API's System.Text.Json does.</summary>
public sealed class DateTimeSpellingTests
{
    private static readonly JsonSerializerOptions Rest = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Theory]
    [InlineData(638_700_000_000_000_000L, 0)]
    [InlineData(638_700_000_000_000_001L, 0)]
    [InlineData(638_700_000_001_234_500L, 60)]
    [InlineData(638_700_000_009_999_999L, -330)]
    [InlineData(638_700_000_005_000_000L, 0)]
    public void An_instant_reads_as_rest_writes_it(long ticks, int offsetMinutes)
    {
        var instant = new DateTimeOffset(ticks, TimeSpan.FromMinutes(offsetMinutes));
        Assert.Equal(JsonSerializer.Serialize(instant, Rest).Trim('"'), FrontEndSchema.Instant(instant));
    }
}
