using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>
/// complaints { nodes { administration } } reads the administrations once per request, whatever the page size: the
/// test counts the SQL commands each request runs (Npgsql's activities under the request's trace), with the
/// administration cache expired before each request.
/// </summary>
public sealed class GraphQLBatchingTests : IAsyncLifetime
{
    private readonly MovableTime _time = new();
    private ApiFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new ApiFactory { Time = _time };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    private async Task<int> CommandsForPageAsync(ScenarioCaller supervisor, int first)
    {
        _time.Offset += TimeSpan.FromSeconds(10);
        var traceId = ActivityTraceId.CreateRandom();
        var count = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Npgsql" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (activity.Source.Name == "Npgsql" && activity.TraceId == traceId)
                {
                    Interlocked.Increment(ref count);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var result = await supervisor.SendScenarioAsync(s =>
        {
            s.Post.Json(new { query = $"{{ complaints(first: {first}) {{ nodes {{ administration {{ nameFr }} }} }} }}" }).ToUrl("/graphql");
            s.WithRequestHeader("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
            s.StatusCodeShouldBe(HttpStatusCode.OK);
        });
        var body = JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement;
        Assert.False(body.TryGetProperty("errors", out _), body.GetRawText());
        Assert.Equal(first, body.GetProperty("data").GetProperty("complaints").GetProperty("nodes").GetArrayLength());
        Assert.All(body.GetProperty("data").GetProperty("complaints").GetProperty("nodes").EnumerateArray(),
            n => Assert.False(string.IsNullOrEmpty(n.GetProperty("administration").GetProperty("nameFr").GetString())));
        return count;
    }

    [Fact]
    public async Task A_page_of_complaints_with_their_administrations_runs_the_same_few_queries_whatever_its_size()
    {
        var citizen = _factory.As("citizen", subject: "batching");
        string[] administrations = ["MIN-SANTE", "DGI", "MIN-EDUCATION", "MIN-INTERIEUR"];
        for (var i = 0; i < 12; i++)
        {
            await citizen.PostAsync("/api/complaints", new
            {
                kind = "complaint", channel = "portal", administrationId = administrations[i % administrations.Length], categoryCode = "HEALTH.WAIT",
                subject = "Attente", description = "Trop long.", location = new { region = "Oriental", province = "Oujda-Angad", commune = "Oujda" },
                citizen = new { fullName = "Nadia", nationalId = "Z1", phone = "0612345678", email = "n@example.ma" },
            }, HttpStatusCode.Created);
        }

        var supervisor = _factory.As("supervisor");
        await _factory.WaitForProjectionsAsync();
        Assert.True((await supervisor.GetAsync("/api/complaints?limit=200", HttpStatusCode.OK)).GetProperty("items").GetArrayLength() >= 12);

        var small = await CommandsForPageAsync(supervisor, 2);
        var large = await CommandsForPageAsync(supervisor, 12);
        Assert.Equal(small, large);
        Assert.InRange(large, 1, 3);
    }
}
