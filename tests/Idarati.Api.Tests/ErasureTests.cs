using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Encodings.Web;
using System.Text.Json;
using Idarati.Tests;
using Npgsql;

namespace Idarati.Api.Tests;

/// <summary>
/// Crypto-shredding end to end, on the service in a process of its own (its log is a file): personal fields are stored
/// sealed, staff reads are on record, and after the data-protection officer erases a person no byte of their name, CIN,
/// phone or e-mail is left in the database (pg_dump) or the log, while every history still verifies.
/// </summary>
public sealed class ErasureTests
{
    private const string Name = "Nadia Éffacée-Testeuse";
    private const string Cin = "ZT998877";
    private const string Phone = "+212611223344";
    private const string Email = "nadia.effacee@example.ma";

    private static object Person => new { fullName = Name, nationalId = Cin, phone = Phone, email = Email };

    [Fact]
    public async Task Erasing_a_person_leaves_none_of_their_data_anywhere_and_every_history_still_verifies()
    {
        var schema = "erase_" + Guid.NewGuid().ToString("N")[..12];
        using var node = await ApiProcess.StartAsync(schema, new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Information" });
        using var citizen = await node.ClientAsync("citizen", subject: "citizen-erase-1");
        using var agent = await node.ClientAsync("agent", "MIN-SANTE");
        using var callCentre = await node.ClientAsync("agent", "CENTRE-3737");
        using var auditor = await node.ClientAsync("auditor");
        using var dpo = await node.ClientAsync("dpo");

        // A complaint, a 3737 ticket and a candidate account of the same person.
        var complaint = TestHttp.Complaint();
        complaint["citizen"] = Person;
        var submitted = await Json(await citizen.PostAsJsonAsync("/api/complaints", complaint), HttpStatusCode.Created);
        var id = submitted.GetProperty("id").GetGuid();
        var ticket = await Json(await callCentre.PostAsJsonAsync("/api/call-center/tickets",
            new { channel = "phone", categoryCode = "PROCEDURES", topic = "Rappeler Mme au sujet de son dossier", language = "french", caller = Person }), HttpStatusCode.Created);
        var ticketId = ticket.GetProperty("id").GetGuid();
        Assert.Equal(Cin, ticket.GetProperty("caller").GetProperty("nationalId").GetString());
        var candidate = await Json(await citizen.PostAsJsonAsync("/api/candidates", new { fullName = Name, nationalId = Cin, email = Email }), HttpStatusCode.Created);
        var candidateId = candidate.GetProperty("id").GetGuid();

        // Stored sealed: the events hold none of it in clear.
        await using var dataSource = NpgsqlDataSource.Create(ApiFactory.TestDatabase);
        Assert.Empty(Leaks(await TableTextAsync(dataSource, $"{schema}.mt_events"), $"{schema}.mt_events"));

        // Staff read it in clear, and the read is on record: who, which stream, which fields, which route.
        var read = await Json(await agent.GetAsync(new Uri($"/api/complaints/{id}", UriKind.Relative)), HttpStatusCode.OK);
        Assert.Equal(Name, read.GetProperty("citizen").GetProperty("fullName").GetString());
        var reads = await ReadsAsync(dataSource, schema, $"complaint-{id:N}");
        var logged = Assert.Single(reads);
        Assert.Equal("Agent:", logged.GetProperty("readBy").GetString()![..6]);
        Assert.Equal("GET /api/complaints/{id:guid}", logged.GetProperty("route").GetString());
        var fields = logged.GetProperty("streams")[0].GetProperty("fields").EnumerateArray().Select(f => f.GetString()).ToList();
        Assert.Contains("citizen.fullName", fields);
        Assert.Contains("description", fields);

        // Key material appears nowhere: neither the complaint's key (opened here with the tests' master) nor the master
        // itself is in the events, an auditor's export or the service's log.
        string wrapped, master;
        await using (var key = dataSource.CreateCommand($"SELECT wrapped, master_key_id FROM {schema}.pd_subject_keys WHERE stream_id = 'complaint-{id:N}'"))
        await using (var row = await key.ExecuteReaderAsync())
        {
            Assert.True(await row.ReadAsync());
            (wrapped, master) = (row.GetString(0), row.GetString(1));
        }

        var dataKey = Application.Privacy.MasterKeys.Parse(ApiFactory.MasterKey).Unwrap(wrapped, master, $"subject-key:complaint-{id:N}");
        Assert.NotNull(dataKey);
        string[] secrets = [Convert.ToBase64String(dataKey), Convert.ToHexString(dataKey), ApiFactory.MasterKey, Convert.ToHexString(Convert.FromBase64String(ApiFactory.MasterKey))];
        var exported = await (await auditor.GetAsync(new Uri($"/api/audit/complaints/{id}/export", UriKind.Relative))).Content.ReadAsStringAsync();
        var events = await TableTextAsync(dataSource, $"{schema}.mt_events");
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, exported, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, events, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(secret, await File.ReadAllTextAsync(node.LogFile), StringComparison.OrdinalIgnoreCase);
        }

        // The citizen is told of the acknowledgement by mail (the development sink keeps it): a copy outside the events.
        await Json(await agent.PostAsync(new Uri($"/api/complaints/{id}/acknowledge", UriKind.Relative), null), HttpStatusCode.OK);
        await Deadline.UntilAsync(async () => (await TableTextAsync(dataSource, $"{schema}.mt_doc_sentmail")).Contains(Email, StringComparison.Ordinal), 30, "the acknowledgement's mail");
        var (before, beforeDump, _) = await Tools.RunAsync(Path.GetTempPath(), "pg_dump", "--data-only", "--schema", schema, "--dbname", LibpqUri(ApiFactory.TestDatabase));
        Assert.Equal(0, before);
        Assert.NotEmpty(Leaks(beforeDump, "pg_dump"));

        // The data-protection officer erases the person by their CIN, however it is spelt.
        var erased = await Json(await dpo.PostAsJsonAsync("/api/personal-data/erasures", new { nationalId = "zt998877", reason = "Demande de la personne (loi 09-08, art. 8)" }), HttpStatusCode.OK);
        Assert.Equal([$"candidate-{candidateId:N}", $"complaint-{id:N}", $"ticket-{ticketId:N}"], erased.GetProperty("streams").EnumerateArray().Select(s => s.GetString()).Order());

        // Every answer shows the fields as erased; the complaint itself, its status and its dates remain.
        var after = await Json(await agent.GetAsync(new Uri($"/api/complaints/{id}", UriKind.Relative)), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("citizen").GetProperty("fullName").ValueKind);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("description").ValueKind);
        Assert.Equal("acknowledged", after.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.String, after.GetProperty("personalDataErasedAt").ValueKind);
        var ticketAfter = await Json(await callCentre.GetAsync(new Uri($"/api/call-center/tickets/{ticketId}", UriKind.Relative)), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, ticketAfter.GetProperty("caller").GetProperty("email").ValueKind);
        var candidateAfter = await Json(await auditor.GetAsync(new Uri($"/api/candidates/{candidateId}", UriKind.Relative)), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, candidateAfter.GetProperty("nationalId").ValueKind);

