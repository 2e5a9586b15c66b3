using System.Net;
using System.Net.Http.Json;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>
/// Citizens are told when their complaint is acknowledged, needs information, is transferred, answered, rejected or
/// closed: a message cascaded through Wolverine's durable outbox in the transaction of the events, delivered to the mail
/// sink (Notifications:Sender=sink, the table mt_doc_sentmail) by a handler that reads the address from the stream.
/// </summary>
public sealed class NotificationTests
{
    private sealed record Mail(string Id, string To, string Subject, string Body);

    [Fact]
    public async Task Each_step_the_citizen_is_told_of_becomes_one_mail_to_their_address_and_the_message_carries_no_contact_data()
    {
        await using var factory = new ApiFactory();
        var citizen = factory.As("citizen", subject: "notified-citizen");
        var agent = factory.As("agent", "MIN-SANTE");
        var submitted = await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created);
        var id = submitted.GetProperty("id").GetGuid();
        var tracking = submitted.GetProperty("trackingNumber").GetString()!;
        await agent.PostAsync($"/api/complaints/{id}/acknowledge", null, HttpStatusCode.OK);
        await agent.PostAsync($"/api/complaints/{id}/request-information", new { question = "Quel service ?" }, HttpStatusCode.OK);
        await citizen.PostAsync($"/api/complaints/{id}/provide-information", new { text = "Les urgences." }, HttpStatusCode.OK);
        await agent.PostAsync($"/api/complaints/{id}/answer", new { text = "Un médecin de garde est ajouté.", outcome = "favourable" }, HttpStatusCode.OK);

        // acknowledged (v2), information requested (v3), answered (v5); information provided (v4) tells nobody.
        var mails = await MailsAsync(factory.Schema, id, 3);
        Assert.Equal([$"{id:N}:2", $"{id:N}:3", $"{id:N}:5"], mails.Select(m => m.Id));
        Assert.All(mails, m => Assert.Equal(("amina@example.ma", $"Chikaya.ma : dossier {tracking} / شكاية: الملف {tracking}"), (m.To, m.Subject)));
        // A "dossier" is masculine: the acknowledgement says it was "reçu". Each mail says it in French and in Arabic.
        Assert.Contains($"Votre dossier {tracking} a été reçu par l'administration concernée.", mails[0].Body, StringComparison.Ordinal);
        Assert.Contains($"ملفكم رقم {tracking} توصلت به الإدارة المعنية.", mails[0].Body, StringComparison.Ordinal);
        Assert.Contains("appelle une information de votre part", mails[1].Body, StringComparison.Ordinal);
        Assert.Contains("a reçu une réponse", mails[2].Body, StringComparison.Ordinal);
        // No personal data but the address it goes to: not the name, not the citizen's or the agent's texts.
        foreach (var text in new[] { "Amina", "Benali", "AB123456", "+212600000000", "Quel service ?", "Un médecin de garde", "Les urgences.", "Attente aux urgences" })
        {
            Assert.All(mails, m => Assert.DoesNotContain(text, m.Subject + m.Body, StringComparison.Ordinal));
        }
        // The stored messages (Wolverine keeps them a while once handled) name the complaint, never the citizen.
        Assert.Equal((3L, 0L, 0L), (await EnvelopesAsync(factory.Schema, id.ToString()), await EnvelopesAsync(factory.Schema, "amina@example.ma"), await EnvelopesAsync(factory.Schema, "+212600000000")));
        var properties = typeof(Application.Notifications.CitizenNotification).GetProperties().Select(p => p.Name).Order();
        Assert.Equal(["ComplaintId", "Event", "Version"], properties);

