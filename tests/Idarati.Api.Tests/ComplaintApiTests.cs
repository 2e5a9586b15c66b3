using System.Net;
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

    private async Task<(ScenarioCaller Citizen, JsonElement Submitted)> SubmitAsync(string administrationId = "MIN-SANTE", string subject = "citizen-1")
    {
        var citizen = factory.As("citizen", subject: subject);
        return (citizen, await citizen.PostAsync("/api/complaints", NewComplaint(administrationId), HttpStatusCode.Created));
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
        var agent = factory.As("agent", "MIN-SANTE");

        var acknowledged = await agent.PostAsync($"/api/complaints/{id}/acknowledge", null, HttpStatusCode.OK);
        Assert.Equal("acknowledged", acknowledged.GetProperty("status").GetString());
        var answered = await agent.PostAsync($"/api/complaints/{id}/answer", new { text = "Renfort d'équipe.", outcome = "partiallyFavourable" }, HttpStatusCode.OK);
        Assert.Equal("answered", answered.GetProperty("status").GetString());
        await citizen.PostAsync($"/api/complaints/{id}/feedback", new { satisfied = false, comment = "Toujours long." }, HttpStatusCode.OK);
        var reopened = await citizen.PostAsync($"/api/complaints/{id}/reopen", new { reason = "Rien n'a changé" }, HttpStatusCode.OK);
        Assert.Equal(1, reopened.GetProperty("reopenCount").GetInt32());
        await agent.PostAsync($"/api/complaints/{id}/answer", new { text = "Nouvel horaire.", outcome = "favourable" }, HttpStatusCode.OK);
        var closed = await agent.PostAsync($"/api/complaints/{id}/close", null, HttpStatusCode.OK);
        Assert.Equal("closed", closed.GetProperty("status").GetString());
        Assert.Equal(7, closed.GetProperty("version").GetInt64());

        var now = await agent.ScenarioAsync(HttpMethod.Get, $"/api/complaints/{id}", null, HttpStatusCode.OK);
        Assert.Equal("\"7\"", now.Context.Response.Headers.ETag.ToString());
        var atVersion2 = await agent.GetAsync($"/api/complaints/{id}?version=2", HttpStatusCode.OK);
        Assert.Equal("acknowledged", atVersion2.GetProperty("status").GetString());
        Assert.Equal(2, atVersion2.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Another_administrations_agent_sees_404_and_changes_nothing()
    {
        var (_, submitted) = await SubmitAsync();
        var id = submitted.GetProperty("id").GetGuid();
        var stranger = factory.As("agent", "MIN-EDUCATION");
        var before = await factory.CountEventsAsync();

        await stranger.ProblemAsync(HttpMethod.Get, $"/api/complaints/{id}", null, HttpStatusCode.NotFound);
        await stranger.ProblemAsync(HttpMethod.Post, $"/api/complaints/{id}/acknowledge", null, HttpStatusCode.NotFound);
        await stranger.ProblemAsync(HttpMethod.Get, $"/api/complaints/{id}/history", null, HttpStatusCode.NotFound);
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
        var anonymous = factory.As(null);

        var found = await anonymous.GetAsync($"/api/complaints/by-tracking/{tracking}?accessCode={code}", HttpStatusCode.OK);
        Assert.Equal("received", found.GetProperty("status").GetString());
        await anonymous.ProblemAsync(HttpMethod.Get, $"/api/complaints/by-tracking/{tracking}?accessCode=WRONG000", null, HttpStatusCode.NotFound);
        await anonymous.ProblemAsync(HttpMethod.Get, $"/api/complaints/by-tracking/CHK-2026-00000-00000?accessCode={code}", null, HttpStatusCode.NotFound);
        await anonymous.ProblemAsync(HttpMethod.Get, $"/api/complaints/by-tracking/{tracking}", null, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_stale_if_match_is_412_and_a_broken_rule_is_409_naming_it()
    {
        var (_, submitted) = await SubmitAsync();
        var id = submitted.GetProperty("id").GetGuid();
        var agent = factory.As("agent", "MIN-SANTE");

        var early = await agent.ProblemAsync(HttpMethod.Post, $"/api/complaints/{id}/answer", new { text = "x", outcome = "favourable" }, HttpStatusCode.Conflict);
        Assert.Equal("not-acknowledged", early.GetProperty("rule").GetString());

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
        Assert.Equal(2, (await agent.GetAsync($"/api/complaints/{id}", HttpStatusCode.OK)).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_first_result_and_appends_nothing()
    {
        var complaint = NewComplaint();
        Task<Alba.IScenarioResult> PostAsync() => factory.ScenarioAsync("citizen", s =>
        {
            s.Post.Json(complaint).ToUrl("/api/complaints");
            s.WithRequestHeader("Idempotency-Key", "submit-42");
            s.StatusCodeShouldBe(HttpStatusCode.Created);
        }, subject: "retrying-citizen");

        var first = await PostAsync();
        var before = await factory.CountEventsAsync();
        var again = await PostAsync();

        Assert.Equal(await first.ReadAsTextAsync(), await again.ReadAsTextAsync());
        Assert.Equal(before, await factory.CountEventsAsync());
    }

    [Fact]
    public async Task History_lists_every_event_and_the_chain_verifies_until_a_row_is_forged()
    {
        var (_, submitted) = await SubmitAsync();
        var id = submitted.GetProperty("id").GetGuid();
        var agent = factory.As("agent", "MIN-SANTE");
        await agent.PostAsync($"/api/complaints/{id}/acknowledge", null, HttpStatusCode.OK);
        await agent.PostAsync($"/api/complaints/{id}/request-information", new { question = "Quelle date ?" }, HttpStatusCode.OK);
        var auditor = factory.As("auditor");

        var history = await auditor.GetAsync($"/api/complaints/{id}/history", HttpStatusCode.OK);
        Assert.Equal(["complaint.submitted", "complaint.acknowledged", "complaint.information-requested"],
            history.EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        Assert.Equal([1L, 2, 3], history.EnumerateArray().Select(e => e.GetProperty("version").GetInt64()));
        Assert.All(history.EnumerateArray(), e => Assert.Equal(64, e.GetProperty("hash").GetString()!.Length));
        Assert.Equal("Quelle date ?", history[2].GetProperty("data").GetProperty("question").GetString());
        Assert.StartsWith("Agent:", history[1].GetProperty("actor").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("accessCode\"", history[0].GetProperty("data").GetRawText(), StringComparison.Ordinal);

        Assert.True((await auditor.GetAsync($"/api/audit/complaints/{id}/verify", HttpStatusCode.OK)).GetProperty("valid").GetBoolean());
        await factory.ExecuteSqlAsync($"UPDATE {{s}}.mt_events SET data = '{{\"question\":\"forged\"}}' WHERE stream_id = 'complaint-{id:N}' AND version = 3");
        var verdict = await auditor.GetAsync($"/api/audit/complaints/{id}/verify", HttpStatusCode.OK);
        Assert.False(verdict.GetProperty("valid").GetBoolean());
        Assert.Equal(3, verdict.GetProperty("firstInvalidVersion").GetInt64());
    }

    [Fact]
    public async Task A_transfer_hands_the_complaint_to_the_receiver_and_refuses_an_inactive_target()
    {
        var (_, submitted) = await SubmitAsync();
        var id = submitted.GetProperty("id").GetGuid();
        var sender = factory.As("agent", "MIN-SANTE");
        var receiver = factory.As("agent", "MIN-EDUCATION");

        var unknown = await sender.ProblemAsync(HttpMethod.Post, $"/api/complaints/{id}/transfer", new { toAdministrationId = "NOPE", reason = "r" }, HttpStatusCode.BadRequest);
        Assert.True(unknown.GetProperty("errors").TryGetProperty("toAdministrationId", out _));
        var moved = await sender.PostAsync($"/api/complaints/{id}/transfer", new { toAdministrationId = "MIN-EDUCATION", reason = "Compétence" }, HttpStatusCode.OK);
        Assert.Equal("MIN-EDUCATION", moved.GetProperty("administrationId").GetString());
        await sender.ProblemAsync(HttpMethod.Get, $"/api/complaints/{id}", null, HttpStatusCode.NotFound);
        await receiver.PostAsync($"/api/complaints/{id}/acknowledge", null, HttpStatusCode.OK);

        var admin = factory.As("admin");
        var registered = await admin.PostAsync("/api/administrations", new { id = "TMP-" + Guid.NewGuid().ToString("N")[..8], nameAr = "إدارة", nameFr = "Administration temporaire", kind = "publicEstablishment", region = "Oriental" }, HttpStatusCode.Created);
        var tmp = registered.GetProperty("id").GetString();
        await admin.PostAsync($"/api/administrations/{tmp}/deactivate", new { reason = "Fusion" }, HttpStatusCode.OK);
        var inactive = await receiver.ProblemAsync(HttpMethod.Post, $"/api/complaints/{id}/transfer", new { toAdministrationId = tmp, reason = "r" }, HttpStatusCode.Conflict);
        Assert.Equal("transfer-target-inactive", inactive.GetProperty("rule").GetString());
        var submitToInactive = await factory.As("citizen").ProblemAsync(HttpMethod.Post, "/api/complaints", NewComplaint(tmp!), HttpStatusCode.BadRequest);
        Assert.True(submitToInactive.GetProperty("errors").TryGetProperty("administrationId", out _));
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
        var before = await factory.CountEventsAsync();
        var problem = await factory.As("citizen").PostTextAsync("/api/complaints", body, HttpStatusCode.BadRequest, problem: true);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        Assert.Equal(before, await factory.CountEventsAsync());
    }

    [Fact]
    public async Task Unknown_references_over_long_texts_and_anonymous_complaints_are_400s()
    {
        var citizen = factory.As("citizen");
        var before = await factory.CountEventsAsync();
        async Task Expect(object request, string field)
        {
            var problem = await citizen.ProblemAsync(HttpMethod.Post, "/api/complaints", request, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        }

        await Expect(NewComplaint("NO-SUCH-ADMINISTRATION"), "administrationId");
        await Expect(MergeInto(NewComplaint(), "categoryCode", "NOPE"), "categoryCode");
        await Expect(MergeInto(NewComplaint(), "subject", new string('x', 201)), "subject");
        await Expect(MergeInto(NewComplaint(), "citizen", null), "citizen");
        await Expect(MergeInto(NewComplaint(), "citizen", new { fullName = "A", nationalId = "B", phone = "1", email = "not-an-email" }), "citizen.email");
        Assert.Equal(before, await factory.CountEventsAsync());

        var anonymousSuggestion = MergeInto(NewComplaint(kind: "suggestion"), "citizen", null);
        await citizen.PostAsync("/api/complaints", anonymousSuggestion, HttpStatusCode.Created);
    }

    [Fact]
    public async Task An_oversized_body_is_413_and_appends_nothing()
    {
        var before = await factory.CountEventsAsync();
        var huge = MergeInto(NewComplaint(), "description", new string('x', 100_000));
        await factory.As("citizen").PostTextAsync("/api/complaints", JsonSerializer.Serialize(huge), HttpStatusCode.RequestEntityTooLarge, problem: true);
        Assert.Equal(before, await factory.CountEventsAsync());
    }

    [Fact]
    public async Task Reference_data_is_served_with_arabic_and_french_labels()
    {
        var anonymous = factory.As(null);
        var administrations = await anonymous.GetAsync("/api/administrations", HttpStatusCode.OK);
        var sante = administrations.EnumerateArray().Single(a => a.GetProperty("id").GetString() == "MIN-SANTE");
        Assert.Equal("ministry", sante.GetProperty("kind").GetString());
        Assert.False(string.IsNullOrEmpty(sante.GetProperty("nameAr").GetString()));
        var categories = await anonymous.GetAsync("/api/categories", HttpStatusCode.OK);
        var health = categories.EnumerateArray().Single(c => c.GetProperty("code").GetString() == "HEALTH");
        Assert.Equal("Santé", health.GetProperty("label").GetProperty("fr").GetString());
        Assert.Contains(health.GetProperty("children").EnumerateArray(), c => c.GetProperty("code").GetString() == "HEALTH.WAIT");
        await factory.As("agent", "MIN-SANTE").PostAsync("/api/administrations", new { id = "X", nameAr = "x", nameFr = "x", kind = "ministry", region = "r" }, HttpStatusCode.Forbidden);
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
        await factory.As(null).PostAsync("/api/dev/tokens", new { role = "admin" }, HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, (await factory.As(null).GetTextAsync("/api/dev/tokens")).Status);
    }

    [Fact]
    public async Task Where_dev_tokens_exist_a_front_end_reads_their_roles_without_spending_a_guess()
    {
        // Five guesses a minute for this client: twenty reads later, a token can still be issued.
        await using var factory = new ApiFactory { Settings = { ["RateLimits:GuessesPerClientPerMinute"] = "5" } };
        for (var i = 0; i < 20; i++)
        {
            var roles = await factory.As(null).GetAsync("/api/dev/tokens", HttpStatusCode.OK);
            Assert.Contains("analyst", roles.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        }

        await factory.As(null).PostAsync("/api/dev/tokens", new { role = "analyst" }, HttpStatusCode.OK);
    }
}
