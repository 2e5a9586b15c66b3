using System.Net;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>emploi-public.ma's routes, driven by Alba scenarios (each request states the status it must answer).</summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class EmploymentApiTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_candidate_applies_once_and_the_administration_runs_the_funnel()
    {
        var agent = factory.As("agent", "MIN-FINANCES");
        var beforePublishing = TimeProvider.System.GetUtcNow();
        var competition = await agent.PostAsync("/api/competitions", new
        {
            administrationId = "MIN-FINANCES", title = "Administrateurs", grade = "Administrateur 3e grade", posts = 40,
            applicationDeadline = TimeProvider.System.GetUtcNow().AddDays(30), acceptsElectronicApplications = true,
        }, HttpStatusCode.Created);
        var competitionId = competition.GetProperty("id").GetGuid();

        var subject = "cand-" + Guid.NewGuid().ToString("N")[..8];
        var citizen = factory.As("citizen", subject: subject);
        var email = $"{subject}@example.ma";
        var candidate = await citizen.PostAsync("/api/candidates", new { fullName = "Salma Idrissi", nationalId = "CD112233", email }, HttpStatusCode.Created);
        var candidateId = candidate.GetProperty("id").GetGuid();
        var duplicate = await factory.As("citizen", subject: "x" + subject).PostAsync("/api/candidates", new { fullName = "Autre", nationalId = "X1", email = email.ToUpperInvariant() }, HttpStatusCode.Conflict);
        Assert.True(duplicate.GetProperty("errors").TryGetProperty("email", out _));

        var unverified = await citizen.PostAsync("/api/applications", new { competitionId, candidateId }, HttpStatusCode.Conflict);
        Assert.Equal("candidate-not-verified", unverified.GetProperty("rule").GetString());
        await citizen.PostAsync($"/api/candidates/{candidateId}/verify", null, HttpStatusCode.OK);
        var application = await citizen.PostAsync("/api/applications", new { competitionId, candidateId }, HttpStatusCode.Created);
        var applicationId = application.GetProperty("id").GetGuid();
        var applied = TimeProvider.System.GetUtcNow();
        var twice = await citizen.PostAsync("/api/applications", new { competitionId, candidateId }, HttpStatusCode.Conflict);
        Assert.Equal("already-applied", twice.GetProperty("rule").GetString());

        var stranger = factory.As("agent", "MIN-SANTE");
        await stranger.GetAsync($"/api/applications/{applicationId}", HttpStatusCode.NotFound);
        await agent.PostAsync($"/api/applications/{applicationId}/preselect", new { preselected = true }, HttpStatusCode.OK);
        await agent.PostAsync($"/api/applications/{applicationId}/convoke-written", new { examAt = TimeProvider.System.GetUtcNow().AddDays(40) }, HttpStatusCode.OK);
        var convoked = TimeProvider.System.GetUtcNow();
        await agent.PostAsync($"/api/applications/{applicationId}/convoke-oral", new { examAt = TimeProvider.System.GetUtcNow().AddDays(50) }, HttpStatusCode.OK);
        var decided = await agent.PostAsync($"/api/applications/{applicationId}/result", new { result = "admitted" }, HttpStatusCode.OK);
        Assert.Equal("decided", decided.GetProperty("stage").GetString());
        Assert.Equal("admitted", decided.GetProperty("result").GetString());
        var mine = await citizen.GetAsync($"/api/applications/{applicationId}", HttpStatusCode.OK);
        Assert.Equal(5, mine.GetProperty("version").GetInt64());

        await agent.PostAsync($"/api/competitions/{competitionId}/close", null, HttpStatusCode.OK);
        var results = await agent.PostAsync($"/api/competitions/{competitionId}/publish-results", null, HttpStatusCode.OK);
        Assert.Equal("resultsPublished", results.GetProperty("status").GetString());

        // The analysts' view: the funnel of this competition, without a name, a national ID number or an e-mail.
        var analyst = factory.As("analyst");
        await factory.WaitForProjectionsAsync();
        var report = await analyst.GetAsync("/api/indicators/employment", HttpStatusCode.OK);
        var funnel = report.GetProperty("funnel").EnumerateArray().Single(f => f.GetProperty("competitionId").GetString() == competitionId.ToString());
        Assert.Equal("resultsPublished", funnel.GetProperty("status").GetString());
        Assert.Equal((1L, 1L, 0L, 1L, 1L, 1L, 1L), (funnel.GetProperty("applied").GetInt64(), funnel.GetProperty("electronicApplications").GetInt64(),
            funnel.GetProperty("withdrawn").GetInt64(), funnel.GetProperty("preselected").GetInt64(), funnel.GetProperty("convokedToWrittenExam").GetInt64(),
            funnel.GetProperty("convokedToOralExam").GetInt64(), funnel.GetProperty("admitted").GetInt64()));
        Assert.True(report.GetProperty("candidateAccounts").GetInt64() >= 1);
        Assert.True(report.GetProperty("verifiedCandidateAccounts").GetInt64() >= 1);
        Assert.True(report.GetProperty("competitionsAcceptingElectronicApplications").GetInt64() >= 1);
        Assert.True(report.GetProperty("position").GetInt64() > 0);
        Assert.DoesNotContain("Salma", report.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(subject, report.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("CD112233", report.GetRawText(), StringComparison.Ordinal);
        await agent.GetAsync("/api/indicators/employment", HttpStatusCode.Forbidden);

        // The funnel in time: as it stood just after the application, then after the written exam's convocation.
        Funnel Then(JsonElement at) => new(at.GetProperty("funnel").EnumerateArray().Single(f => f.GetProperty("competitionId").GetString() == competitionId.ToString()));
        var atApplied = Then(await analyst.GetAsync($"/api/indicators/employment?asOf={Uri.EscapeDataString(applied.ToString("O"))}", HttpStatusCode.OK));
        Assert.Equal(("open", 1L, 0L, 0L, 0L, 0L), atApplied.Steps);
        var atConvoked = Then(await analyst.GetAsync($"/api/indicators/employment?asOf={Uri.EscapeDataString(convoked.ToString("O"))}", HttpStatusCode.OK));
        Assert.Equal(("open", 1L, 1L, 1L, 0L, 0L), atConvoked.Steps);
        var graph = await TestHttp.Graph(analyst, "query ($at: DateTime!) { indicators { employment(asOf: $at) { funnel { competitionId status applied preselected convokedToWrittenExam convokedToOralExam admitted } } } }",
            new { at = convoked });
        var viaGraph = graph.GetProperty("data").GetProperty("indicators").GetProperty("employment").GetProperty("funnel").EnumerateArray()
            .Single(f => f.GetProperty("competitionId").GetString() == competitionId.ToString());
        Assert.Equal((1, 1, 1, 0, 0), (viaGraph.GetProperty("applied").GetInt32(), viaGraph.GetProperty("preselected").GetInt32(), viaGraph.GetProperty("convokedToWrittenExam").GetInt32(),
            viaGraph.GetProperty("convokedToOralExam").GetInt32(), viaGraph.GetProperty("admitted").GetInt32()));
        var before = await analyst.GetAsync($"/api/indicators/employment?asOf={Uri.EscapeDataString(beforePublishing.ToString("O"))}", HttpStatusCode.OK);
        Assert.DoesNotContain(before.GetProperty("funnel").EnumerateArray(), f => f.GetProperty("competitionId").GetString() == competitionId.ToString());
    }

    /// <summary>A competition's funnel row: status, applied, pre-selected, convoked to the written and oral exams, admitted.</summary>
    private sealed record Funnel(JsonElement Row)
    {
        public (string?, long, long, long, long, long) Steps => (Row.GetProperty("status").GetString(), Row.GetProperty("applied").GetInt64(), Row.GetProperty("preselected").GetInt64(),
            Row.GetProperty("convokedToWrittenExam").GetInt64(), Row.GetProperty("convokedToOralExam").GetInt64(), Row.GetProperty("admitted").GetInt64());
    }

    [Fact]
    public async Task Competitions_refuse_bad_input_and_other_administrations()
    {
        var agent = factory.As("agent", "MIN-FINANCES");
        var before = await factory.CountEventsAsync();
        var bad = await agent.PostAsync("/api/competitions", new { administrationId = "MIN-FINANCES", title = "T", grade = "G", posts = 0, applicationDeadline = "soon", acceptsElectronicApplications = true }, HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("applicationDeadline", out _), bad.GetRawText());
        var zero = await agent.PostAsync("/api/competitions", new { administrationId = "MIN-FINANCES", title = "T", grade = "G", posts = 0, applicationDeadline = TimeProvider.System.GetUtcNow().AddDays(3), acceptsElectronicApplications = true }, HttpStatusCode.BadRequest);
        Assert.True(zero.GetProperty("errors").TryGetProperty("posts", out _));
        var foreign = await agent.PostAsync("/api/competitions", new { administrationId = "MIN-SANTE", title = "T", grade = "G", posts = 3, applicationDeadline = TimeProvider.System.GetUtcNow().AddDays(3), acceptsElectronicApplications = true }, HttpStatusCode.Conflict);
        Assert.Equal("not-owner", foreign.GetProperty("rule").GetString());
        Assert.Equal(before, await factory.CountEventsAsync());
        var analyst = factory.As("analyst");
        await analyst.PostAsync("/api/candidates", new { fullName = "A", nationalId = "B", email = "a@b.ma" }, HttpStatusCode.Forbidden);
    }
}
