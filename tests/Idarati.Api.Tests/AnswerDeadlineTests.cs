using System.Net;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>
/// The answer deadlines acting, on the service's clock moved by the test (nothing sleeps): the owning administration is
/// reminded on day 45 and its supervisor told on day 60 with a <c>complaint.overdue</c> event; an answer ends the period,
/// waiting for the citizen suspends it; once across two nodes, and after a restart.
/// </summary>
public sealed class AnswerDeadlineTests
{
    private static ApiFactory Node(string schema, MovableTime time, string? name = null)
    {
        var node = new ApiFactory { Schema = schema, Time = time };
        node.Settings["Complaints:Deadlines:WatchEvery"] = "00:00:01";
        node.Settings["Messaging:HealthCheckPollingTime"] = "00:00:01";
        if (name is not null)
        {
            node.Settings["ReferenceData:LoadDefaults"] = "false";
            node.Settings["Projections:NodeName"] = name;
        }

        return node;
    }

    private static Task<long> EventsAsync(ApiFactory node, Guid complaint, string type) =>
        node.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.mt_events WHERE stream_id = 'complaint-{complaint:N}' AND type = '{type}'");

    private static Task<long> MailsAsync(ApiFactory node, string to, Guid complaint) =>
        node.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.mt_doc_sentmail WHERE data->>'to' = '{to}' AND id LIKE '{complaint:N}:%:staff'");

    private static async Task<Guid> SubmitAsync(ScenarioCaller citizen, ScenarioCaller agent, bool acknowledge = true)
    {
        var id = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        if (acknowledge)
        {
            await agent.PostAsync($"/api/complaints/{id}/acknowledge", null, HttpStatusCode.OK);
        }

        return id;
    }

