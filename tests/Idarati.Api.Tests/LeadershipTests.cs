using System.Net;
using System.Text.Json;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>Two nodes on one store: Marten's HotCold leadership runs the read models on one; when it goes, the other takes over.</summary>
public sealed class LeadershipTests
{
    [Fact]
    public async Task When_the_leading_node_goes_the_other_takes_over_with_no_loss_and_no_double_count()
    {
        var schema = "lead_" + Guid.NewGuid().ToString("N")[..12];
        var first = new ApiFactory { Schema = schema, Settings = { ["Projections:NodeName"] = "node-a" } };
        await using var second = new ApiFactory { Schema = schema, Settings = { ["Projections:NodeName"] = "node-b", ["ReferenceData:LoadDefaults"] = "false" } };
        var supervisorA = first.As("supervisor");
        await LeaderIsAsync(supervisorA, "node-a");
        var supervisorB = second.As("supervisor");
        var citizenA = first.As("citizen", subject: "lead-a");
        var citizenB = second.As("citizen", subject: "lead-b");

        var submitted = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            submitted.Add(await SubmitAsync(i % 2 == 0 ? citizenA : citizenB));
        }

        await ListedAsync(supervisorB, submitted);

        // The leader goes (its host stops, its connections and Marten's lock with them); the other node takes over.
        await first.DisposeAsync();
        for (var i = 0; i < 10; i++)
        {
            submitted.Add(await SubmitAsync(citizenB));
        }

        await LeaderIsAsync(supervisorB, "node-b");
        await ListedAsync(supervisorB, submitted);
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(ApiFactory.TestDatabase);
        await using var rows = dataSource.CreateCommand($"SELECT count(*), count(DISTINCT complaint_id) FROM {schema}.rm_complaint_list");
        await using var reader = await rows.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((20L, 20L), (reader.GetInt64(0), reader.GetInt64(1)));
    }

    [Fact]
    public async Task With_no_node_leading_while_events_wait_the_status_says_stalled_and_names_no_leader()
    {
        await using var alone = new ApiFactory { Settings = { ["Projections:Daemon"] = "false", ["Projections:StalledAfter"] = "00:00:01" } };
        await SubmitAsync(alone.As("citizen", subject: "stalled"));
        var admin = alone.As("admin");
        var status = await admin.GetAsync("/api/projections", HttpStatusCode.OK);
        var list = status.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "complaint-list");
        Assert.Equal(("stalled", JsonValueKind.Null), (list.GetProperty("state").GetString(), list.GetProperty("leader").ValueKind));
        Assert.True(list.GetProperty("lagEvents").GetInt64() >= 1);
        // A read model with nothing waiting is not stalled, leader or not.
        Assert.Equal("running", status.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "ticket-list").GetProperty("state").GetString());
        // A rebuild runs where the daemon runs: a node that does not lead says so.
        var refused = await admin.ProblemAsync(HttpMethod.Post, "/api/projections/complaint-list/rebuild", null, HttpStatusCode.Conflict);
        Assert.Equal("not-leader", refused.GetProperty("rule").GetString());
    }

    private static async Task<Guid> SubmitAsync(ScenarioCaller citizen) =>
        (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();

    private static Task LeaderIsAsync(ScenarioCaller supervisor, string node) =>
        Deadline.UntilAsync(async () => (await supervisor.GetAsync("/api/projections", HttpStatusCode.OK)).EnumerateArray()
            .All(p => p.GetProperty("leader").GetString() == node), 60, $"{node} to lead the projections");

    private static Task ListedAsync(ScenarioCaller supervisor, IReadOnlyCollection<Guid> ids) =>
        Deadline.UntilAsync(async () =>
        {
            var page = await supervisor.GetAsync("/api/complaints?limit=200", HttpStatusCode.OK);
            var listed = page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetGuid()).ToHashSet();
            return ids.All(listed.Contains);
        }, 60, "every submitted complaint to be listed");
}
