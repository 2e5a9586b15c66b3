using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Idarati.Tests;
using Xunit.Abstractions;

namespace Idarati.Api.Tests;

/// <summary>
/// The SMTP sender (MailKit) against a real mail server, Debian's python3-aiosmtpd (<see cref="SmtpTestServer"/>): a
/// deferral is retried and delivered once, a refusal ends in Wolverine's dead letters and an admin's replay delivers
/// it, and a node killed mid-delivery loses no mail: another node sends it within 10 s, with the same Message-ID.
/// </summary>
public sealed class SmtpDeliveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_server_that_defers_and_then_accepts_gets_the_mail_once_in_both_languages_with_the_message_id_of_its_event()
    {
        using var smtp = await SmtpTestServer.StartAsync();
        await smtp.CommandAsync("defer 1");
        await using var factory = Node(smtp);
        var id = await AcknowledgedComplaintAsync(factory);

        var accepted = (await smtp.WaitForAsync("accepted", 1)).Single();
        await HandledAsync(factory.Schema, 1);
        Assert.Single(await smtp.WaitForAsync("deferred", 1));
        Assert.Single(smtp.Accepted);
        Assert.Equal($"<{id:N}.2@chikaya.ma>", accepted.GetProperty("accepted").GetString());
        Assert.Equal(["amina@example.ma"], accepted.GetProperty("to").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("fr, ar", accepted.GetProperty("language").GetString());
        var body = accepted.GetProperty("body").GetString()!;
        Assert.Contains("a été reçu par l'administration concernée.", body, StringComparison.Ordinal);
        Assert.Contains("توصلت به الإدارة المعنية.", body, StringComparison.Ordinal);
        Assert.Contains("شكاية", accepted.GetProperty("subject").GetString(), StringComparison.Ordinal);
        foreach (var personal in new[] { "Amina", "Benali", "AB123456", "+212600000000", "Attente aux urgences" })
        {
            Assert.DoesNotContain(personal, body + accepted.GetProperty("subject").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_server_that_refuses_for_good_puts_the_mail_in_the_dead_letters_an_admin_sees_and_a_replay_delivers_it_once()
    {
        using var smtp = await SmtpTestServer.StartAsync();
        await smtp.CommandAsync("refuse");
        await using var factory = Node(smtp);
        var id = await AcknowledgedComplaintAsync(factory);
        await smtp.WaitForAsync("refused", 1);

        // Straight to the dead letters, not retried for a day: one refusal, and the admin sees which notification and why.
        var admin = factory.As("admin");
        JsonElement page = default;
        await Deadline.UntilAsync(async () => (page = await admin.GetAsync("/api/messages/dead-letters", HttpStatusCode.OK)).GetProperty("totalCount").GetInt32() == 1,
            30, "the refused mail in Wolverine's dead letters");
        var letter = page.GetProperty("items")[0];
        Assert.EndsWith("MailRefusedException", letter.GetProperty("exceptionType").GetString(), StringComparison.Ordinal);
        Assert.Contains("550", letter.GetProperty("exceptionMessage").GetString(), StringComparison.Ordinal);
        Assert.Equal(id, letter.GetProperty("message").GetProperty("complaintId").GetGuid());
        Assert.DoesNotContain("amina", page.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.Single(smtp.Events, e => e.TryGetProperty("refused", out _));
        await factory.As("analyst").GetAsync("/api/messages/dead-letters", HttpStatusCode.Forbidden);
        await factory.As("supervisor").PostAsync("/api/messages/dead-letters/replay", new { ids = new[] { letter.GetProperty("id").GetGuid() } }, HttpStatusCode.Forbidden);
        var tooMany = await admin.ProblemAsync(HttpMethod.Get, "/api/messages/dead-letters?limit=1000", null, HttpStatusCode.BadRequest);
        Assert.True(tooMany.GetProperty("errors").TryGetProperty("limit", out _), tooMany.GetRawText());
        var empty = await admin.ProblemAsync(HttpMethod.Post, "/api/messages/dead-letters/replay", new { ids = Array.Empty<Guid>() }, HttpStatusCode.BadRequest);
        Assert.True(empty.GetProperty("errors").TryGetProperty("ids", out _), empty.GetRawText());

        // The server takes mail again; the admin replays: delivered once, with the Message-ID of its event.
        await smtp.CommandAsync("accept");
        await admin.PostAsync("/api/messages/dead-letters/replay", new { ids = new[] { letter.GetProperty("id").GetGuid() } }, HttpStatusCode.Accepted);
        var accepted = await smtp.WaitForAsync("accepted", 1);
        await Deadline.UntilAsync(async () => (await admin.GetAsync("/api/messages/dead-letters", HttpStatusCode.OK)).GetProperty("totalCount").GetInt32() == 0,
            30, "the replayed mail to leave the dead letters");
        await HandledAsync(factory.Schema, 1);
        Assert.Equal($"<{id:N}.2@chikaya.ma>", Assert.Single(smtp.Accepted).GetProperty("accepted").GetString());
    }

    [Fact]
    public async Task A_node_killed_mid_delivery_loses_no_mail_a_surviving_node_sends_them_within_10_s_and_a_second_copy_has_the_same_message_id()
    {
        // Node A, a process of its own, sends to a server that takes each mail whole and holds its answer; node B
        // runs beside it. Both run the service's own durability settings.
        using var smtp = await SmtpTestServer.StartAsync();
        await smtp.CommandAsync("hold");
        var schema = "kill_" + Guid.NewGuid().ToString("N")[..12];
        using var nodeA = await ApiProcess.StartAsync(schema, smtp.Settings("__"));
        await using var nodeB = Node(smtp, schema);
        nodeB.Settings["ReferenceData:LoadDefaults"] = "false";
        _ = nodeB.Services;
        var citizen = await nodeA.ClientAsync("citizen", subject: "killed-node-citizen");
        var agent = await nodeA.ClientAsync("agent", "MIN-SANTE");
        List<Guid> complaints = [];
        for (var i = 0; i < 3; i++)
        {
            var id = (await TestHttp.Json(await citizen.PostAsJsonAsync("/api/complaints", TestHttp.Complaint()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
            await TestHttp.Json(await agent.PostAsync($"/api/complaints/{id}/acknowledge", null), HttpStatusCode.OK);
            complaints.Add(id);
        }

        // Killed while the server holds the answer to a mail it has taken whole: that mail is sent again, a second copy.
        var held = (await smtp.WaitForAsync("held", 1))[0].GetProperty("held").GetString();
        nodeA.Kill();
        var killedAt = TimeProvider.System.GetTimestamp();
        await smtp.CommandAsync("release");
        await HandledAsync(schema, 3);
        var pickedUp = TimeProvider.System.GetElapsedTime(killedAt);
        var expected = complaints.Select(id => $"<{id:N}.2@chikaya.ma>").ToHashSet();

        // None lost; every copy of a notification carries its Message-ID, and no two notifications share one.
        var perNotification = smtp.Accepted.GroupBy(a => a.GetProperty("accepted").GetString()!).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(expected, perNotification.Keys.ToHashSet());
        Assert.All(perNotification.Values, n => Assert.InRange(n, 1, 2));
        Assert.Equal(2, perNotification[held!]);
        output.WriteLine($"picked up {pickedUp.TotalSeconds:F1} s after the kill; copies per notification: {string.Join(", ", perNotification.Values)}");
        Assert.True(pickedUp < TimeSpan.FromSeconds(10), $"The surviving node sent the dead node's mails {pickedUp.TotalSeconds:F1} s after the kill.");
    }

    private static ApiFactory Node(SmtpTestServer smtp, string? schema = null)
    {
        var factory = schema is null ? new ApiFactory() : new ApiFactory { Schema = schema };
        smtp.SendsTo(factory);

        return factory;
    }

    private static async Task<Guid> AcknowledgedComplaintAsync(ApiFactory factory)
    {
        var citizen = factory.As("citizen", subject: "smtp-citizen-" + Guid.NewGuid().ToString("N")[..8]);
        var id = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await factory.As("agent", "MIN-SANTE").PostAsync($"/api/complaints/{id}/acknowledge", null, HttpStatusCode.OK);
        return id;
    }

    /// <summary>Waits until Wolverine has marked <paramref name="count"/> notifications handled: no delivery of them is left to come.</summary>
    private static Task HandledAsync(string schema, int count) => Deadline.UntilAsync(async () =>
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(ApiFactory.TestDatabase);
        await using var command = dataSource.CreateCommand(
            $"SELECT count(*) FILTER (WHERE status = 'Handled'), count(*) FROM {schema}.wolverine_incoming_envelopes WHERE message_type LIKE '%CitizenNotification'");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetInt64(0) == count && reader.GetInt64(1) == count;
    }, 60, $"{count} notifications handled");
}
