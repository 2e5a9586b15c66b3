using System.Net;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>
/// The retention policy: a durable Wolverine scheduled sweep erases the personal data of complaints closed longer than
/// their kind keeps it, judged on the service's clock, once, though two nodes both hold sweeps.
/// </summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task Two_nodes_erase_a_complaint_closed_past_its_retention_once_and_leave_the_others()
    {
        var schema = "ret_" + Guid.NewGuid().ToString("N")[..12];
        var time = new MovableTime();
        var settings = new Dictionary<string, string?>
        {
            ["PersonalData:Retention:complaint"] = "30", ["PersonalData:RetentionSweepEvery"] = "00:00:01", ["Messaging:HealthCheckPollingTime"] = "00:00:01",
        };
        await using var first = new ApiFactory { Schema = schema, Time = time };
        foreach (var (key, value) in settings)
        {
            first.Settings[key] = value;
        }

        await using var second = new ApiFactory { Schema = schema, Time = time, Settings = { ["ReferenceData:LoadDefaults"] = "false", ["Projections:NodeName"] = "node-b" } };
        foreach (var (key, value) in settings)
        {
            second.Settings[key] = value;
        }

        var citizen = first.As("citizen", subject: "retention-citizen");
        var closed = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var open = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var agent = second.As("agent", "MIN-SANTE");
        await agent.PostAsync($"/api/complaints/{closed}/acknowledge", null, HttpStatusCode.OK);
        await agent.PostAsync($"/api/complaints/{closed}/answer", new { text = "Réponse.", outcome = "favourable" }, HttpStatusCode.OK);
        await agent.PostAsync($"/api/complaints/{closed}/close", null, HttpStatusCode.OK);
        await Deadline.UntilAsync(async () => await first.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.rm_complaint_list WHERE closed_at IS NOT NULL") == 1, 30, "the closing in the complaint list");
        var runs = await first.ScalarAsync<long>("SELECT run FROM {s}.service_runs WHERE name = 'retention'");

        // Sweeps run on both nodes' schedules, and nothing is due yet.
        await Deadline.UntilAsync(async () => await first.ScalarAsync<long>("SELECT run FROM {s}.service_runs WHERE name = 'retention'") >= runs + 2, 60, "two sweeps");
        Assert.Equal(0L, await ErasedEventsAsync(first, closed));

        // Thirty-one days on the service's clock: the next sweep erases the closed complaint, and only it, once.
        time.Offset = TimeSpan.FromDays(31);
        await Deadline.UntilAsync(async () => await ErasedEventsAsync(first, closed) == 1, 60, "the retention's erasure");
        var after = await first.ScalarAsync<long>("SELECT run FROM {s}.service_runs WHERE name = 'retention'");
        await Deadline.UntilAsync(async () => await first.ScalarAsync<long>("SELECT run FROM {s}.service_runs WHERE name = 'retention'") >= after + 3, 60, "three more sweeps");
        Assert.Equal(1L, await ErasedEventsAsync(first, closed));
        Assert.Equal(0L, await ErasedEventsAsync(first, open));
        Assert.Equal("retention: complaint closed more than 30 days ago", await first.ScalarAsync<string>($"SELECT erasure_reason FROM {{s}}.pd_subject_keys WHERE stream_id = 'complaint-{closed:N}'"));

        var read = await first.As("supervisor").GetAsync($"/api/complaints/{closed}", HttpStatusCode.OK);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, read.GetProperty("citizen").GetProperty("fullName").ValueKind);
        var kept = await first.As("supervisor").GetAsync($"/api/complaints/{open}", HttpStatusCode.OK);
        Assert.Equal("Amina Benali", kept.GetProperty("citizen").GetProperty("fullName").GetString());
    }

    private static Task<long> ErasedEventsAsync(ApiFactory node, Guid complaint) =>
        node.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.mt_events WHERE stream_id = 'complaint-{complaint:N}' AND type = 'personal-data.erased'");
}
