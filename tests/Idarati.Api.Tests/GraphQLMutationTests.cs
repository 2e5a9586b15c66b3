using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>The call-centre and employment mutations: the REST commands' rules and checks, answered as payloads.</summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class GraphQLMutationTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static Task<JsonElement> Graph(ScenarioCaller caller, string query, object? variables = null) => TestHttp.Graph(caller, query, variables);

    /// <summary>The payload of a mutation that must have succeeded: its state field.</summary>
    private static JsonElement Done(JsonElement body, string mutation, string field)
    {
        Assert.False(body.TryGetProperty("errors", out _), body.GetRawText());
        var payload = body.GetProperty("data").GetProperty(mutation);
        Assert.True(payload.GetProperty("errors").GetArrayLength() == 0, payload.GetRawText());
        return payload.GetProperty(field);
    }

    /// <summary>The first typed error of a mutation that must have changed nothing.</summary>
    private static JsonElement Refused(JsonElement body, string mutation, string field)
    {
        Assert.False(body.TryGetProperty("errors", out _), body.GetRawText());
        var payload = body.GetProperty("data").GetProperty(mutation);
        Assert.Equal(JsonValueKind.Null, payload.GetProperty(field).ValueKind);
        return payload.GetProperty("errors")[0];
    }

    [Fact]
    public async Task A_ticket_is_opened_answered_closed_and_escalated_through_mutations()
    {
        var agent = factory.As("agent", "CENTRE-3737");
        var opened = Done(await Graph(agent, "mutation { openTicket(input: { channel: PHONE, categoryCode: \"PROCEDURES\", topic: \"Passeport\", language: ARABIC }) { ticket { id status version } errors { code } } }"),
            "openTicket", "ticket");
        var id = opened.GetProperty("id").GetString();
        Assert.Equal(("open", 1), (opened.GetProperty("status").GetString(), opened.GetProperty("version").GetInt32()));
        Assert.Equal("answered", Done(await Graph(agent, "mutation ($id: ID!) { answerTicket(input: { id: $id, answer: \"En ligne.\" }) { ticket { status } errors { code } } }", new { id }), "answerTicket", "ticket").GetProperty("status").GetString());
        Assert.Equal("closed", Done(await Graph(agent, "mutation ($id: ID!) { closeTicket(input: { id: $id }) { ticket { status } errors { code } } }", new { id }), "closeTicket", "ticket").GetProperty("status").GetString());
        var closed = Refused(await Graph(agent, "mutation ($id: ID!) { answerTicket(input: { id: $id, answer: \"Encore\" }) { ticket { status } errors { code rule } } }", new { id }), "answerTicket", "ticket");
        Assert.Equal(("RULE_VIOLATED", "closed"), (closed.GetProperty("code").GetString(), closed.GetProperty("rule").GetString()));
        var blank = Refused(await Graph(agent, "mutation ($id: ID!) { answerTicket(input: { id: $id, answer: \"  \" }) { ticket { status } errors { code field } } }", new { id }), "answerTicket", "ticket");
        Assert.Equal(("BAD_USER_INPUT", "answer"), (blank.GetProperty("code").GetString(), blank.GetProperty("field").GetString()));

        var second = Done(await Graph(agent, "mutation { openTicket(input: { channel: EMAIL, categoryCode: \"COMPLAINTS\", topic: \"Retard\", language: FRENCH }) { ticket { id } errors { code } } }"), "openTicket", "ticket");
        const string Escalate = """
            mutation ($id: ID!, $admin: ID!) { escalateTicket(input: { id: $id, administrationId: $admin, categoryCode: "HEALTH.WAIT", subject: "Attente", description: "Trop long.",
              location: { region: "Oriental", province: "Oujda-Angad", commune: "Oujda" }, citizen: { fullName: "Nadia", nationalId: "Z1", phone: "0612345678", email: "n@example.ma" } })
              { escalation { trackingNumber accessCode complaintId ticket { status complaintId } } errors { code field } } }
            """;
        var unknown = Refused(await Graph(agent, Escalate, new { id = second.GetProperty("id").GetString(), admin = "NOWHERE" }), "escalateTicket", "escalation");
        Assert.Equal(("BAD_USER_INPUT", "administrationId"), (unknown.GetProperty("code").GetString(), unknown.GetProperty("field").GetString()));
        var escalated = Done(await Graph(agent, Escalate, new { id = second.GetProperty("id").GetString(), admin = "MIN-SANTE" }), "escalateTicket", "escalation");
        Assert.StartsWith("CHK-", escalated.GetProperty("trackingNumber").GetString(), StringComparison.Ordinal);
        Assert.Equal(escalated.GetProperty("complaintId").GetString(), escalated.GetProperty("ticket").GetProperty("complaintId").GetString());

        var outsider = factory.As("citizen", subject: "gql-ticket-outsider");
        var forbidden = await Graph(outsider, "mutation ($id: ID!) { closeTicket(input: { id: $id }) { ticket { status } errors { code } } }", new { id });
        Assert.Equal("FORBIDDEN", forbidden.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_competition_takes_an_application_from_publication_to_result_and_no_identity_comes_back()
    {
        var agent = factory.As("agent", "MIN-FINANCES");
        var competition = Done(await Graph(agent, """
            mutation ($deadline: DateTime!) { publishCompetition(input: { administrationId: "MIN-FINANCES", title: "Inspecteurs", grade: "Inspecteur", posts: 5,
              applicationDeadline: $deadline, acceptsElectronicApplications: true }) { competition { id status posts } errors { code field } } }
            """, new { deadline = TimeProvider.System.GetUtcNow().AddDays(20) }), "publishCompetition", "competition");
        var competitionId = competition.GetProperty("id").GetString();
        var zero = Refused(await Graph(agent, """
            mutation ($deadline: DateTime!) { publishCompetition(input: { administrationId: "MIN-FINANCES", title: "T", grade: "G", posts: 0,
              applicationDeadline: $deadline, acceptsElectronicApplications: true }) { competition { id } errors { code field } } }
            """, new { deadline = TimeProvider.System.GetUtcNow().AddDays(20) }), "publishCompetition", "competition");
        Assert.Equal(("BAD_USER_INPUT", "posts"), (zero.GetProperty("code").GetString(), zero.GetProperty("field").GetString()));

        var citizen = factory.As("citizen", subject: "gql-candidate-" + Guid.NewGuid().ToString("N")[..6]);
        var created = await Graph(citizen, "mutation ($e: String!) { createCandidate(input: { fullName: \"Salma Idrissi\", nationalId: \"ab123\", email: $e }) { candidate { id verified } errors { code } } }",
            new { e = $"{Guid.NewGuid():N}@example.ma" });
        var candidate = Done(created, "createCandidate", "candidate");
        Assert.DoesNotContain("Salma", created.GetRawText(), StringComparison.Ordinal);
        var candidateId = candidate.GetProperty("id").GetString();
        const string Apply = "mutation ($c: ID!, $k: ID!) { applyToCompetition(input: { competitionId: $c, candidateId: $k }) { application { id stage } errors { code rule } } }";
        var unverified = Refused(await Graph(citizen, Apply, new { c = competitionId, k = candidateId }), "applyToCompetition", "application");
        Assert.Equal(("RULE_VIOLATED", "candidate-not-verified"), (unverified.GetProperty("code").GetString(), unverified.GetProperty("rule").GetString()));
        Assert.True(Done(await Graph(citizen, "mutation ($k: ID!) { verifyCandidate(input: { id: $k }) { candidate { verified } errors { code } } }", new { k = candidateId }), "verifyCandidate", "candidate").GetProperty("verified").GetBoolean());
        var application = Done(await Graph(citizen, Apply, new { c = competitionId, k = candidateId }), "applyToCompetition", "application");
        var id = application.GetProperty("id").GetString();
        Assert.Equal("SUBMITTED", application.GetProperty("stage").GetString());

        Done(await Graph(agent, "mutation ($id: ID!) { preselectApplication(input: { id: $id, preselected: true }) { application { stage } errors { code } } }", new { id }), "preselectApplication", "application");
        Done(await Graph(agent, "mutation ($id: ID!, $at: DateTime!) { convokeToWrittenExam(input: { id: $id, examAt: $at }) { application { stage } errors { code } } }", new { id, at = TimeProvider.System.GetUtcNow().AddDays(30) }), "convokeToWrittenExam", "application");
        Done(await Graph(agent, "mutation ($id: ID!, $at: DateTime!) { convokeToOralExam(input: { id: $id, examAt: $at }) { application { stage } errors { code } } }", new { id, at = TimeProvider.System.GetUtcNow().AddDays(40) }), "convokeToOralExam", "application");
        var decided = Done(await Graph(agent, "mutation ($id: ID!) { recordApplicationResult(input: { id: $id, result: ADMITTED }) { application { result version } errors { code } } }", new { id }), "recordApplicationResult", "application");
        Assert.Equal(("ADMITTED", 5), (decided.GetProperty("result").GetString(), decided.GetProperty("version").GetInt32()));

        var stranger = factory.As("agent", "MIN-SANTE");
        var hidden = Refused(await Graph(stranger, "mutation ($id: ID!) { recordApplicationResult(input: { id: $id, result: NOT_ADMITTED }) { application { result } errors { code } } }", new { id }), "recordApplicationResult", "application");
        Assert.Equal("NOT_FOUND", hidden.GetProperty("code").GetString());
        Assert.Equal("RULE_VIOLATED", Refused(await Graph(agent, "mutation ($id: ID!) { publishCompetitionResults(input: { id: $id }) { competition { status } errors { code rule } } }", new { id = competitionId }),
            "publishCompetitionResults", "competition").GetProperty("code").GetString());
        Assert.Equal("closed", Done(await Graph(agent, "mutation ($id: ID!) { closeCompetitionApplications(input: { id: $id }) { competition { status } errors { code } } }", new { id = competitionId }),
            "closeCompetitionApplications", "competition").GetProperty("status").GetString());
        var forbidden = await Graph(citizen, "mutation ($id: ID!) { closeCompetitionApplications(input: { id: $id }) { competition { status } errors { code } } }", new { id = competitionId });
        Assert.Equal("FORBIDDEN", forbidden.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Admins_register_and_deactivate_administrations_through_mutations()
    {
        var admin = factory.As("admin");
        var id = "GQL-" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        const string Register = """
            mutation ($id: ID!) { registerAdministration(input: { id: $id, nameAr: "إدارة", nameFr: "Administration test", kind: MINISTRY, region: "Oriental" })
              { administration { id nameFr kind active } errors { code field rule } } }
            """;
        var registered = Done(await Graph(admin, Register, new { id }), "registerAdministration", "administration");
        Assert.Equal((id, "MINISTRY", true), (registered.GetProperty("id").GetString(), registered.GetProperty("kind").GetString(), registered.GetProperty("active").GetBoolean()));
        // The same registration again changes nothing; another profile under the same id is refused.
        Assert.Equal(id, Done(await Graph(admin, Register, new { id }), "registerAdministration", "administration").GetProperty("id").GetString());
        var taken = Refused(await Graph(admin, Register.Replace("Administration test", "Autre nom", StringComparison.Ordinal), new { id }), "registerAdministration", "administration");
        Assert.Equal(("RULE_VIOLATED", "already-registered"), (taken.GetProperty("code").GetString(), taken.GetProperty("rule").GetString()));
        var bad = Refused(await Graph(admin, Register, new { id = "has space" }), "registerAdministration", "administration");
        Assert.Equal(("BAD_USER_INPUT", "id"), (bad.GetProperty("code").GetString(), bad.GetProperty("field").GetString()));

        const string Deactivate = "mutation ($id: ID!) { deactivateAdministration(input: { id: $id, reason: \"Fusion\" }) { administration { active } errors { code } } }";
        Assert.False(Done(await Graph(admin, Deactivate, new { id }), "deactivateAdministration", "administration").GetProperty("active").GetBoolean());
        Assert.Equal("RULE_VIOLATED", Refused(await Graph(admin, Deactivate, new { id = "NOWHERE-" + id }), "deactivateAdministration", "administration").GetProperty("code").GetString());
        var agent = factory.As("agent", "MIN-SANTE");
        Assert.Equal("FORBIDDEN", (await Graph(agent, Deactivate, new { id })).GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }
}
