using System.Net;
using System.Text.Json;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>Rebuilds asked for together, on one node or two: each is queued and says so, all complete, and the lag returns to 0.</summary>
public sealed class RebuildTests
{
    private static readonly string[] ReadModels = ["complaint-list", "ticket-list", "employment", "administration-directory", "audit-log", "personal-data-reads"];

    /// <summary>Every read-model row of the schema, as one text: a rebuild that replays everything gives it back whole.</summary>
    private const string Rows = """
        SELECT string_agg(t.tablename || ':' || (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', t.schemaname, t.tablename), false, true, '')))[1]::text, ',' ORDER BY t.tablename)
          FROM pg_tables t WHERE t.schemaname = '{s}' AND t.tablename LIKE 'rm\_%'
        """;

    private const string Empty = """
        DO $$ DECLARE t text; BEGIN
          FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = '{s}' AND tablename LIKE 'rm\_%' LOOP
            EXECUTE format('DELETE FROM {s}.%I', t);
          END LOOP;
        END $$;
        """;

    [Fact]
    public async Task Four_rebuilds_asked_within_a_second_on_one_node_are_queued_and_all_complete()
    {
        await using var node = new ApiFactory();
        var before = await WithDataAsync(node);
        var admin = node.As("admin");
        await node.ExecuteSqlAsync(Empty);

        var answers = await Task.WhenAll(ReadModels.Take(4).Select(name => admin.PostAsync($"/api/projections/{name}/rebuild", null, HttpStatusCode.Accepted)));
        var states = answers.Select(a => a.EnumerateArray().Single().GetProperty("state").GetString()).ToList();
        // A small read model may be rebuilt before its answer is written: then it is running again.
        Assert.All(states, s => Assert.Contains(s, new[] { "queued", "rebuilding", "running" }));
        Assert.Contains("queued", states);

        await node.WaitForProjectionsAsync();
        Assert.Equal(before, await node.ScalarAsync<string>(Rows));
    }

    [Fact]
    public async Task Rebuilds_asked_on_either_of_two_nodes_run_on_the_leader_and_every_read_model_can_be_asked_at_once()
    {
        var schema = "rebuild_" + Guid.NewGuid().ToString("N")[..12];
        await using var leader = new ApiFactory { Schema = schema, Settings = { ["Projections:NodeName"] = "rebuild-a" } };
        var before = await WithDataAsync(leader);
        await using var follower = new ApiFactory { Schema = schema, Settings = { ["Projections:NodeName"] = "rebuild-b", ["ReferenceData:LoadDefaults"] = "false" } };
        var onLeader = leader.As("admin");
        var onFollower = follower.As("admin");
        await onFollower.GetAsync("/api/projections", HttpStatusCode.OK);
        await leader.ExecuteSqlAsync(Empty);

        var answers = await Task.WhenAll(ReadModels.Take(4).Select((name, i) => (i % 2 == 0 ? onLeader : onFollower).PostAsync($"/api/projections/{name}/rebuild", null, HttpStatusCode.Accepted)));
        Assert.All(answers, a => Assert.Contains(a.EnumerateArray().Single().GetProperty("state").GetString(), new[] { "queued", "rebuilding" }));
        await leader.WaitForProjectionsAsync();
        Assert.Equal(before, await leader.ScalarAsync<string>(Rows));

        // Every read model at once, asked on the follower.
        await leader.ExecuteSqlAsync(Empty);
        var all = await onFollower.PostAsync("/api/projections/rebuild", null, HttpStatusCode.Accepted);
        Assert.Equal(ReadModels.Order(), all.EnumerateArray().Select(p => p.GetProperty("name").GetString()!).Order());
        await leader.WaitForProjectionsAsync();
        Assert.Equal(before, await leader.ScalarAsync<string>(Rows));
        var status = await onFollower.GetAsync("/api/projections", HttpStatusCode.OK);
        Assert.All(status.EnumerateArray(), p => Assert.Equal(("running", 0.0, "rebuild-a"),
            (p.GetProperty("state").GetString(), p.GetProperty("lagEvents").GetDouble(), p.GetProperty("leader").GetString())));
    }

    [Fact]
    public async Task Every_read_model_can_be_rebuilt_over_graphql_and_an_unknown_one_is_named()
    {
        await using var node = new ApiFactory();
        await WithDataAsync(node);
        var admin = node.As("admin");
        var answer = await TestHttp.Graph(admin, "mutation { rebuildProjections(input: {}) { projections { name state } errors { code } } }");
        Assert.False(answer.TryGetProperty("errors", out _), answer.GetRawText());
        var rebuilt = answer.GetProperty("data").GetProperty("rebuildProjections");
        Assert.Equal(ReadModels.Order(), rebuilt.GetProperty("projections").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).Order());
        var unknown = await TestHttp.Graph(admin, """mutation { rebuildProjections(input: { names: ["complaint-list", "nope"] }) { projections { name } errors { code message } } }""");
        Assert.False(unknown.TryGetProperty("errors", out _), unknown.GetRawText());
        var error = unknown.GetProperty("data").GetProperty("rebuildProjections").GetProperty("errors")[0];
        Assert.Equal("NOT_FOUND", error.GetProperty("code").GetString());
        Assert.Contains("nope", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await node.WaitForProjectionsAsync();
    }

    /// <summary>A few complaints on the node's reference data, projected; the read models' row counts.</summary>
    private static async Task<string> WithDataAsync(ApiFactory node)
    {
        var citizen = node.As("citizen", subject: "rebuild-citizen");
        for (var i = 0; i < 5; i++)
        {
            await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created);
        }

        await node.WaitUntilLeadingAsync();
        await node.WaitForProjectionsAsync();
        var rows = await node.ScalarAsync<string>(Rows);
        Assert.Contains("rm_complaint_list:5", rows, StringComparison.Ordinal);
        return rows;
    }
}
