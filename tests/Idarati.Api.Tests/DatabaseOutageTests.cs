using System.Net;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>
/// PostgreSQL stopped and started again under the running API: meanwhile every request that needs it answers 503
/// problem+json with Retry-After (GraphQL: SERVICE_UNAVAILABLE), /health/ready says not ready, and once the server is
/// back everything works again, the projections included.
/// </summary>
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "idarati-outage-" + Guid.NewGuid().ToString("N")[..8]);
    private int _port;

    private Task StartAsync() => LocalCluster.Bash($"pg_start {_directory} {_port} fast");

    private Task StopAsync() => LocalCluster.Bash($"pg_stop {_directory}");

    public async Task InitializeAsync()
    {
        _port = int.Parse(await LocalCluster.Bash("pg_free_port"), System.Globalization.CultureInfo.InvariantCulture);
        await StartAsync();
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task While_the_database_restarts_clients_get_503_with_retry_after_and_afterwards_everything_works()
    {
        await using var factory = new ApiFactory();
        factory.Settings["IDARATI_DB"] = $"Host=127.0.0.1;Port={_port};Username=postgres;Database=postgres;Timeout=3";
        var citizen = factory.As("citizen", subject: "outage-citizen");
        var supervisor = factory.As("supervisor");
        // Both tokens first: minting needs no database, but the callers are ready before it goes.
        await factory.TokenAsync("citizen", subject: "outage-citizen");
        await factory.TokenAsync("supervisor");
        var id = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await citizen.GetAsync("/health/ready", HttpStatusCode.OK);

        await StopAsync();
        foreach (var (caller, method, url, body) in new (ScenarioCaller, HttpMethod, string, object?)[]
                 {
                     (citizen, HttpMethod.Post, "/api/complaints", TestHttp.Complaint()), (citizen, HttpMethod.Get, $"/api/complaints/{id}", null),
                     (supervisor, HttpMethod.Get, "/api/complaints", null),
                 })
        {
            var refused = await caller.ScenarioAsync(method, url, body, HttpStatusCode.ServiceUnavailable, problem: true);
            Assert.Equal("5", refused.Context.Response.Headers.RetryAfter.ToString());
        }

        await citizen.ScenarioAsync(HttpMethod.Get, "/health/ready", null, HttpStatusCode.ServiceUnavailable);
        var graph = await TestHttp.Graph(citizen, "query($id: ID!) { complaint(id: $id) { id } }", new { id });
        Assert.Equal("SERVICE_UNAVAILABLE", graph.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());

        await StartAsync();
        await Deadline.UntilAsync(async () => (await citizen.GetTextAsync("/health/ready")).Status == HttpStatusCode.OK, 30, "/health/ready after the restart");
        var after = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await Deadline.UntilAsync(async () =>
        {
            var page = await supervisor.GetAsync("/api/complaints?limit=200", HttpStatusCode.OK);
            return page.GetProperty("items").EnumerateArray().Count(r => r.GetProperty("id").GetGuid() == after || r.GetProperty("id").GetGuid() == id) == 2;
        }, 60, "the complaint list to show both complaints after the restart");
    }
}
