using System.Net;
using System.Text.Json.Nodes;
using Idarati.Application.Privacy;
using Idarati.Application.Streams;
using Idarati.Domain.Shared;
using Idarati.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace Idarati.Api.Tests;

/// <summary>Indicators never depended on identity: erasing a thousand people of a seeded store changes no figure, and every erased history verifies.</summary>
public sealed class ErasureIndicatorTests
{
    private static readonly string[] Reports =
    [
        "/api/indicators?asOf=2020-03-02", "/api/indicators/complaints/processing?groupBy=administration&asOf=2020-03-02",
        "/api/indicators/complaints/processing?groupBy=category&asOf=2020-03-02", "/api/indicators/complaints/response-times?groupBy=category&asOf=2020-03-02",
        "/api/indicators/call-center?groupBy=category&asOf=2020-03-02", "/api/indicators/employment",
    ];

    [Fact]
    public async Task Erasing_a_thousand_people_of_the_seed_changes_no_indicator()
    {
        var schema = await TestStores.SeededSchemaAsync("erind", 0.01);

        await using var factory = new ApiFactory { Schema = schema };
        var analyst = factory.As("analyst");
        await factory.WaitForProjectionsAsync();
        var before = await FiguresAsync(analyst);

        // A thousand people and more: the citizens of the first 2,100 complaints (about half are anonymous, and have
        // no CIN) and 100 candidates, by their CINs.
        var erasure = factory.Services.GetRequiredService<PersonalDataErasure>();
        var streams = await erasure.FindStreamsAsync([.. Enumerable.Range(1, 2_100).Select(i => ("cin", $"Y{i:D7}")), .. Enumerable.Range(1, 100).Select(i => ("cin", $"C{i:D7}"))]);
        var erased = await erasure.EraseStreamsAsync(streams, "test", new Actor("officer", Role.DataProtectionOfficer));
        var people = erased.Streams.Count(s => s.StartsWith("complaint-", StringComparison.Ordinal)) + erased.Streams.Count(s => s.StartsWith("candidate-", StringComparison.Ordinal));
        Assert.True(people >= 1_000, $"{people} people erased");
        Assert.Contains(erased.Streams, s => s.StartsWith("candidate-", StringComparison.Ordinal));
        Assert.Contains(erased.Streams, s => s.StartsWith("application-", StringComparison.Ordinal));
        await factory.WaitForProjectionsAsync();

        var after = await FiguresAsync(analyst);
        Assert.Equal(before.Keys, after.Keys);
        foreach (var (report, figures) in before)
        {
            Assert.True(JsonNode.DeepEquals(figures, after[report]), $"{report} changed:\n{figures.ToJsonString()}\n{after[report].ToJsonString()}");
        }

        var stored = factory.Services.GetRequiredService<StoredStreams>();
        foreach (var stream in erased.Streams.Take(50))
        {
            Assert.True((await stored.VerifyAsync(stream)).Valid, stream);
        }
    }

    /// <summary>Each report's figures, without what only says how far the read models had come (position, freshness).</summary>
    private static async Task<Dictionary<string, JsonNode>> FiguresAsync(ScenarioCaller analyst)
    {
        var figures = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var report in Reports)
        {
            var node = JsonNode.Parse((await analyst.GetAsync(report, HttpStatusCode.OK)).GetRawText())!;
            Strip(node);
            figures[report] = node;
        }

        return figures;
    }

    private static void Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                o.Remove("position");
                o.Remove("freshness");
                foreach (var (_, child) in o)
                {
                    Strip(child);
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Strip(child);
                }

                break;
        }
    }
}
