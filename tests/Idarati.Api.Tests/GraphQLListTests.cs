using System.Net;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>callCenterTickets, competitions, applications and candidates as connections: filters, roles, no personal data.</summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class GraphQLListTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static Task<JsonElement> Graph(ScenarioCaller caller, string query, object? variables = null) => TestHttp.Graph(caller, query, variables);

    /// <summary>Once every projection has caught up with what we wrote (the read models are eventually consistent), the query shows it.</summary>
    private async Task<JsonElement> CaughtUpAsync(ScenarioCaller caller, string query, object? variables, Func<JsonElement, bool> done)
    {
        await factory.WaitForProjectionsAsync();
        var body = await Graph(caller, query, variables);
        Assert.True(done(body), $"{query}: {body.GetRawText()}");
        return body;
    }

    private static JsonElement Data(JsonElement body, string field) => body.GetProperty("data").GetProperty(field);

    [Fact]
    public async Task Employment_lists_filter_by_their_fields_and_never_show_who_applied()
    {
        var agent = factory.As("agent", "MIN-FINANCES");
        var title = "Liste " + Guid.NewGuid().ToString("N")[..8];
        var competition = await agent.PostAsync("/api/competitions", new
        {
            administrationId = "MIN-FINANCES", title, grade = "Administrateur 3e grade", posts = 12,
            applicationDeadline = TimeProvider.System.GetUtcNow().AddDays(30), acceptsElectronicApplications = true,
        }, HttpStatusCode.Created);
        var competitionId = competition.GetProperty("id").GetString();
        var citizen = factory.As("citizen", subject: "list-" + title);
        var candidate = await citizen.PostAsync("/api/candidates", new { fullName = "Salma Idrissi", nationalId = "CD998877", email = $"{Guid.NewGuid():N}@example.ma" }, HttpStatusCode.Created);
        var candidateId = candidate.GetProperty("id").GetString();
        await citizen.PostAsync($"/api/candidates/{candidateId}/verify", null, HttpStatusCode.OK);
        await citizen.PostAsync("/api/applications", new { competitionId, candidateId }, HttpStatusCode.Created);

        // Anyone lists competitions, filtered by title and posts.
        var anonymous = factory.As(null);
        var competitions = await CaughtUpAsync(anonymous,
            "query ($t: String!) { competitions(where: { title: { eq: $t }, posts: { gte: 12 }, status: { eq: \"open\" } }) { nodes { id title posts administration { nameFr } } totalCount } }",
            new { t = title }, b => Data(b, "competitions").GetProperty("totalCount").GetInt32() == 1);
        Assert.Equal(competitionId, Data(competitions, "competitions").GetProperty("nodes")[0].GetProperty("id").GetString());
        var none = await Graph(anonymous, "query ($t: String!) { competitions(where: { title: { eq: $t }, posts: { gt: 12 } }) { totalCount } }", new { t = title });
        Assert.Equal(0, Data(none, "competitions").GetProperty("totalCount").GetInt32());

        // The owning agent lists the application; another administration's agent does not see it; no candidate data.
        var applications = await CaughtUpAsync(agent,
            "query ($c: String!) { applications(where: { competitionId: { eq: $c }, withdrawnAt: { eq: null }, electronic: { eq: true } }) { nodes { id competitionId administrationId result } totalCount } }",
            new { c = competitionId }, b => Data(b, "applications").GetProperty("totalCount").GetInt32() == 1);
        Assert.DoesNotContain("Salma", applications.GetRawText(), StringComparison.Ordinal);
        var stranger = factory.As("agent", "MIN-SANTE");
        var hidden = await Graph(stranger, "query ($c: String!) { applications(where: { competitionId: { eq: $c } }) { totalCount } }", new { c = competitionId });
        Assert.Equal(0, Data(hidden, "applications").GetProperty("totalCount").GetInt32());

        // Candidates: admins see accounts and when they were verified, never who they are; citizens may not list them.
        var admin = factory.As("admin");
        var accounts = await CaughtUpAsync(admin, "{ candidates(first: 200, where: { verified: { eq: true } }) { nodes { id verifiedAt } } }", null,
            b => Data(b, "candidates").GetProperty("nodes").EnumerateArray().Any(n => n.GetProperty("id").GetString() == candidateId));
        Assert.DoesNotContain("CD998877", accounts.GetRawText(), StringComparison.Ordinal);
        var refused = await Graph(citizen, "{ candidates { totalCount } }");
        Assert.Equal("FORBIDDEN", refused.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Call_centre_tickets_filter_by_status_and_channel()
    {
        var agent = factory.As("agent", "CENTRE-3737");
        var language = "amazigh";
        var ids = new List<string>();
        foreach (var channel in new[] { "phone", "email", "facebook" })
        {
            var opened = await agent.PostAsync("/api/call-center/tickets", new { channel, categoryCode = "PROCEDURES", topic = "Passeport", language }, HttpStatusCode.Created);
            ids.Add(opened.GetProperty("id").GetString()!);
        }

        await agent.PostAsync($"/api/call-center/tickets/{ids[0]}/answer", new { answer = "En ligne." }, HttpStatusCode.OK);
        const string Query = """
            { callCenterTickets(where: { channel: { in: ["phone", "email"] }, or: [{ status: { eq: "answered" } }, { answeredAt: { eq: null } }] },
                                                        order: [{ channel: ASC }]) { nodes { id channel status answeredAt } totalCount } }
            """;
        var body = await CaughtUpAsync(agent, Query, null, b => Data(b, "callCenterTickets").GetProperty("nodes").EnumerateArray()
            .Count(n => ids.Contains(n.GetProperty("id").GetString()!)) == 2 && Data(b, "callCenterTickets").GetProperty("nodes").EnumerateArray()
            .Any(n => n.GetProperty("id").GetString() == ids[0] && n.GetProperty("status").GetString() == "answered"));
        var mine = Data(body, "callCenterTickets").GetProperty("nodes").EnumerateArray().Where(n => ids.Contains(n.GetProperty("id").GetString()!)).ToList();
        Assert.Equal(["email", "phone"], mine.Select(n => n.GetProperty("channel").GetString()));
        var channels = Data(body, "callCenterTickets").GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("channel").GetString()!).ToList();
        Assert.Equal(channels.Order(StringComparer.Ordinal), channels);
        foreach (var outsider in new[] { factory.As("analyst"), factory.As("agent", "MIN-SANTE") })
        {
            Assert.Equal("FORBIDDEN", (await Graph(outsider, "{ callCenterTickets { totalCount } }")).GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        }
    }
}
