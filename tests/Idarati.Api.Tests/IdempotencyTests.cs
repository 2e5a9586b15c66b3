using System.Net;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>
/// Idempotency-Key as draft-ietf-httpapi-idempotency-key-header has it: scoped to the caller and the operation (route
/// template or GraphQL mutation), honoured by every command, refused with 422 for another request, and never a
/// business-rule error for a retry that races its first request.
/// </summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class IdempotencyTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static Task<JsonElement> GraphWithKey(ScenarioCaller caller, string key, string query, object? variables = null) =>
        caller.WithIdempotencyKey(key).GraphQLAsync(query, variables);

    [Fact]
    public async Task A_key_is_scoped_to_the_route_template_not_the_raw_path()
    {
        var citizen = factory.As("citizen", subject: "idem-paths");
        var key = Guid.NewGuid().ToString();
        var first = await citizen.WithIdempotencyKey(key).PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created);
        var before = await factory.CountEventsAsync();
        foreach (var path in new[] { "/api/complaints/", "/API/Complaints", "/api/COMPLAINTS/" })
        {
            var again = await citizen.WithIdempotencyKey(key).PostAsync(path, TestHttp.Complaint(), HttpStatusCode.Created);
            Assert.Equal(first.GetRawText(), again.GetRawText());
        }

        Assert.Equal(before, await factory.CountEventsAsync());
        var someoneElse = factory.As("citizen", subject: "idem-paths-other");
        var theirs = await someoneElse.WithIdempotencyKey(key).PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created);
        Assert.NotEqual(first.GetProperty("id").GetGuid(), theirs.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task The_same_key_with_another_request_is_422_naming_the_key_and_appends_nothing()
    {
        var citizen = factory.As("citizen", subject: "idem-body");
        var key = Guid.NewGuid().ToString();
        var id = (await citizen.WithIdempotencyKey(key).PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var before = await factory.CountEventsAsync();
        var other = TestHttp.Complaint();
        other["subject"] = "Un autre objet";
        var refused = await citizen.WithIdempotencyKey(key).PostAsync("/api/complaints", other, HttpStatusCode.UnprocessableEntity);
        Assert.True(refused.GetProperty("errors").TryGetProperty("Idempotency-Key", out _), refused.ToString());
        Assert.Equal(before, await factory.CountEventsAsync());

        // An action with one key on two complaints: the second is another request.
        var second = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var agent = factory.As("agent", "MIN-SANTE");
        await agent.PostAsync($"/api/complaints/{id}/acknowledge", null, HttpStatusCode.OK);
        await agent.PostAsync($"/api/complaints/{second}/acknowledge", null, HttpStatusCode.OK);
        var beforeActions = await factory.CountEventsAsync();
        var actionKey = Guid.NewGuid().ToString();
        await agent.WithIdempotencyKey(actionKey).PostAsync($"/api/complaints/{id}/request-information", new { question = "Quand ?" }, HttpStatusCode.OK);
        await agent.WithIdempotencyKey(actionKey).PostAsync($"/api/complaints/{second}/request-information", new { question = "Quand ?" }, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(beforeActions + 1, await factory.CountEventsAsync());

        const string Ask = "mutation($id: ID!, $q: String!) { requestComplaintInformation(input: { id: $id, question: $q }) { errors { code field } } }";
        var graphKey = Guid.NewGuid().ToString();
        var asked = await GraphWithKey(agent, graphKey, Ask, new { id = second, q = "Où ?" });
        Assert.Empty(asked.GetProperty("data").GetProperty("requestComplaintInformation").GetProperty("errors").EnumerateArray());
        var graph = await GraphWithKey(agent, graphKey, Ask, new { id = second, q = "Quand ?" });
        var error = graph.GetProperty("data").GetProperty("requestComplaintInformation").GetProperty("errors")[0];
        Assert.Equal(("IDEMPOTENCY_KEY_REUSED", "Idempotency-Key"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString()));
    }

    [Fact]
    public async Task Graphql_mutations_have_key_spaces_of_their_own_and_actions_honour_the_key()
    {
        var agent = factory.As("agent", "CENTRE-3737");
        var key = Guid.NewGuid().ToString();
        var ticket = await GraphWithKey(agent, key, "mutation { openTicket(input: { channel: PHONE, categoryCode: \"PROCEDURES\", topic: \"Passeport\", language: FRENCH }) { ticket { id } errors { code } } }");
        Assert.Empty(ticket.GetProperty("data").GetProperty("openTicket").GetProperty("errors").EnumerateArray());
        var complaint = await GraphWithKey(agent, key, """
            mutation { submitComplaint(input: { kind: SUGGESTION, channel: PORTAL, administrationId: "MIN-SANTE", categoryCode: "HEALTH.WAIT", subject: "Objet", description: "Texte",
              location: { region: "Oriental", province: "Oujda-Angad", commune: "Oujda" } }) { id trackingNumber } }
            """);
        Assert.False(complaint.TryGetProperty("errors", out var errors), errors.ToString());
        Assert.NotNull(complaint.GetProperty("data").GetProperty("submitComplaint").GetProperty("trackingNumber").GetString());

        var citizen = factory.As("citizen", subject: "idem-graph");
        var id = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var staff = factory.As("agent", "MIN-SANTE");
        await staff.PostAsync($"/api/complaints/{id}/acknowledge", null, HttpStatusCode.OK);
        var actionKey = Guid.NewGuid().ToString();
        const string Ask = "mutation($id: ID!) { requestComplaintInformation(input: { id: $id, question: \"Quel service ?\" }) { complaint { version } errors { code } } }";
        var first = await GraphWithKey(staff, actionKey, Ask, new { id });
        var before = await factory.CountEventsAsync();
        var again = await GraphWithKey(staff, actionKey, Ask, new { id });
        Assert.Equal(first.GetRawText(), again.GetRawText());
        Assert.Equal(3, again.GetProperty("data").GetProperty("requestComplaintInformation").GetProperty("complaint").GetProperty("version").GetInt32());
        Assert.Equal(before, await factory.CountEventsAsync());
    }

    [Fact]
    public async Task Fifty_racing_retries_on_two_nodes_get_the_first_result_or_key_in_use_never_a_rule_violation()
    {
        await using var otherNode = new ApiFactory { Schema = factory.Schema };
        var citizen = factory.As("citizen", subject: "idem-race");
        var sameCitizen = otherNode.As("citizen", subject: "idem-race");
        var key = Guid.NewGuid().ToString();
        var before = await factory.CountEventsAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            var result = await (i % 2 == 0 ? citizen : sameCitizen).WithIdempotencyKey(key).SendScenarioAsync(s =>
            {
                s.Post.Json(TestHttp.Complaint()).ToUrl("/api/complaints");
                s.IgnoreStatusCode();
            });
            return (Status: (HttpStatusCode)result.Context.Response.StatusCode, RetryAfter: result.Context.Response.Headers.RetryAfter.ToString(), Body: await result.ReadAsTextAsync());
        }));
        var created = new List<string>();
        foreach (var (status, retryAfter, body) in answers)
        {
            if (status == HttpStatusCode.Created)
            {
                created.Add(body);
                continue;
            }

            Assert.True(status == HttpStatusCode.Conflict, $"{(int)status}: {body}");
            Assert.Equal("/problems/idempotency-key-in-use", JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());
            Assert.False(string.IsNullOrEmpty(retryAfter), body);
        }

        Assert.NotEmpty(created);
        Assert.Single(created.Distinct());
        Assert.Contains("accessCode", created[0], StringComparison.Ordinal);
        Assert.Equal(before + 1, await factory.CountEventsAsync());
        var retry = await citizen.WithIdempotencyKey(key).ScenarioAsync(HttpMethod.Post, "/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created);
        Assert.Equal(created[0], await retry.ReadAsTextAsync());
    }
}
