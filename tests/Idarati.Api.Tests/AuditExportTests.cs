using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Idarati.Application.Complaints;
using Idarati.Application.Seeding;
using Microsoft.Extensions.DependencyInjection;

namespace Idarati.Api.Tests;

/// <summary>
/// The auditors' exports: a history anyone can check without the service (scripts/verify-export.mjs), and an
/// administration's histories streamed as NDJSON or CSV in bounded memory.
/// </summary>
public sealed class AuditExportTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static async Task<(int Code, string Output)> CheckerAsync(string file)
    {
        var (code, output, error) = await Tools.RunAsync(Tools.Repository, "node", "scripts/verify-export.mjs", file);
        return (code, output + error);
    }

    private async Task<Guid> ProcessedComplaintAsync(string administration = "MIN-SANTE")
    {
        var citizen = factory.As("citizen", subject: "export-citizen");
        var id = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(administration), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var agent = factory.As("agent", administration);
        await agent.PostAsync($"/api/complaints/{id}/acknowledge", null, HttpStatusCode.OK);
        await agent.PostAsync($"/api/complaints/{id}/answer", new { text = "Réponse, \"citée\", sur\ndeux lignes", outcome = "favourable" }, HttpStatusCode.OK);
        return id;
    }

    [Fact]
    public async Task A_history_export_verifies_without_the_service_until_one_event_is_tampered_with()
    {
        var id = await ProcessedComplaintAsync();
        var auditor = factory.As("auditor");
        var file = Path.GetTempFileName();
        try
        {
            var json = await (await auditor.ScenarioAsync(HttpMethod.Get, $"/api/audit/complaints/{id}/export", null, HttpStatusCode.OK)).ReadAsTextAsync();
            var export = JsonDocument.Parse(json).RootElement;
            Assert.Equal("idarati-history-v3", export.GetProperty("format").GetString());
            Assert.Equal(3, export.GetProperty("events").GetArrayLength());
            Assert.True(export.GetProperty("verification").GetProperty("valid").GetBoolean());
            // Personal fields are exported as stored, sealed under the citizen's key: the hashes cover that ciphertext.
            Assert.StartsWith("pd1:", export.GetProperty("events")[0].GetProperty("data").GetProperty("citizen").GetProperty("fullName").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("Amina Benali", json, StringComparison.Ordinal);
            await File.WriteAllTextAsync(file, json);
            var (valid, output) = await CheckerAsync(file);
            Assert.True(valid == 0, output);
            Assert.Contains("valid, 3 events", output, StringComparison.Ordinal);

            await factory.ExecuteSqlAsync($"UPDATE {{s}}.mt_events SET data = replace(data::text, 'MIN-SANTE', 'MIN-JUSTICE')::jsonb WHERE stream_id = 'complaint-{id:N}' AND version = 2");
            var tampered = await (await auditor.ScenarioAsync(HttpMethod.Get, $"/api/audit/complaints/{id}/export", null, HttpStatusCode.OK)).ReadAsTextAsync();
            var verification = JsonDocument.Parse(tampered).RootElement.GetProperty("verification");
            Assert.Equal((false, 2), (verification.GetProperty("valid").GetBoolean(), verification.GetProperty("firstInvalidVersion").GetInt32()));
            await File.WriteAllTextAsync(file, tampered);
            var (broken, report) = await CheckerAsync(file);
            Assert.Equal(1, broken);
            Assert.Contains("first invalid version 2", report, StringComparison.Ordinal);

            var graph = await TestHttp.Graph(auditor, "query($id: ID!) { complaint(id: $id) { verification { valid firstInvalidVersion eventCount } history { version hash } } }", new { id });
            var graphVerification = graph.GetProperty("data").GetProperty("complaint").GetProperty("verification");
            Assert.Equal((false, 2, 3), (graphVerification.GetProperty("valid").GetBoolean(), graphVerification.GetProperty("firstInvalidVersion").GetInt32(), graphVerification.GetProperty("eventCount").GetInt32()));
        }
        finally
        {
            File.Delete(file);
        }

        await factory.As("citizen", subject: "export-citizen").ProblemAsync(HttpMethod.Get, $"/api/audit/complaints/{id}/export", null, HttpStatusCode.Forbidden);
        await factory.As("analyst").ProblemAsync(HttpMethod.Get, "/api/audit/complaints/export", null, HttpStatusCode.Forbidden);
        var agentGraph = await TestHttp.Graph(factory.As("agent", "MIN-SANTE"), "query($id: ID!) { complaint(id: $id) { verification { valid } } }", new { id });
        Assert.Equal("FORBIDDEN", agentGraph.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("user_name = 'Agent:someone-else@MIN-SANTE'")]
    [InlineData("correlation_id = 'another-command'")]
    [InlineData("causation_id = 'another-cause'")]
    [InlineData("headers = jsonb_set(headers, '{commandId}', '\"another-command\"')")]
    [InlineData("headers = jsonb_set(headers, '{administration}', '\"MIN-JUSTICE\"')")]
    [InlineData("headers = headers - 'form'")]
    public async Task Who_acted_and_for_which_command_and_administration_are_sealed_an_edit_of_one_names_its_version(string edit)
    {
        var id = await ProcessedComplaintAsync();
        var auditor = factory.As("auditor");
        var before = JsonDocument.Parse(await (await auditor.ScenarioAsync(HttpMethod.Get, $"/api/audit/complaints/{id}/export", null, HttpStatusCode.OK)).ReadAsTextAsync()).RootElement;
        var acknowledged = before.GetProperty("events")[1];
        Assert.Equal(("idarati-event-v2", "MIN-SANTE"), (acknowledged.GetProperty("headers").GetProperty("form").GetString(), acknowledged.GetProperty("headers").GetProperty("administration").GetString()));
        Assert.StartsWith("Agent:", acknowledged.GetProperty("actor").GetString(), StringComparison.Ordinal);
        Assert.True(before.GetProperty("verification").GetProperty("valid").GetBoolean());

        await factory.ExecuteSqlAsync($"UPDATE {{s}}.mt_events SET {edit} WHERE stream_id = 'complaint-{id:N}' AND version = 2");
        var verified = await auditor.GetAsync($"/api/audit/complaints/{id}/verify", HttpStatusCode.OK);
        Assert.Equal((false, 2), (verified.GetProperty("valid").GetBoolean(), verified.GetProperty("firstInvalidVersion").GetInt32()));
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, await (await auditor.ScenarioAsync(HttpMethod.Get, $"/api/audit/complaints/{id}/export", null, HttpStatusCode.OK)).ReadAsTextAsync());
            var (broken, report) = await CheckerAsync(file);
            Assert.Equal(1, broken);
            Assert.Contains("first invalid version 2", report, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_administrations_histories_stream_as_ndjson_or_csv_with_their_count()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await ProcessedComplaintAsync("MIN-EDUCATION"));
        }

        var supervisor = factory.As("supervisor");
        await factory.WaitForProjectionsAsync();
        var page = await supervisor.GetAsync("/api/complaints?administrationId=MIN-EDUCATION&limit=200", HttpStatusCode.OK);
        Assert.True(ids.All(id => page.GetProperty("items").EnumerateArray().Any(r => r.GetProperty("id").GetGuid() == id)), page.ToString());

        var lines = await supervisor.GetTextAsync("/api/audit/complaints/export?administrationId=MIN-EDUCATION", "application/x-ndjson");
        Assert.Equal((HttpStatusCode.OK, "application/x-ndjson"), (lines.Status, lines.MediaType));
        var body = lines.Body;
        var histories = body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(histories.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), lines.Headers["X-Total-Count"].ToString());
        Assert.Superset(ids.ToHashSet(), histories.Select(h => h.GetProperty("complaintId").GetGuid()).ToHashSet());
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, body);
            var (code, output) = await CheckerAsync(file);
            Assert.True(code == 0, output);
        }
        finally
        {
            File.Delete(file);
        }

        var table = (await supervisor.GetTextAsync("/api/audit/complaints/export?administrationId=MIN-EDUCATION", "text/csv")).Body;
        Assert.StartsWith("complaintId,streamId,version,sequence,type", table, StringComparison.Ordinal);
        Assert.Equal(histories.Sum(h => h.GetProperty("events").GetArrayLength()), table.Split('\n').Skip(1).Count(l => l.Length > 0 && char.IsAsciiHexDigit(l[0])));
        // The JSON texts are quoted fields with their quotes doubled (RFC 4180).
        Assert.Contains(",\"{\"\"", table, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NotAcceptable, (await supervisor.GetTextAsync("/api/audit/complaints/export", "text/html")).Status);
        var badPeriod = await supervisor.ProblemAsync(HttpMethod.Get, "/api/audit/complaints/export?from=2026-01-02&to=2026-01-01", null, HttpStatusCode.BadRequest);
        Assert.True(badPeriod.GetProperty("errors").TryGetProperty("to", out _));
    }

    [Fact]
    public async Task Ten_thousand_histories_stream_in_bounded_memory()
    {
        // An HttpClient reading the body as it arrives (Alba buffers a scenario's response, which would hide buffering).
        await using var seeded = new ApiFactory { Settings = { ["ReferenceData:LoadDefaults"] = "false", ["RateLimits:ExportsPerClientPerMinute"] = "1000" } };
        await seeded.SeedAsync(SeedPlan.AtScale(0.05));

        var auditor = await seeded.ClientAsync("auditor");
        await seeded.WaitForProjectionsAsync(120);

        GC.Collect();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var peak = baseline;
        var started = Stopwatch.GetTimestamp();
        using var response = await auditor.GetAsync("/api/audit/complaints/export", HttpCompletionOption.ResponseHeadersRead);
        var expected = long.Parse(response.Headers.GetValues("X-Total-Count").Single(), System.Globalization.CultureInfo.InvariantCulture);
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        long histories = 0, bytes = 0;
        while (await reader.ReadLineAsync() is { } line)
        {
            histories++;
            bytes += line.Length + 1;
            if (histories % 1000 == 0)
            {
                // Live memory only (a full collection first): other test classes allocate in this process at the same
                // time, and their garbage says nothing about what the export holds.
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
            }
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Assert.True(histories >= 10_000, $"{histories} histories");
        Assert.Equal(expected, histories);
        // Streamed, not buffered: the live memory never grew by half the body (a buffered body would hold all of it,
        // and more as UTF-16 strings).
        var held = peak - baseline;
        Assert.True(held < bytes / 2, $"{held / 1024 / 1024} MB held while streaming {bytes / 1024 / 1024} MB");
        Console.WriteLine(System.FormattableString.Invariant($"export: {histories} histories, {bytes / 1024 / 1024} MB in {seconds:F1} s, at most {held / 1024 / 1024} MB above the baseline"));
    }
}
