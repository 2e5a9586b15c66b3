using System.Net;
using System.Text.Json;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>Two nodes on one store: Marten's HotCold leadership runs the read models on one; when it goes, the other takes over.</summary>
public sealed class LeadershipTests(Xunit.Abstractions.ITestOutputHelper output)
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
    public async Task A_frozen_leader_loses_its_lease_to_another_node_within_ten_seconds_and_writes_nothing_twice_when_it_wakes()
    {
        var schema = "hung_" + Guid.NewGuid().ToString("N")[..12];
        using var frozen = await ApiProcess.StartAsync(schema, new Dictionary<string, string> { ["Projections__NodeName"] = "node-a" });
        await using var live = new ApiFactory { Schema = schema, Settings = { ["Projections:NodeName"] = "node-b", ["ReferenceData:LoadDefaults"] = "false" } };
        var supervisor = live.As("supervisor");
        await LeaderIsAsync(supervisor, "node-a");
        var citizen = live.As("citizen", subject: "hung-leader");
        await using var database = Npgsql.NpgsqlDataSource.Create(ApiFactory.TestDatabase);

        // Complaints go on arriving through the live node the whole time, so the leader is stopped in the middle of its work.
        var submitted = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        using var stop = new CancellationTokenSource();
        var load = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                submitted.Add(await SubmitAsync(citizen));
            }
        });
        await Deadline.UntilAsync(() => Task.FromResult(submitted.Count >= 20), 60, "twenty complaints before the freeze");
        await Deadline.UntilAsync(async () => await ListedCountAsync(database, schema, [.. submitted]) > 0, 60, "node-a to project");

        frozen.Freeze();
        var frozenAt = System.Diagnostics.Stopwatch.StartNew();
        var afterFreeze = submitted.Count + 5;
        await Deadline.UntilAsync(() => Task.FromResult(submitted.Count >= afterFreeze), 60, "complaints after the freeze");
        var waiting = submitted.ToArray();
        await Deadline.UntilAsync(async () => await ListedCountAsync(database, schema, waiting) == waiting.Length, 10,
            "another node to take the read models over and list what arrived during the freeze");
        output.WriteLine($"The read models were taken over {frozenAt.Elapsed.TotalSeconds:F1} s after the freeze.");
        Assert.InRange(frozenAt.Elapsed.TotalSeconds, 0, 10);
        await LeaderIsAsync(supervisor, "node-b");

        // The old leader wakes with its sessions ended: it restarts as a follower, and its stale work is refused.
        frozen.Thaw();
        using var woken = await frozen.ClientAsync("supervisor");
        await Deadline.UntilAsync(async () =>
        {
            var answer = await woken.GetAsync(new Uri("/api/projections", UriKind.Relative));
            return answer.StatusCode == HttpStatusCode.OK && JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement
                .EnumerateArray().All(p => p.GetProperty("leader").GetString() == "node-b");
        }, 30, "the woken node to name node-b as the leader");
        var afterThaw = submitted.Count + 20;
        await Deadline.UntilAsync(() => Task.FromResult(submitted.Count >= afterThaw), 60, "complaints after the thaw");
        await stop.CancelAsync();
        await load;

        var all = submitted.ToArray();
        await Deadline.UntilAsync(async () => await ListedCountAsync(database, schema, all) == all.Length, 60, "every complaint listed");
        await using var check = database.CreateCommand($"""
            SELECT (SELECT count(*) FROM {schema}.rm_complaint_list),
                   (SELECT count(*) FROM {schema}.rm_complaint_list l JOIN {schema}.mt_streams s ON s.id = 'complaint-' || replace(l.complaint_id::text, '-', '') WHERE l.version <> s.version),
                   (SELECT count(*) FROM {schema}.mt_doc_deadletterevent)
            """);
        await using var reader = await check.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(((long)all.Length, 0L, 0L), (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
    }

    private static async Task<long> ListedCountAsync(Npgsql.NpgsqlDataSource database, string schema, Guid[] ids)
    {
        await using var command = database.CreateCommand($"SELECT count(*) FROM {schema}.rm_complaint_list WHERE complaint_id = ANY($1)");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<Guid[]> { TypedValue = ids });
        return (long)(await command.ExecuteScalarAsync())!;
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