    [Fact]
    public async Task The_owner_is_reminded_on_day_45_and_its_supervisor_told_on_day_60_unless_it_answered_or_waits_for_the_citizen()
    {
        var schema = "dl_" + Guid.NewGuid().ToString("N")[..12];
        var time = new MovableTime();
        await using var node = Node(schema, time);
        var citizen = node.As("citizen", subject: "deadline-citizen");
        var agent = node.As("agent", "MIN-SANTE");
        var late = await SubmitAsync(citizen, agent);
        var answered = await SubmitAsync(citizen, agent);
        var waiting = await SubmitAsync(citizen, agent);
        await agent.PostAsync($"/api/complaints/{answered}/answer", new { text = "Réponse.", outcome = "favourable" }, HttpStatusCode.OK);
        time.Offset = TimeSpan.FromDays(10);
        node.ForgetTokens();
        await agent.PostAsync($"/api/complaints/{waiting}/request-information", new { question = "Quelle date ?" }, HttpStatusCode.OK);
        await node.WaitForProjectionsAsync();
        var runs = await node.ScalarAsync<long>("SELECT run FROM {s}.service_runs WHERE name = 'deadlines'");
        await Deadline.UntilAsync(async () => await node.ScalarAsync<long>("SELECT run FROM {s}.service_runs WHERE name = 'deadlines'") >= runs + 2, 60, "two runs of the watch");
        Assert.Equal(0L, await node.ScalarAsync<long>("SELECT count(*) FROM {s}.mt_events WHERE type IN ('complaint.reminded', 'complaint.overdue')"));

        // Day 46: the unanswered complaint's administration is reminded, once; the one waiting for the citizen is not.
        time.Offset = TimeSpan.FromDays(46);
        node.ForgetTokens();
        await Deadline.UntilAsync(async () => await MailsAsync(node, "reclamations.min-sante@idarati.invalid", late) == 1, 60, "the reminder's mail");
        Assert.Equal(1L, await EventsAsync(node, late, "complaint.reminded"));
        Assert.Equal(0L, await EventsAsync(node, waiting, "complaint.reminded"));
        Assert.Equal(0L, await EventsAsync(node, answered, "complaint.reminded"));

        // The citizen answers on day 46 after 36 days of waiting: the due date moves from day 60 to day 96.
        await citizen.PostAsync($"/api/complaints/{waiting}/provide-information", new { text = "Le 2 mars." }, HttpStatusCode.OK);
        var resumed = await agent.GetAsync($"/api/complaints/{waiting}", HttpStatusCode.OK);
        var period = resumed.GetProperty("answerDue").GetDateTimeOffset() - resumed.GetProperty("submittedAt").GetDateTimeOffset();
        Assert.InRange(period, TimeSpan.FromDays(96), TimeSpan.FromDays(96) + TimeSpan.FromMinutes(5));

        // Day 61: the late complaint goes overdue, its supervisor is told, the history shows it, and the indicators count it.
        time.Offset = TimeSpan.FromDays(61);
        node.ForgetTokens();
        await Deadline.UntilAsync(async () => await MailsAsync(node, "supervision.min-sante@idarati.invalid", late) == 1, 60, "the overdue's mail");
        var history = await node.As("supervisor").GetAsync($"/api/complaints/{late}/history", HttpStatusCode.OK);
        var overdue = history.EnumerateArray().Single(e => e.GetProperty("type").GetString() == "complaint.overdue");
        Assert.Equal("Service:service:deadlines", overdue.GetProperty("actor").GetString());
        Assert.Equal("MIN-SANTE", overdue.GetProperty("data").GetProperty("administrationId").GetString());
        Assert.True((await agent.GetAsync($"/api/complaints/{late}", HttpStatusCode.OK)).GetProperty("overdue").GetBoolean());
        Assert.False((await agent.GetAsync($"/api/complaints/{waiting}", HttpStatusCode.OK)).GetProperty("overdue").GetBoolean());
        await node.WaitForProjectionsAsync();
        var total = (await node.As("analyst").GetAsync("/api/indicators/complaints/processing", HttpStatusCode.OK)).GetProperty("total");
        Assert.Equal((1L, 1L), (total.GetProperty("wentOverdue").GetInt64(), total.GetProperty("overdue").GetInt64()));
        var graph = await TestHttp.Graph(node.As("analyst"), "{ indicators { processing { total { wentOverdue overdue } } } }");
        Assert.Equal(1, graph.GetProperty("data").GetProperty("indicators").GetProperty("processing").GetProperty("total").GetProperty("wentOverdue").GetInt32());

        // More runs change nothing: each event once, and nothing for the answered or the resumed complaint.
        runs = await node.ScalarAsync<long>("SELECT run FROM {s}.service_runs WHERE name = 'deadlines'");
        await Deadline.UntilAsync(async () => await node.ScalarAsync<long>("SELECT run FROM {s}.service_runs WHERE name = 'deadlines'") >= runs + 3, 60, "three more runs");
        Assert.Equal((1L, 1L), (await EventsAsync(node, late, "complaint.reminded"), await EventsAsync(node, late, "complaint.overdue")));
        Assert.Equal(0L, await node.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.mt_events WHERE stream_id IN ('complaint-{answered:N}', 'complaint-{waiting:N}') AND type IN ('complaint.reminded', 'complaint.overdue')"));
        Assert.Equal(2L, await node.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.mt_doc_sentmail WHERE id LIKE '%:staff'"));
        var mail = await node.ScalarAsync<string>($"SELECT data::text FROM {{s}}.mt_doc_sentmail WHERE id LIKE '{late:N}:%:staff' AND data->>'to' LIKE 'supervision%'");
        Assert.DoesNotContain("Amina", mail, StringComparison.Ordinal);
        // In both languages: "out of time" in French and in Arabic.
        Assert.Contains("hors délai", mail, StringComparison.Ordinal);
        Assert.Contains("خارج الأجل", mail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deadline_survives_its_node_and_two_nodes_record_it_once()
    {
        var schema = "dl2_" + Guid.NewGuid().ToString("N")[..12];
        var time = new MovableTime();
        Guid complaint;
        await using (var first = Node(schema, time))
        {
            complaint = await SubmitAsync(first.As("citizen", subject: "deadline-node"), first.As("agent", "MIN-SANTE"), acknowledge: false);
            await first.WaitForProjectionsAsync();
        }

        // The node that took the complaint is gone; two others start after the due date on the service's clock.
        time.Offset = TimeSpan.FromDays(61);
        await using var second = Node(schema, time, "node-b");
        await using var third = Node(schema, time, "node-c");
        _ = second.Services;
        _ = third.Services;
        await Deadline.UntilAsync(async () => await EventsAsync(second, complaint, "complaint.overdue") == 1, 60, "the overdue after a restart");
        var runs = await second.ScalarAsync<long>("SELECT run FROM {s}.service_runs WHERE name = 'deadlines'");
        await Deadline.UntilAsync(async () => await second.ScalarAsync<long>("SELECT run FROM {s}.service_runs WHERE name = 'deadlines'") >= runs + 3, 60, "three more runs on two nodes");
        Assert.Equal(1L, await EventsAsync(second, complaint, "complaint.overdue"));
        // Past the due date on its first run, the complaint is recorded overdue without a reminder of a due date already gone.
        Assert.Equal(0L, await EventsAsync(second, complaint, "complaint.reminded"));
        Assert.Equal(1L, await MailsAsync(third, "supervision.min-sante@idarati.invalid", complaint));
    }

    [Fact]
    public async Task The_seed_records_its_late_complaints_as_the_watch_would_have_and_the_watch_adds_only_what_came_due_after_the_data()
    {
        var schema = await TestStores.SeededSchemaAsync("dlseed", 0.01);
        await using var node = Node(schema, new MovableTime());
        await node.WaitForProjectionsAsync();
        var runs = await node.ScalarAsync<long>("SELECT run FROM {s}.service_runs WHERE name = 'deadlines'");
        await Deadline.UntilAsync(async () => await node.ScalarAsync<long>("SELECT run FROM {s}.service_runs WHERE name = 'deadlines'") >= runs + 2, 60, "two runs of the watch");

        // The seed stamped each deadline event at its own instant (the reminder day, the due date) up to the data's end;
        // the watch, whose events bear the service's today, added only the complaints still open whose due date came
        // after the data's end.
        var overdue = await node.ScalarAsync<long>("SELECT count(DISTINCT stream_id) FROM {s}.mt_events WHERE type = 'complaint.overdue' AND data->>'overdueAt' < '2020-03-03'");
        Assert.True(overdue > 0);
        Assert.True(await node.ScalarAsync<long>("SELECT count(*) FROM {s}.mt_events WHERE type = 'complaint.reminded' AND data->>'remindedAt' < '2020-03-03'") > 0);
        Assert.Equal(0L, await node.ScalarAsync<long>(
            "SELECT count(*) FROM {s}.mt_events WHERE type = 'complaint.overdue' AND data->>'overdueAt' > '2020-03-03' AND (data->>'answerDue')::timestamptz <= '2020-03-02T18:00Z'"));
        Assert.Equal(0L, await node.ScalarAsync<long>("SELECT count(*) FROM {s}.mt_events WHERE type = 'complaint.overdue' AND data->>'overdueAt' < '2020-03-03' AND (data->>'overdueAt')::timestamptz <> (data->>'answerDue')::timestamptz"));
        Assert.Equal(0L, await node.ScalarAsync<long>("SELECT count(*) FROM {s}.rm_complaint_list WHERE status IN ('received', 'acknowledged') AND answer_due <= '2020-03-02T18:00Z' AND overdue_at IS NULL"));

        // The indicators count the seed's as of the data's end (the watch's are later).
        await node.WaitForProjectionsAsync();
        var total = (await node.As("analyst").GetAsync("/api/indicators/complaints/processing?asOf=2020-03-02", HttpStatusCode.OK)).GetProperty("total");
        Assert.Equal(overdue, total.GetProperty("wentOverdue").GetInt64());
    }
}
