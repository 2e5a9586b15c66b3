using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

using static Idarati.Api.Tests.TestHttp;

namespace Idarati.Api.Tests;

[Collection(ApiWithReferenceData.Collection)]
public sealed class ComplaintApiTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static Dictionary<string, object?> NewComplaint(string administrationId = "MIN-SANTE", string kind = "complaint") => Complaint(administrationId, kind: kind);

    private async Task<(HttpClient Citizen, JsonElement Submitted)> SubmitAsync(string administrationId = "MIN-SANTE", string subject = "citizen-1")
    {
        var citizen = await factory.ClientAsync("citizen", subject: subject);
        var response = await citizen.PostAsJsonAsync("/api/complaints", NewComplaint(administrationId));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (citizen, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static async Task<JsonElement> OkJson(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    private static async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement;
    }

    [Fact]
    public async Task A_citizen_submits_and_gets_a_tracking_number_an_access_code_and_a_location()
    {
        var result = await factory.ScenarioAsync("citizen", s =>
        {
            s.Post.Json(NewComplaint()).ToUrl("/api/complaints");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
        });

        var body = await result.ReadAsJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetGuid();
        Assert.Matches("^CHK-\\d{4}-[0-9A-Z]{5}-[0-9A-Z]{5}$", body.GetProperty("trackingNumber").GetString());
        Assert.Equal(8, body.GetProperty("accessCode").GetString()!.Length);
        Assert.Equal(1, body.GetProperty("version").GetInt64());
        Assert.Equal($"/api/complaints/{id}", result.Context.Response.Headers.Location.ToString());
        Assert.Equal("\"1\"", result.Context.Response.Headers.ETag.ToString());
    }

    [Fact]
    public async Task The_whole_lifecycle_runs_over_rest_with_versions_in_etags()
    {
        var (citizen, submitted) = await SubmitAsync();
        var id = submitted.GetProperty("id").GetGuid();
        var agent = await factory.ClientAsync("agent", "MIN-SANTE");

        var acknowledged = await OkJson(await agent.PostAsync($"/api/complaints/{id}/acknowledge", null));
        Assert.Equal("acknowledged", acknowledged.GetProperty("status").GetString());
        var answered = await OkJson(await agent.PostAsJsonAsync($"/api/complaints/{id}/answer", new { text = "Renfort d'équipe.", outcome = "partiallyFavourable" }));
        Assert.Equal("answered", answered.GetProperty("status").GetString());
        await OkJson(await citizen.PostAsJsonAsync($"/api/complaints/{id}/feedback", new { satisfied = false, comment = "Toujours long." }));
        var reopened = await OkJson(await citizen.PostAsJsonAsync($"/api/complaints/{id}/reopen", new { reason = "Rien n'a changé" }));
        Assert.Equal(1, reopened.GetProperty("reopenCount").GetInt32());
        await OkJson(await agent.PostAsJsonAsync($"/api/complaints/{id}/answer", new { text = "Nouvel horaire.", outcome = "favourable" }));
        var closed = await OkJson(await agent.PostAsync($"/api/complaints/{id}/close", null));
        Assert.Equal("closed", closed.GetProperty("status").GetString());
        Assert.Equal(7, closed.GetProperty("version").GetInt64());

        var now = await agent.GetAsync($"/api/complaints/{id}");
        Assert.Equal("\"7\"", now.Headers.ETag!.Tag);
        var atVersion2 = await OkJson(await agent.GetAsync($"/api/complaints/{id}?version=2"));
        Assert.Equal("acknowledged", atVersion2.GetProperty("status").GetString());
        Assert.Equal(2, atVersion2.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Another_administrations_agent_sees_404_and_changes_nothing()
    {
        var (_, submitted) = await SubmitAsync();
        var id = submitted.GetProperty("id").GetGuid();
        var stranger = await factory.ClientAsync("agent", "MIN-EDUCATION");
        var before = await factory.CountEventsAsync();

        await Problem(await stranger.GetAsync($"/api/complaints/{id}"), HttpStatusCode.NotFound);
        await Problem(await stranger.PostAsync($"/api/complaints/{id}/acknowledge", null), HttpStatusCode.NotFound);
        await Problem(await stranger.GetAsync($"/api/complaints/{id}/history"), HttpStatusCode.NotFound);
        Assert.Equal(before, await factory.CountEventsAsync());
    }

    [Fact]
    public async Task Roles_bound_every_route()
    {
        var (_, submitted) = await SubmitAsync();
        var id = submitted.GetProperty("id").GetGuid();

        // Each route as an Alba scenario: who calls, what, and the status it must answer.
        Task Expect(string? role, HttpStatusCode status, Action<Alba.Scenario> request, string? subject = null) =>
            factory.ScenarioAsync(role, s =>
            {
                request(s);
                s.StatusCodeShouldBe(status);
            }, subject: subject);

        await Expect(null, HttpStatusCode.Unauthorized, s => s.Get.Url($"/api/complaints/{id}"));
        await Expect(null, HttpStatusCode.Unauthorized, s => s.Post.Json(NewComplaint()).ToUrl("/api/complaints"));
        await Expect("analyst", HttpStatusCode.Forbidden, s => s.Get.Url($"/api/complaints/{id}"));
        await Expect("analyst", HttpStatusCode.Forbidden, s => s.Get.Url($"/api/complaints/{id}/history"));
        await Expect("admin", HttpStatusCode.Forbidden, s => s.Get.Url($"/api/complaints/{id}"));
        await Expect("auditor", HttpStatusCode.Forbidden, s => s.Post.Url($"/api/complaints/{id}/acknowledge"));
        await Expect("auditor", HttpStatusCode.Forbidden, s => s.Post.Json(NewComplaint()).ToUrl("/api/complaints"));
        await Expect("auditor", HttpStatusCode.OK, s => s.Get.Url($"/api/complaints/{id}"));
        await Expect("auditor", HttpStatusCode.OK, s => s.Get.Url($"/api/audit/complaints/{id}/verify"));
        await Expect("citizen", HttpStatusCode.NotFound, s => s.Get.Url($"/api/complaints/{id}"), subject: "someone-else");
    }

    [Fact]
    public async Task A_citizen_follows_with_tracking_number_and_access_code_only()
    {
        var (_, submitted) = await SubmitAsync();
        var tracking = submitted.GetProperty("trackingNumber").GetString();
        var code = submitted.GetProperty("accessCode").GetString();
        var anonymous = await factory.ClientAsync(null);

        var found = await OkJson(await anonymous.GetAsync($"/api/complaints/by-tracking/{tracking}?accessCode={code}"));
        Assert.Equal("received", found.GetProperty("status").GetString());
        await Problem(await anonymous.GetAsync($"/api/complaints/by-tracking/{tracking}?accessCode=WRONG000"), HttpStatusCode.NotFound);
        await Problem(await anonymous.GetAsync($"/api/complaints/by-tracking/CHK-2026-00000-00000?accessCode={code}"), HttpStatusCode.NotFound);
        await Problem(await anonymous.GetAsync($"/api/complaints/by-tracking/{tracking}"), HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_stale_if_match_is_412_and_a_broken_rule_is_409_naming_it()
    {
        var (_, submitted) = await SubmitAsync();
        var id = submitted.GetProperty("id").GetGuid();
        var agent = await factory.ClientAsync("agent", "MIN-SANTE");

        var early = await agent.PostAsJsonAsync($"/api/complaints/{id}/answer", new { text = "x", outcome = "favourable" });
        Assert.Equal("not-acknowledged", (await Problem(early, HttpStatusCode.Conflict)).GetProperty("rule").GetString());

        await factory.ScenarioAsync("agent", s =>
        {
            s.Post.Url($"/api/complaints/{id}/acknowledge");
            s.WithRequestHeader("If-Match", "\"1\"");
            s.StatusCodeShouldBe(HttpStatusCode.OK);
        }, "MIN-SANTE");

        var stale = await factory.ScenarioAsync("agent", s =>
        {
            s.Post.Json(new { text = "x", outcome = "favourable" }).ToUrl($"/api/complaints/{id}/answer");
            s.WithRequestHeader("If-Match", "\"1\"");
            s.StatusCodeShouldBe(HttpStatusCode.PreconditionFailed);
        }, "MIN-SANTE");
        Assert.Equal("application/problem+json", stale.Context.Response.ContentType);
        Assert.Equal(2, (await stale.ReadAsJsonAsync<JsonElement>()).GetProperty("currentVersion").GetInt64());
        Assert.Equal(2, (await OkJson(await agent.GetAsync($"/api/complaints/{id}"))).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_first_result_and_appends_nothing()
    {
        var citizen = await factory.ClientAsync("citizen", subject: "retrying-citizen");
        HttpRequestMessage Post() => new(HttpMethod.Post, "/api/complaints")
        {
            Content = JsonContent.Create(NewComplaint()),
            Headers = { { "Idempotency-Key", "submit-42" } },
        };

        var first = await citizen.SendAsync(Post());
        var before = await factory.CountEventsAsync();
        var again = await citizen.SendAsync(Post());

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal(before, await factory.CountEventsAsync());
    }

    [Fact]
    public async Task History_lists_every_event_and_the_chain_verifies_until_a_row_is_forged()
    {
        var (_, submitted) = await SubmitAsync();
        var id = submitted.GetProperty("id").GetGuid();
        var agent = await factory.ClientAsync("agent", "MIN-SANTE");
        await OkJson(await agent.PostAsync($"/api/complaints/{id}/acknowledge", null));
        await OkJson(await agent.PostAsJsonAsync($"/api/complaints/{id}/request-information", new { question = "Quelle date ?" }));
        var auditor = await factory.ClientAsync("auditor");

        var history = await OkJson(await auditor.GetAsync($"/api/complaints/{id}/history"));
        Assert.Equal(["complaint.submitted", "complaint.acknowledged", "complaint.information-requested"],
            history.EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        Assert.Equal([1L, 2, 3], history.EnumerateArray().Select(e => e.GetProperty("version").GetInt64()));
        Assert.All(history.EnumerateArray(), e => Assert.Equal(64, e.GetProperty("hash").GetString()!.Length));
        Assert.Equal("Quelle date ?", history[2].GetProperty("data").GetProperty("question").GetString());
        Assert.StartsWith("Agent:", history[1].GetProperty("actor").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("accessCode\"", history[0].GetProperty("data").GetRawText(), StringComparison.Ordinal);

        Assert.True((await OkJson(await auditor.GetAsync($"/api/audit/complaints/{id}/verify"))).GetProperty("valid").GetBoolean());
        await factory.ExecuteSqlAsync($"UPDATE {{s}}.mt_events SET data = '{{\"question\":\"forged\"}}' WHERE stream_id = 'complaint-{id:N}' AND version = 3");
        var verdict = await OkJson(await auditor.GetAsync($"/api/audit/complaints/{id}/verify"));
        Assert.False(verdict.GetProperty("valid").GetBoolean());
        Assert.Equal(3, verdict.GetProperty("firstInvalidVersion").GetInt64());
    }

    [Fact]
    public async Task A_transfer_hands_the_complaint_to_the_receiver_and_refuses_an_inactive_target()
    {
        var (_, submitted) = await SubmitAsync();
        var id = submitted.GetProperty("id").GetGuid();
        var sender = await factory.ClientAsync("agent", "MIN-SANTE");
        var receiver = await factory.ClientAsync("agent", "MIN-EDUCATION");

        var unknown = await Problem(await sender.PostAsJsonAsync($"/api/complaints/{id}/transfer", new { toAdministrationId = "NOPE", reason = "r" }), HttpStatusCode.BadRequest);
        Assert.True(unknown.GetProperty("errors").TryGetProperty("toAdministrationId", out _));
        var moved = await OkJson(await sender.PostAsJsonAsync($"/api/complaints/{id}/transfer", new { toAdministrationId = "MIN-EDUCATION", reason = "Compétence" }));
        Assert.Equal("MIN-EDUCATION", moved.GetProperty("administrationId").GetString());
        await Problem(await sender.GetAsync($"/api/complaints/{id}"), HttpStatusCode.NotFound);
        await OkJson(await receiver.PostAsync($"/api/complaints/{id}/acknowledge", null));

        var admin = await factory.ClientAsync("admin");
        var registered = await admin.PostAsJsonAsync("/api/administrations", new { id = "TMP-" + Guid.NewGuid().ToString("N")[..8], nameAr = "إدارة", nameFr = "Administration temporaire", kind = "publicEstablishment", region = "Oriental" });
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        var tmp = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await OkJson(await admin.PostAsJsonAsync($"/api/administrations/{tmp}/deactivate", new { reason = "Fusion" }));
        var inactive = await receiver.PostAsJsonAsync($"/api/complaints/{id}/transfer", new { toAdministrationId = tmp, reason = "r" });
        Assert.Equal("transfer-target-inactive", (await Problem(inactive, HttpStatusCode.Conflict)).GetProperty("rule").GetString());
        var submitToInactive = await (await factory.ClientAsync("citizen")).PostAsJsonAsync("/api/complaints", NewComplaint(tmp!));
        Assert.True((await Problem(submitToInactive, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("administrationId", out _));
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "{ not json", "body" },
        { """{"kind": 42}""", "kind" },
        { """{"kind": "grievance"}""", "kind" },
        { """{"kind": "complaint", "channel": "portal", "location": {"region": ["x"]}}""", "location.region" },
        { "{}", "kind" },
        { "{}", "administrationId" },
        { "{}", "location" },
        { "null", "body" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_input_is_a_400_naming_the_field_and_appends_nothing(string body, string field)
    {
        var citizen = await factory.ClientAsync("citizen");
        var before = await factory.CountEventsAsync();
        var response = await citizen.PostAsync("/api/complaints", new StringContent(body, Encoding.UTF8, "application/json"));
        var problem = await Problem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        Assert.Equal(before, await factory.CountEventsAsync());
    }

    [Fact]
    public async Task Unknown_references_over_long_texts_and_anonymous_complaints_are_400s()
    {
        var citizen = await factory.ClientAsync("citizen");
        var before = await factory.CountEventsAsync();
        async Task Expect(object request, string field)
        {
            var problem = await Problem(await citizen.PostAsJsonAsync("/api/complaints", request), HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        }

        await Expect(NewComplaint("NO-SUCH-ADMINISTRATION"), "administrationId");
        await Expect(MergeInto(NewComplaint(), "categoryCode", "NOPE"), "categoryCode");
        await Expect(MergeInto(NewComplaint(), "subject", new string('x', 201)), "subject");
        await Expect(MergeInto(NewComplaint(), "citizen", null), "citizen");
        await Expect(MergeInto(NewComplaint(), "citizen", new { fullName = "A", nationalId = "B", phone = "1", email = "not-an-email" }), "citizen.email");
        Assert.Equal(before, await factory.CountEventsAsync());

        var anonymousSuggestion = MergeInto(NewComplaint(kind: "suggestion"), "citizen", null);
        Assert.Equal(HttpStatusCode.Created, (await citizen.PostAsJsonAsync("/api/complaints", anonymousSuggestion)).StatusCode);
    }

    [Fact]
    public async Task An_oversized_body_is_413_and_appends_nothing()
    {
        var citizen = await factory.ClientAsync("citizen");
        var before = await factory.CountEventsAsync();
        var huge = MergeInto(NewComplaint(), "description", new string('x', 100_000));
        var response = await citizen.PostAsync("/api/complaints", new StringContent(JsonSerializer.Serialize(huge), Encoding.UTF8, "application/json"));
        await Problem(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await factory.CountEventsAsync());
    }

    [Fact]
    public async Task Reference_data_is_served_with_arabic_and_french_labels()
    {
        var anonymous = await factory.ClientAsync(null);
        var administrations = await OkJson(await anonymous.GetAsync("/api/administrations"));
        var sante = administrations.EnumerateArray().Single(a => a.GetProperty("id").GetString() == "MIN-SANTE");
        Assert.Equal("ministry", sante.GetProperty("kind").GetString());
        Assert.False(string.IsNullOrEmpty(sante.GetProperty("nameAr").GetString()));
        var categories = await OkJson(await anonymous.GetAsync("/api/categories"));
        var health = categories.EnumerateArray().Single(c => c.GetProperty("code").GetString() == "HEALTH");
        Assert.Equal("Santé", health.GetProperty("label").GetProperty("fr").GetString());
        Assert.Contains(health.GetProperty("children").EnumerateArray(), c => c.GetProperty("code").GetString() == "HEALTH.WAIT");
        var agent = await factory.ClientAsync("agent", "MIN-SANTE");
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync("/api/administrations", new { id = "X", nameAr = "x", nameFr = "x", kind = "ministry", region = "r" })).StatusCode);
    }

    private static Dictionary<string, object?> MergeInto(object source, string key, object? value)
    {
        var dictionary = JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(source))!;
        dictionary[key] = value;
        return dictionary;
    }
}

public sealed class DevTokenTests
{
    [Fact]
    public async Task Dev_tokens_do_not_exist_outside_development_without_the_setting()
    {
        await using var factory = new ApiFactory { DevTokens = false };
        var client = factory.CreateClient();
        var response = await client.PostAsJsonAsync("/api/dev/tokens", new { role = "admin" });
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
