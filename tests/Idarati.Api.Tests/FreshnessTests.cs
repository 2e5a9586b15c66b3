using System.Net;
using System.Text.Json;
using Idarati.Tests;
using Marten.Events.Daemon.Coordination;
using Microsoft.Extensions.DependencyInjection;

namespace Idarati.Api.Tests;

/// <summary>Every indicator answer says how fresh it is, on both doors: provisional while events wait for its read models, final once none does.</summary>
public sealed class FreshnessTests
{
    private static readonly string[] Rest =
    [
        "/api/indicators", "/api/indicators/complaints/processing", "/api/indicators/complaints/response-times", "/api/indicators/call-center", "/api/indicators/employment",
    ];

    private const string Graph = """
        { indicators { report { freshness { position lagEvents lagSeconds final } }
                       processing { freshness { position lagEvents lagSeconds final } }
                       responseTimes { freshness { position lagEvents lagSeconds final } }
                       callCenter { freshness { position lagEvents lagSeconds final } }
                       employment { freshness { position lagEvents lagSeconds final } } } }
        """;

    [Fact]
    public async Task Indicators_answer_provisional_with_the_events_waiting_then_final_at_the_head_of_the_log()
    {
        await using var node = new ApiFactory();
        await node.WaitUntilLeadingAsync();
        await node.WaitForProjectionsAsync();
        var analyst = node.As("analyst");
        var coordinator = node.Services.GetRequiredService<IProjectionCoordinator>();
        await coordinator.PauseAsync();
        var citizen = node.As("citizen", subject: "freshness");
        for (var i = 0; i < 4; i++)
        {
            await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created);
        }

        // Four events wait for the complaint list; every answer says so (the employment and 3737 figures too: they
        // cover the log up to their own position, and the complaints come after it).
        foreach (var freshness in await FreshnessAsync(analyst))
        {
            Assert.Equal((false, 4.0), (freshness.GetProperty("final").GetBoolean(), freshness.GetProperty("lagEvents").GetDouble()));
            Assert.True(freshness.GetProperty("lagSeconds").GetDouble() >= 0);
        }

        await coordinator.ResumeAsync();
        await node.WaitForProjectionsAsync();
        var head = await node.ScalarAsync<long>("SELECT max(seq_id) FROM {s}.mt_events");
        foreach (var freshness in await FreshnessAsync(analyst))
        {
            Assert.Equal((true, 0.0, 0.0, head.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                (freshness.GetProperty("final").GetBoolean(), freshness.GetProperty("lagEvents").GetDouble(), freshness.GetProperty("lagSeconds").GetDouble(), Position(freshness)));
        }
    }

    private static string Position(JsonElement freshness) =>
        freshness.GetProperty("position").ValueKind == JsonValueKind.Number ? freshness.GetProperty("position").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture) : freshness.GetProperty("position").GetString()!;

    /// <summary>The freshness of every report, over REST then over GraphQL.</summary>
    private static async Task<List<JsonElement>> FreshnessAsync(ScenarioCaller analyst)
    {
        var all = new List<JsonElement>();
        foreach (var path in Rest)
        {
            all.Add((await analyst.GetAsync(path, HttpStatusCode.OK)).GetProperty("freshness"));
        }

        var graph = (await TestHttp.Graph(analyst, Graph)).GetProperty("data").GetProperty("indicators");
        all.AddRange(graph.EnumerateObject().Select(p => p.Value.GetProperty("freshness")));
        Assert.Equal(10, all.Count);
        return all;
    }
}