        // The OpenAPI document says which actions tell the citizen.
        var paths = (await factory.As(null).GetAsync("/swagger/v1/swagger.json", HttpStatusCode.OK)).GetProperty("paths");
        string Description(string action) => paths.GetProperty($"/api/complaints/{{id}}/{action}").GetProperty("post").GetProperty("description").GetString()!;
        Assert.Contains("the citizen is told by mail", Description("acknowledge"), StringComparison.Ordinal);
        Assert.Contains("not notified", Description("provide-information"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_command_whose_transaction_rolls_back_sends_nothing()
    {
        await using var factory = new ApiFactory();
        var citizen = factory.As("citizen", subject: "rolled-back-citizen");
        var agent = factory.As("agent", "MIN-SANTE");
        var failing = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var passing = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        // The database refuses the acknowledgement's event at commit: the events, the command and its message go together.
        await factory.ExecuteSqlAsync($$"""
            CREATE FUNCTION {s}.refuse_append() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
            CREATE TRIGGER refuse_append BEFORE INSERT ON {s}.mt_events FOR EACH ROW WHEN (NEW.stream_id = 'complaint-{{failing:N}}') EXECUTE FUNCTION {s}.refuse_append();
            """);

        await agent.ProblemAsync(HttpMethod.Post, $"/api/complaints/{failing}/acknowledge", null, HttpStatusCode.InternalServerError);
        await agent.PostAsync($"/api/complaints/{passing}/acknowledge", null, HttpStatusCode.OK);

        // The later command's mail arrives; the refused one left no event, no stored message and no mail.
        await MailsAsync(factory.Schema, passing, 1);
        Assert.Empty(await MailsAsync(factory.Schema, failing, 0));
        Assert.Equal(1L, await ScalarAsync($"SELECT count(*) FROM {factory.Schema}.mt_events WHERE stream_id = 'complaint-{failing:N}'"));
        Assert.Equal((0L, 1L), (await EnvelopesAsync(factory.Schema, failing.ToString()), await EnvelopesAsync(factory.Schema, passing.ToString())));
    }

    [Fact]
    public async Task A_node_that_stops_between_the_commit_and_the_delivery_loses_no_mail_the_next_node_sends_it()
    {
        // Node A's mail server holds the mail and never answers: its delivery hangs after the commit.
        using var smtp = await SmtpTestServer.StartAsync();
        await smtp.CommandAsync("hold");
        var schema = "mail_" + Guid.NewGuid().ToString("N")[..12];
        var nodeA = new ApiFactory { Schema = schema };
        smtp.SendsTo(nodeA);

        nodeA.Settings["Notifications:Smtp:Timeout"] = "00:00:02";
        var citizen = nodeA.As("citizen", subject: "crash-citizen");
        var agent = nodeA.As("agent", "MIN-SANTE");
        var id = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await agent.PostAsync($"/api/complaints/{id}/acknowledge", null, HttpStatusCode.OK);
        await smtp.WaitForAsync("held", 1);
        Assert.Empty(await MailsAsync(schema, id, 0));

        // Node A goes with the mail undelivered; node B, on the same store, delivers it, once.
        await nodeA.DisposeAsync();
        await using var nodeB = new ApiFactory { Schema = schema, Settings = { ["ReferenceData:LoadDefaults"] = "false" } };
        _ = nodeB.Services;
        var mails = await MailsAsync(schema, id, 1);
        Assert.Equal(($"{id:N}:2", "amina@example.ma"), (mails[0].Id, mails[0].To));
    }

    /// <summary>Waits until the sink holds <paramref name="count"/> mails of the complaint, and returns them in version order.</summary>
    private static async Task<IReadOnlyList<Mail>> MailsAsync(string schema, Guid complaint, int count)
    {
        List<Mail> mails = [];
        await Deadline.UntilAsync(async () =>
        {
            await using var dataSource = Npgsql.NpgsqlDataSource.Create(ApiFactory.TestDatabase);
            await using var command = dataSource.CreateCommand(
                $"SELECT id, data->>'to', data->>'subject', data->>'body' FROM {schema}.mt_doc_sentmail WHERE id LIKE '{complaint:N}:%' ORDER BY length(id), id");
            mails = [];
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                mails.Add(new Mail(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
            }

            return mails.Count >= count;
        }, 60, $"{count} mails about complaint {complaint}");
        Assert.Equal(count, mails.Count);
        return mails;
    }

    /// <summary>How many of the stored notification messages hold <paramref name="text"/> in their body.</summary>
    private static Task<long> EnvelopesAsync(string schema, string text) =>
        ScalarAsync($"SELECT count(*) FROM {schema}.wolverine_incoming_envelopes WHERE message_type LIKE '%CitizenNotification' AND position(convert_to('{text}', 'UTF8') in body) > 0");

    private static async Task<long> ScalarAsync(string sql)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(ApiFactory.TestDatabase);
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