        // Each history verifies, its erasure sealed into it.
        var verified = await Json(await auditor.GetAsync(new Uri($"/api/audit/complaints/{id}/verify", UriKind.Relative)), HttpStatusCode.OK);
        Assert.True(verified.GetProperty("valid").GetBoolean(), verified.GetRawText());
        var history = await Json(await auditor.GetAsync(new Uri($"/api/complaints/{id}/history", UriKind.Relative)), HttpStatusCode.OK);
        Assert.Equal("personal-data.erased", history[history.GetArrayLength() - 1].GetProperty("type").GetString());

        // The same e-mail may open an account again: its claim went with the person.
        using var again = await node.ClientAsync("citizen", subject: "citizen-erase-2");
        await Json(await again.PostAsJsonAsync("/api/candidates", new { fullName = "Quelqu'un", nationalId = "ZT000001", email = Email }), HttpStatusCode.Created);
        await Json(await dpo.PostAsJsonAsync("/api/personal-data/erasures", new { email = Email, reason = "Essai" }), HttpStatusCode.OK);

        // Nothing of them anywhere: the whole schema dumped, and the service's log.
        var (code, dump, error) = await Tools.RunAsync(Path.GetTempPath(), "pg_dump", "--data-only", "--schema", schema, "--dbname", LibpqUri(ApiFactory.TestDatabase));
        Assert.True(code == 0, error);
        Assert.Contains($"complaint-{id:N}", dump, StringComparison.Ordinal);
        Assert.Empty(Leaks(dump, "pg_dump"));
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, dump, StringComparison.OrdinalIgnoreCase));
        Assert.Empty(Leaks(await File.ReadAllTextAsync(node.LogFile), "the service's log"));
    }

    /// <summary>Each value of the person found in <paramref name="text"/>, as written or JSON-escaped.</summary>
    private static List<string> Leaks(string text, string where) =>
        [.. new[] { Name, Cin, Phone, Email }
            .SelectMany(v => new[] { v, JsonEncodedText.Encode(v).ToString(), JsonEncodedText.Encode(v, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString() })
            .Distinct()
            .Where(v => text.Contains(v, StringComparison.OrdinalIgnoreCase))
            .Select(v => $"{v} in {where}")];

    private static async Task<string> TableTextAsync(NpgsqlDataSource dataSource, string table)
    {
        await using var command = dataSource.CreateCommand($"SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM {table} t");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<List<JsonElement>> ReadsAsync(NpgsqlDataSource dataSource, string schema, string streamId)
    {
        await using var command = dataSource.CreateCommand($"SELECT data::text FROM {schema}.mt_events WHERE type = 'personal-data.read' AND data -> 'streams' @> jsonb_build_array(jsonb_build_object('streamId', $1::text))");
        command.Parameters.AddWithValue(streamId);
        var found = new List<JsonElement>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found.Add(JsonDocument.Parse(reader.GetString(0)).RootElement.Clone());
        }

        return found;
    }

    private static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The test database as a libpq URI, for pg_dump.</summary>
    private static string LibpqUri(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgresql://{Uri.EscapeDataString(b.Username ?? "postgres")}{(b.Password is { } p ? ":" + Uri.EscapeDataString(p) : "")}@{b.Host}:{b.Port}/{Uri.EscapeDataString(b.Database ?? "postgres")}";
    }
}
