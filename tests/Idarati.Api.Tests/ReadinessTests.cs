using System.Net;
using System.Text.Json;
using Idarati.Tests;
using JasperFx.Events.Daemon;
using Marten.Events.Daemon;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Idarati.Api.Tests;

/// <summary>
/// /health/ready names what is not ready, each check with its reason: the database (DatabaseOutageTests), a read model
/// behind or stalled (no node leads), and Wolverine's message backlog.
/// </summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task A_quiet_service_is_ready_and_says_so_check_by_check()
    {
        await using var node = new ApiFactory();
        await node.WaitUntilLeadingAsync();
        var ready = await node.As(null).GetAsync("/health/ready", HttpStatusCode.OK);
        var checks = ready.GetProperty("checks");
        Assert.Equal(["database", "messages", "read-models", "subscriptions"], checks.EnumerateObject().Select(c => c.Name).Order(StringComparer.Ordinal));
        Assert.All(checks.EnumerateObject(), c => Assert.Equal("Healthy", c.Value.GetProperty("status").GetString()));
        Assert.Contains("0 incoming and 0 outgoing messages wait", checks.GetProperty("messages").GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    /// <summary>
    /// One read model stands still (a transaction holds its table) while the log and the others move on: the service
    /// is unready naming it. Marten's own daemon check, built as its documentation says on the same store, does not see
    /// it: ASP.NET Core makes the check anew for each run, so its memory of a standing position is lost, and without
    /// that memory it would call every rebuild and every catch-up after a seed unready. This test says when it serves.
    /// </summary>
    [Fact]
    public async Task A_read_model_that_stands_still_while_the_log_moves_on_makes_the_service_unready_naming_it()
    {
        await using var node = new ApiFactory { Settings = { ["Health:MaxLagSeconds"] = "1" } };
        await node.WaitUntilLeadingAsync();
        await node.WaitForProjectionsAsync();
        var store = node.Services.GetRequiredService<Marten.IDocumentStore>();
        await using var marten = MartenCheck(store, TimeSpan.FromSeconds(1));
        await using var martenByEvents = MartenCheck(store, null);
        var martenCheck = marten.GetRequiredService<HealthCheckService>();

        await using var dataSource = Npgsql.NpgsqlDataSource.Create(ApiFactory.TestDatabase);
        await using var connection = await dataSource.OpenConnectionAsync();
        var hold = await connection.BeginTransactionAsync();
        await using (var command = new Npgsql.NpgsqlCommand($"LOCK TABLE {node.Schema}.rm_complaint_list IN ACCESS EXCLUSIVE MODE", connection, hold))
        {
            await command.ExecuteNonQueryAsync();
        }

        var citizen = node.As("citizen", subject: "readiness-lag");
        for (var i = 0; i < 5; i++)
        {
            await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created);
        }

        var before = await martenCheck.CheckHealthAsync();
        var checks = await UnreadyAsync(node, "read-models");
        var reason = checks.GetProperty("read-models").GetProperty("description").GetString()!;
        Assert.StartsWith("Behind, the oldest waiting event older than 1 s: complaint-list (5 events", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("ticket-list", reason, StringComparison.Ordinal);
        Assert.Equal("Healthy", checks.GetProperty("database").GetProperty("status").GetString());
        // More than a second later, the complaint list still 5 events behind: Marten's check still says healthy.
        // It sees the lag (by events alone it says unhealthy) but forgets how long the position has stood.
        var after = await martenCheck.CheckHealthAsync();
        Assert.Equal((HealthStatus.Healthy, HealthStatus.Healthy), (before.Status, after.Status));
        Assert.Equal(HealthStatus.Unhealthy, (await martenByEvents.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Status);

        await hold.RollbackAsync();
        await node.WaitForProjectionsAsync();
        await ReadyAsync(node);
    }

    [Fact]
    public async Task A_paused_daemon_leaves_its_read_models_behind_and_the_service_unready_naming_them_until_they_catch_up()
    {
        await using var node = new ApiFactory { Settings = { ["Health:MaxLagSeconds"] = "1" } };
        await node.WaitUntilLeadingAsync();
        await node.WaitForProjectionsAsync();
        var coordinator = node.Services.GetRequiredService<IProjectionCoordinator>();
        await coordinator.PauseAsync();
        await node.As("citizen", subject: "readiness-behind").PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created);

        var checks = await UnreadyAsync(node, "read-models");
        var reason = checks.GetProperty("read-models").GetProperty("description").GetString()!;
        Assert.StartsWith("Behind, the oldest waiting event older than 1 s:", reason, StringComparison.Ordinal);
        Assert.Contains("complaint-list (1 events", reason, StringComparison.Ordinal);

        await coordinator.ResumeAsync();
        await node.WaitForProjectionsAsync();
        await ReadyAsync(node);
    }

    [Fact]
    public async Task A_read_model_no_node_leads_while_events_wait_is_stalled_and_named()
    {
        await using var node = new ApiFactory { Settings = { ["Projections:Daemon"] = "false", ["Projections:StalledAfter"] = "00:00:01" } };
        await node.As("citizen", subject: "readiness-stalled").PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created);
        var checks = await UnreadyAsync(node, "read-models");
        var reason = checks.GetProperty("read-models").GetProperty("description").GetString()!;
        Assert.StartsWith("Stalled, no node leads the daemon while events wait:", reason, StringComparison.Ordinal);
        Assert.Contains("complaint-list (", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_backlog_of_messages_makes_the_service_unready_naming_it_and_it_is_ready_once_they_are_handled()
    {
        using var smtp = await SmtpTestServer.StartAsync();
        await smtp.CommandAsync("hold");
        await using var node = new ApiFactory { Settings = { ["Health:MessageBacklog"] = "2" } };
        smtp.SendsTo(node);

        var citizen = node.As("citizen", subject: "readiness-backlog");
        var agent = node.As("agent", "MIN-SANTE");
        for (var i = 0; i < 3; i++)
        {
            var id = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
            await agent.PostAsync($"/api/complaints/{id}/acknowledge", null, HttpStatusCode.OK);
        }

        // Three mails wait on a mail server that holds them: the backlog is over the limit of 2.
        var checks = await UnreadyAsync(node, "messages");
        Assert.StartsWith("Backlog: 3 incoming and 0 outgoing messages wait (limit 2)", checks.GetProperty("messages").GetProperty("description").GetString(), StringComparison.Ordinal);

        await smtp.CommandAsync("release");
        await ReadyAsync(node);
    }

    /// <summary>Marten's async daemon check on <paramref name="store"/>, registered as its documentation shows.</summary>
    private static ServiceProvider MartenCheck(Marten.IDocumentStore store, TimeSpan? maxSameLagTime)
    {
        var services = new ServiceCollection().AddLogging().AddSingleton(store);
        services.AddHealthChecks().AddMartenAsyncDaemonHealthCheck(maxEventLag: 3, maxSameLagTime: maxSameLagTime);
        return services.BuildServiceProvider();
    }

    /// <summary>Waits until /health/ready answers 503 with <paramref name="check"/> unhealthy; returns its checks.</summary>
    private static async Task<JsonElement> UnreadyAsync(ApiFactory node, string check)
    {
        JsonElement checks = default;
        await Deadline.UntilAsync(async () =>
        {
            var answer = await node.As(null).GetTextAsync("/health/ready");
            checks = JsonDocument.Parse(answer.Body).RootElement.GetProperty("checks").Clone();
            return answer.Status == HttpStatusCode.ServiceUnavailable && checks.GetProperty(check).GetProperty("status").GetString() == "Unhealthy";
        }, 30, $"/health/ready to answer 503 naming {check}");
        return checks;
    }

    private static Task ReadyAsync(ApiFactory node) =>
        Deadline.UntilAsync(async () => (await node.As(null).GetTextAsync("/health/ready")).Status == HttpStatusCode.OK, 30, "/health/ready to answer 200");
}
