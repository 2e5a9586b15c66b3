using System.Net;
using System.Net.Http.Json;
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
        var citizen = await factory.ClientAsync("citizen", subject: "outage-citizen");
        var supervisor = await factory.ClientAsync("supervisor");
        var id = (await TestHttp.Json(await citizen.PostAsJsonAsync("/api/complaints", TestHttp.Complaint()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.OK, (await citizen.GetAsync("/health/ready")).StatusCode);

        await StopAsync();
        foreach (var response in new[] { await citizen.PostAsJsonAsync("/api/complaints", TestHttp.Complaint()), await citizen.GetAsync($"/api/complaints/{id}"), await supervisor.GetAsync("/api/complaints") })
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await citizen.GetAsync("/health/ready")).StatusCode);
        var graph = await TestHttp.Graph(citizen, "query($id: ID!) { complaint(id: $id) { id } }", new { id });
        Assert.Equal("SERVICE_UNAVAILABLE", graph.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());

        await StartAsync();
        await Deadline.UntilAsync(async () => (await citizen.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, 30, "/health/ready after the restart");
        var after = (await TestHttp.Json(await citizen.PostAsJsonAsync("/api/complaints", TestHttp.Complaint()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await Deadline.UntilAsync(async () =>
        {
            var page = await supervisor.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/complaints?limit=200");
            return page.GetProperty("items").EnumerateArray().Count(r => r.GetProperty("id").GetGuid() == after || r.GetProperty("id").GetGuid() == id) == 2;
        }, 60, "the complaint list to show both complaints after the restart");
    }
}
