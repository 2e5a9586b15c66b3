using System.Net;
using System.Net.Http.Json;
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

    private static HttpRequestMessage Post(string path, object body, string key) => new(HttpMethod.Post, path)
    {
        Content = JsonContent.Create(body),
        Headers = { { "Idempotency-Key", key } },
    };

    private static async Task<JsonElement> GraphWithKey(HttpClient client, string key, string query, object? variables = null)
    {
        using var request = Post("/graphql", new { query, variables }, key);
        using var response = await client.SendAsync(request);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task A_key_is_scoped_to_the_route_template_not_the_raw_path()
    {
        var citizen = await factory.ClientAsync("citizen", subject: "idem-paths");
        var key = Guid.NewGuid().ToString();
        var first = await TestHttp.Json(await citizen.SendAsync(Post("/api/complaints", TestHttp.Complaint(), key)), HttpStatusCode.Created);
        var before = await factory.CountEventsAsync();
        foreach (var path in new[] { "/api/complaints/", "/API/Complaints", "/api/COMPLAINTS/" })
        {
            var again = await TestHttp.Json(await citizen.SendAsync(Post(path, TestHttp.Complaint(), key)), HttpStatusCode.Created);
            Assert.Equal(first.GetRawText(), again.GetRawText());
        }

        Assert.Equal(before, await factory.CountEventsAsync());
        var someoneElse = await factory.ClientAsync("citizen", subject: "idem-paths-other");
        var theirs = await TestHttp.Json(await someoneElse.SendAsync(Post("/api/complaints", TestHttp.Complaint(), key)), HttpStatusCode.Created);
        Assert.NotEqual(first.GetProperty("id").GetGuid(), theirs.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task The_same_key_with_another_request_is_422_naming_the_key_and_appends_nothing()
    {
        var citizen = await factory.ClientAsync("citizen", subject: "idem-body");
        var key = Guid.NewGuid().ToString();
        var id = (await TestHttp.Json(await citizen.SendAsync(Post("/api/complaints", TestHttp.Complaint(), key)), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var before = await factory.CountEventsAsync();
        var other = TestHttp.Complaint();
        other["subject"] = "Un autre objet";
        var refused = await TestHttp.Json(await citizen.SendAsync(Post("/api/complaints", other, key)), HttpStatusCode.UnprocessableEntity);
        Assert.True(refused.GetProperty("errors").TryGetProperty("Idempotency-Key", out _), refused.ToString());
        Assert.Equal(before, await factory.CountEventsAsync());

        // An action with one key on two complaints: the second is another request.
        var second = (await TestHttp.Json(await citizen.PostAsJsonAsync("/api/complaints", TestHttp.Complaint()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var agent = await factory.ClientAsync("agent", "MIN-SANTE");
        await TestHttp.Json(await agent.PostAsync($"/api/complaints/{id}/acknowledge", null), HttpStatusCode.OK);
        await TestHttp.Json(await agent.PostAsync($"/api/complaints/{second}/acknowledge", null), HttpStatusCode.OK);
        var beforeActions = await factory.CountEventsAsync();
        var actionKey = Guid.NewGuid().ToString();
        await TestHttp.Json(await agent.SendAsync(Post($"/api/complaints/{id}/request-information", new { question = "Quand ?" }, actionKey)), HttpStatusCode.OK);
        await TestHttp.Json(await agent.SendAsync(Post($"/api/complaints/{second}/request-information", new { question = "Quand ?" }, actionKey)), HttpStatusCode.UnprocessableEntity);
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
        var agent = await factory.ClientAsync("agent", "CENTRE-3737");
        var key = Guid.NewGuid().ToString();
        var ticket = await GraphWithKey(agent, key, "mutation { openTicket(input: { channel: PHONE, categoryCode: \"PROCEDURES\", topic: \"Passeport\", language: FRENCH }) { ticket { id } errors { code } } }");
        Assert.Empty(ticket.GetProperty("data").GetProperty("openTicket").GetProperty("errors").EnumerateArray());
        var complaint = await GraphWithKey(agent, key, """
            mutation { submitComplaint(input: { kind: SUGGESTION, channel: PORTAL, administrationId: "MIN-SANTE", categoryCode: "HEALTH.WAIT", subject: "Objet", description: "Texte",
              location: { region: "Oriental", province: "Oujda-Angad", commune: "Oujda" } }) { id trackingNumber } }
            """);
        Assert.False(complaint.TryGetProperty("errors", out var errors), errors.ToString());
        Assert.NotNull(complaint.GetProperty("data").GetProperty("submitComplaint").GetProperty("trackingNumber").GetString());

        var citizen = await factory.ClientAsync("citizen", subject: "idem-graph");
        var id = (await TestHttp.Json(await citizen.PostAsJsonAsync("/api/complaints", TestHttp.Complaint()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var staff = await factory.ClientAsync("agent", "MIN-SANTE");
        await TestHttp.Json(await staff.PostAsync($"/api/complaints/{id}/acknowledge", null), HttpStatusCode.OK);
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
        var citizen = await factory.ClientAsync("citizen", subject: "idem-race");
        var sameCitizen = await otherNode.ClientAsync("citizen", subject: "idem-race");
        var key = Guid.NewGuid().ToString();
        var before = await factory.CountEventsAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => (i % 2 == 0 ? citizen : sameCitizen).SendAsync(Post("/api/complaints", TestHttp.Complaint(), key))));
        var created = new List<string>();
        foreach (var response in responses)
        {
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == HttpStatusCode.Created)
            {
                created.Add(body);
                continue;
            }

            Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"{(int)response.StatusCode}: {body}");
            Assert.Equal("/problems/idempotency-key-in-use", JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());
            Assert.NotNull(response.Headers.RetryAfter);
        }

        Assert.NotEmpty(created);
        Assert.Single(created.Distinct());
        Assert.Contains("accessCode", created[0], StringComparison.Ordinal);
        Assert.Equal(before + 1, await factory.CountEventsAsync());
        var retry = await citizen.SendAsync(Post("/api/complaints", TestHttp.Complaint(), key));
        Assert.Equal(created[0], await retry.Content.ReadAsStringAsync());
    }
}
