using System.Net;
using System.Text.Json;

using static Idarati.Api.Tests.TestHttp;

namespace Idarati.Api.Tests;

[Collection(ApiWithReferenceData.Collection)]
public sealed class ComplaintListTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The list is a read model: once every projection has caught up with what we wrote, the page shows it.</summary>
    private async Task<JsonElement> CaughtUpAsync(ScenarioCaller caller, string url, Func<JsonElement, bool> done)
    {
        await factory.WaitForProjectionsAsync();
        var page = await caller.GetAsync(url, HttpStatusCode.OK);
        Assert.True(done(page), $"{url}: {page.GetRawText()}");
        return page;
    }

    [Fact]
    public async Task The_list_follows_the_log_shows_agents_their_own_administration_and_pages()
    {
        var citizen = factory.As("citizen");
        var ids = new List<Guid>();
        foreach (var administration in new[] { "DGI", "DGI", "DGI", "ONEE" })
        {
            var created = await citizen.PostAsync("/api/complaints", Complaint(administration, "TAX.REFUND"), HttpStatusCode.Created);
            ids.Add(created.GetProperty("id").GetGuid());
        }

        var agent = factory.As("agent", "DGI");
        var mine = await CaughtUpAsync(agent, "/api/complaints?categoryCode=TAX.REFUND&administrationId=ONEE", p => p.GetProperty("items").GetArrayLength() == 3);
        Assert.All(mine.GetProperty("items").EnumerateArray(), row => Assert.Equal("DGI", row.GetProperty("administrationId").GetString()));
        Assert.True(mine.GetProperty("position").GetInt64() > 0);
        Assert.DoesNotContain("Karim", mine.GetRawText(), StringComparison.Ordinal);

        var first = await agent.GetAsync("/api/complaints?categoryCode=TAX.REFUND&limit=2", HttpStatusCode.OK);
        Assert.Equal(2, first.GetProperty("items").GetArrayLength());
        var next = first.GetProperty("next").GetString();
        var second = await agent.GetAsync($"/api/complaints?categoryCode=TAX.REFUND&limit=2&after={next}", HttpStatusCode.OK);
        Assert.Equal(1, second.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        var seen = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(r => r.GetProperty("id").GetGuid());
        Assert.Equal(ids.Take(3).Order(), seen.Order());

        await agent.PostAsync($"/api/complaints/{ids[0]}/acknowledge", null, HttpStatusCode.OK);
        var acknowledged = await CaughtUpAsync(agent, "/api/complaints?status=acknowledged&categoryCode=TAX.REFUND", p => p.GetProperty("items").GetArrayLength() == 1);
        Assert.Equal(ids[0], acknowledged.GetProperty("items")[0].GetProperty("id").GetGuid());

        var supervisor = factory.As("supervisor");
        await CaughtUpAsync(supervisor, "/api/complaints?categoryCode=TAX.REFUND", p => p.GetProperty("items").GetArrayLength() == 4);
    }

    [Fact]
    public async Task The_list_refuses_bad_queries_and_analysts()
    {
        var supervisor = factory.As("supervisor");
        Assert.True((await supervisor.ProblemAsync(HttpMethod.Get, "/api/complaints?limit=0", null, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("limit", out _));
        Assert.True((await supervisor.ProblemAsync(HttpMethod.Get, "/api/complaints?status=lost", null, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("status", out _));
        Assert.True((await supervisor.ProblemAsync(HttpMethod.Get, "/api/complaints?after=%25%25", null, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("after", out _));
        await supervisor.ProblemAsync(HttpMethod.Get, "/api/complaints?limit=abc", null, HttpStatusCode.BadRequest);
        await factory.As("analyst").GetAsync("/api/complaints", HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Projection_status_is_visible_and_an_admin_rebuilds_online()
    {
        await factory.As("citizen").PostAsync("/api/complaints", Complaint("CNSS", "HR.PAY"), HttpStatusCode.Created);
        var admin = factory.As("admin");
        var supervisor = factory.As("supervisor");
        await CaughtUpAsync(supervisor, "/api/complaints?categoryCode=HR.PAY", p => p.GetProperty("items").GetArrayLength() == 1);

        var status = await admin.GetAsync("/api/projections", HttpStatusCode.OK);
        var list = status.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "complaint-list");
        Assert.Equal("running", list.GetProperty("state").GetString());
        Assert.True(list.GetProperty("position").GetInt64() > 0);

        await supervisor.PostAsync("/api/projections/complaint-list/rebuild", null, HttpStatusCode.Forbidden);
        await admin.PostAsync("/api/projections/nope/rebuild", null, HttpStatusCode.NotFound);
        await factory.WaitUntilLeadingAsync();
        await admin.PostAsync("/api/projections/complaint-list/rebuild", null, HttpStatusCode.Accepted);
        await CaughtUpAsync(supervisor, "/api/complaints?categoryCode=HR.PAY", p => p.GetProperty("items").GetArrayLength() == 1);
    }
}
