using Idarati.Tests;
using System.Net;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>/graphql over the real host: the same use cases, roles and read models as REST.</summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class GraphQLApiTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static Task<(HttpStatusCode Status, JsonElement Body)> Graph(ScenarioCaller caller, string query, object? variables = null) =>
        caller.GraphQLResponseAsync(query, variables);

    private const string Submit = """
        mutation ($input: SubmitComplaintInput!) { submitComplaint(input: $input) { id trackingNumber accessCode version errors { code field } } }
        """;

    private static object Input(string administration = "MIN-SANTE") => new
    {
        input = new
        {
            kind = "COMPLAINT", channel = "PORTAL", administrationId = administration, categoryCode = "HEALTH.WAIT", subject = "Attente",
            description = "Trois heures d'attente.", location = new { region = "Oriental", province = "Oujda-Angad", commune = "Oujda" },
            citizen = new { fullName = "Nadia Alaoui", nationalId = "Z123", phone = "0600000000", email = "nadia@example.ma" },
        },
    };

    [Fact]
    public async Task Instants_and_texts_read_over_graphql_are_spelled_as_rest_spells_them()
    {
        var citizen = factory.As("citizen", subject: "gql-spelling");
        var (_, submitted) = await Graph(citizen, Submit, Input());
        var id = submitted.GetProperty("data").GetProperty("submitComplaint").GetProperty("id").GetString()!;
        var agent = factory.As("agent", "MIN-SANTE");

        var rest = await agent.GetTextAsync($"/api/complaints/{id}");
        var graph = await agent.SendScenarioAsync(s => s.Post.Json(new { query = "query ($id: ID!) { complaint(id: $id) { submittedAt answerDue description } }", variables = new { id } }).ToUrl("/graphql"));
        var graphText = await graph.ReadAsTextAsync();

        var restView = JsonDocument.Parse(rest.Body).RootElement;
        foreach (var field in new[] { "submittedAt", "answerDue" })
        {
            // The same characters on the wire, not only the same instant once parsed.
            Assert.Contains($"\"{field}\":\"{restView.GetProperty(field).GetString()}\"", graphText, StringComparison.Ordinal);
            Assert.Contains($"\"{field}\":\"{restView.GetProperty(field).GetString()}\"", rest.Body, StringComparison.Ordinal);
        }

        Assert.Contains("\"description\":\"Trois heures d'attente.\"", graphText, StringComparison.Ordinal);
        Assert.Contains("\"description\":\"Trois heures d'attente.\"", rest.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", graphText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_citizen_submits_and_follows_a_complaint_and_agents_see_only_their_administration()
    {
        var citizen = factory.As("citizen", subject: "gql-citizen");
        var (status, submitted) = await Graph(citizen, Submit, Input());
        Assert.Equal(HttpStatusCode.OK, status);
        var payload = submitted.GetProperty("data").GetProperty("submitComplaint");
        var id = payload.GetProperty("id").GetString()!;
        Assert.StartsWith("CHK-", payload.GetProperty("trackingNumber").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, payload.GetProperty("version").GetInt32());

        var (_, mine) = await Graph(citizen, "query ($id: ID!) { complaint(id: $id) { id status kind administration { id nameFr kind } version } }", new { id });
        var complaint = mine.GetProperty("data").GetProperty("complaint");
        Assert.Equal(("RECEIVED", "COMPLAINT", "MIN-SANTE", "MINISTRY"), (complaint.GetProperty("status").GetString(), complaint.GetProperty("kind").GetString(),
            complaint.GetProperty("administration").GetProperty("id").GetString(), complaint.GetProperty("administration").GetProperty("kind").GetString()));

        var anonymous = factory.As(null);
        var (_, tracked) = await Graph(anonymous, "query ($t: String!, $c: String!) { complaintByTracking(trackingNumber: $t, accessCode: $c) { id } }",
            new { t = payload.GetProperty("trackingNumber").GetString(), c = payload.GetProperty("accessCode").GetString() });
        Assert.Equal(id, tracked.GetProperty("data").GetProperty("complaintByTracking").GetProperty("id").GetString());

        var stranger = factory.As("agent", "DGI");
        var (_, hidden) = await Graph(stranger, "query ($id: ID!) { complaint(id: $id) { id } }", new { id });
        Assert.Equal(JsonValueKind.Null, hidden.GetProperty("data").GetProperty("complaint").ValueKind);
        Assert.Equal("NOT_FOUND", hidden.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal("complaint", hidden.GetProperty("errors")[0].GetProperty("path")[0].GetString());

        var owner = factory.As("agent", "MIN-SANTE");
        await factory.WaitForProjectionsAsync();
        var (_, list) = await Graph(owner, "{ complaints(first: 200, administrationId: \"DGI\") { nodes { id administrationId administration { nameAr } } pageInfo { hasNextPage } position totalCount } }");

        var nodes = list.GetProperty("data").GetProperty("complaints").GetProperty("nodes").EnumerateArray().ToList();
        Assert.Contains(nodes, n => n.GetProperty("id").GetString() == id);
        Assert.All(nodes, n => Assert.Equal("MIN-SANTE", n.GetProperty("administrationId").GetString()));
        Assert.Equal(nodes.Count, list.GetProperty("data").GetProperty("complaints").GetProperty("totalCount").GetInt32());
        var (_, firstOnly) = await Graph(owner, "{ complaints(first: 1) { nodes { id } pageInfo { hasNextPage } totalCount } }");
        var onePage = firstOnly.GetProperty("data").GetProperty("complaints");
        Assert.Equal((1, nodes.Count), (onePage.GetProperty("nodes").GetArrayLength(), onePage.GetProperty("totalCount").GetInt32()));
        Assert.Equal(nodes.Count > 1, onePage.GetProperty("pageInfo").GetProperty("hasNextPage").GetBoolean());
        Assert.DoesNotContain("Nadia", list.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complaint_actions_are_mutations_whose_refusals_come_back_typed_in_the_payload()
    {
        var citizen = factory.As("citizen", subject: "gql-actions");
        var id = (await Graph(citizen, Submit, Input())).Body.GetProperty("data").GetProperty("submitComplaint").GetProperty("id").GetString()!;
        var agent = factory.As("agent", "MIN-SANTE");

        var (_, acknowledged) = await Graph(agent, "mutation ($id: ID!) { acknowledgeComplaint(input: { id: $id, expectedVersion: 1 }) { complaint { status version } errors { code } } }", new { id });
        var payload = acknowledged.GetProperty("data").GetProperty("acknowledgeComplaint");
        Assert.Equal(("ACKNOWLEDGED", 2, 0), (payload.GetProperty("complaint").GetProperty("status").GetString(), payload.GetProperty("complaint").GetProperty("version").GetInt32(),
            payload.GetProperty("errors").GetArrayLength()));

        async Task<JsonElement> Refused(ScenarioCaller client, string mutation, string field)
        {
            var (status, body) = await Graph(client, mutation, new { id });
            Assert.Equal(HttpStatusCode.OK, status);
            var result = body.GetProperty("data").GetProperty(field);
            Assert.Equal(JsonValueKind.Null, result.GetProperty("complaint").ValueKind);
            return result.GetProperty("errors")[0];
        }

        var stale = await Refused(agent, "mutation ($id: ID!) { answerComplaint(input: { id: $id, text: \"Oui\", outcome: FAVOURABLE, expectedVersion: 1 }) { complaint { id } errors { code } } }", "answerComplaint");
        Assert.Equal("PRECONDITION_FAILED", stale.GetProperty("code").GetString());
        var early = await Refused(agent, "mutation ($id: ID!) { closeComplaint(input: { id: $id }) { complaint { id } errors { code rule } } }", "closeComplaint");
        Assert.Equal(("RULE_VIOLATED", "not-processed"), (early.GetProperty("code").GetString(), early.GetProperty("rule").GetString()));
        var empty = await Refused(agent, "mutation ($id: ID!) { answerComplaint(input: { id: $id, text: \"  \", outcome: FAVOURABLE }) { complaint { id } errors { code field } } }", "answerComplaint");
        Assert.Equal(("BAD_USER_INPUT", "text"), (empty.GetProperty("code").GetString(), empty.GetProperty("field").GetString()));
        var feedback = await Refused(citizen, "mutation ($id: ID!) { giveComplaintFeedback(input: { id: $id, satisfied: true }) { complaint { id } errors { code rule } } }", "giveComplaintFeedback");
        Assert.Equal("not-answered", feedback.GetProperty("rule").GetString());

        var (_, answered) = await Graph(agent, "mutation ($id: ID!) { answerComplaint(input: { id: $id, text: \"Rendez-vous fixé.\", outcome: PARTIALLY_FAVOURABLE }) { complaint { status version } errors { code } } }", new { id });
        Assert.Equal("ANSWERED", answered.GetProperty("data").GetProperty("answerComplaint").GetProperty("complaint").GetProperty("status").GetString());

        var auditor = factory.As("auditor");
        var (_, audit) = await Graph(auditor, "query ($id: ID!) { complaint(id: $id) { history { version type recordedAt data } } }", new { id });
        var history = audit.GetProperty("data").GetProperty("complaint").GetProperty("history");
        Assert.Equal(["complaint.submitted", "complaint.acknowledged", "complaint.answered"], history.EnumerateArray().Select(e => e.GetProperty("type").GetString()));
        Assert.Contains("Rendez-vous", history[2].GetProperty("data").GetString(), StringComparison.Ordinal);
        var (_, past) = await Graph(auditor, "query ($id: ID!, $at: DateTime!) { complaint(id: $id) { status stateAsOf(at: $at) { status version } } }",
            new { id, at = history[0].GetProperty("recordedAt").GetString() });
        var then = past.GetProperty("data").GetProperty("complaint").GetProperty("stateAsOf");
        Assert.Equal(("RECEIVED", 1), (then.GetProperty("status").GetString(), then.GetProperty("version").GetInt32()));
        Assert.Equal("ANSWERED", past.GetProperty("data").GetProperty("complaint").GetProperty("status").GetString());

        var nowhere = await Refused(agent, "mutation ($id: ID!) { transferComplaint(input: { id: $id, toAdministrationId: \"NOWHERE\", reason: \"x\" }) { complaint { id } errors { code field } } }", "transferComplaint");
        Assert.Equal(("BAD_USER_INPUT", "toAdministrationId"), (nowhere.GetProperty("code").GetString(), nowhere.GetProperty("field").GetString()));
        var second = (await Graph(citizen, Submit, Input())).Body.GetProperty("data").GetProperty("submitComplaint").GetProperty("id").GetString()!;
        var (_, moved) = await Graph(agent, "mutation ($id: ID!) { transferComplaint(input: { id: $id, toAdministrationId: \"DGI\", reason: \"Compétence fiscale\" }) { complaint { administrationId status } errors { code } } }", new { id = second });
        Assert.Equal("DGI", moved.GetProperty("data").GetProperty("transferComplaint").GetProperty("complaint").GetProperty("administrationId").GetString());

        var (_, forbidden) = await Graph(citizen, "mutation ($id: ID!) { closeComplaint(input: { id: $id }) { complaint { id } } }", new { id });
        Assert.Equal("FORBIDDEN", forbidden.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Analysts_read_the_indicators_and_no_one_else_does()
    {
        const string Query = """
            query ($g: String) { indicators { report { sections { key figures { key value unit label { ar fr } } } position }
                                              processing(groupBy: $g) { groupBy rows { group received } total { received processed } position } } }
            """;
        var (_, answer) = await Graph(factory.As("analyst"), Query, new { g = "kind" });
        Assert.False(answer.TryGetProperty("errors", out _), answer.GetRawText());
        var indicators = answer.GetProperty("data").GetProperty("indicators");
        Assert.Equal(["complaints", "callCenter", "employment"], indicators.GetProperty("report").GetProperty("sections").EnumerateArray().Select(s => s.GetProperty("key").GetString()));
        Assert.Equal("Taux de traitement", indicators.GetProperty("report").GetProperty("sections")[0].GetProperty("figures")[2].GetProperty("label").GetProperty("fr").GetString());
        Assert.True(long.Parse(indicators.GetProperty("processing").GetProperty("position").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= 0);
        Assert.Equal("kind", indicators.GetProperty("processing").GetProperty("groupBy").GetString());

        var (_, bad) = await Graph(factory.As("analyst"), Query, new { g = "colour" });
        Assert.Equal("BAD_USER_INPUT", bad.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        var (_, agent) = await Graph(factory.As("agent", "MIN-SANTE"), Query, new { g = "kind" });
        Assert.Equal("FORBIDDEN", agent.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, agent.GetProperty("data").ValueKind);
    }

    [Fact]
    public async Task Refusals_are_graphql_errors_with_codes_and_nothing_is_written()
    {
        var before = await factory.CountEventsAsync();
        var (status, anonymous) = await Graph(factory.As(null), Submit, Input());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("UNAUTHENTICATED", anonymous.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());

        var analyst = factory.As("analyst");
        var (_, forbidden) = await Graph(analyst, "{ complaints { nodes { id } } }");
        Assert.Equal("FORBIDDEN", forbidden.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());

        var citizen = factory.As("citizen", subject: "gql-bad");
        // Bad input is the payload's error, as for every mutation; the submission's fields are null.
        var (_, unknown) = await Graph(citizen, Submit, Input("NOWHERE"));
        var payload = unknown.GetProperty("data").GetProperty("submitComplaint");
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("id").ValueKind);
        Assert.Equal("BAD_USER_INPUT", payload.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal("administrationId", payload.GetProperty("errors")[0].GetProperty("field").GetString());

        var (invalidStatus, invalid) = await Graph(citizen, "{ complaint { id } }");
        Assert.Equal(HttpStatusCode.BadRequest, invalidStatus);
        Assert.Equal("GRAPHQL_VALIDATION_FAILED", invalid.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal(before, await factory.CountEventsAsync());

        var schema = await factory.ScenarioAsync(null, s =>
        {
            s.Get.Url("/graphql/schema.graphql");
            s.StatusCodeShouldBe(HttpStatusCode.OK);
        });
        var sdl = await schema.ReadAsTextAsync();
        Assert.Contains("submitComplaint(input: SubmitComplaintInput!): SubmitComplaintPayload!", sdl, StringComparison.Ordinal);
        Assert.Contains("scalar DateTime @specifiedBy(url: \"https://www.rfc-editor.org/rfc/rfc3339\")", sdl, StringComparison.Ordinal);
    }
}
