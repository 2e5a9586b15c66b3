using Idarati.Tests;
using System.Net;
using System.Net.Http.Json;
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

    /// <summary>The list is a read model: poll until the daemon has caught up with what we wrote.</summary>
    private static async Task<JsonElement> EventuallyAsync(HttpClient client, string url, Func<JsonElement, bool> done)
    {
        JsonElement page = default;
        await Deadline.UntilAsync(async () => done(page = await Json(await client.GetAsync(url), HttpStatusCode.OK)), 30, $"{url} to show the expected rows");
        return page;
    }

    [Fact]
    public async Task The_list_follows_the_log_shows_agents_their_own_administration_and_pages()
    {
        var citizen = await factory.ClientAsync("citizen");
        var ids = new List<Guid>();
        foreach (var administration in new[] { "DGI", "DGI", "DGI", "ONEE" })
        {
            var created = await Json(await citizen.PostAsJsonAsync("/api/complaints", Complaint(administration, "TAX.REFUND")), HttpStatusCode.Created);
            ids.Add(created.GetProperty("id").GetGuid());
        }

        var agent = await factory.ClientAsync("agent", "DGI");
        var mine = await EventuallyAsync(agent, "/api/complaints?categoryCode=TAX.REFUND&administrationId=ONEE", p => p.GetProperty("items").GetArrayLength() == 3);
        Assert.All(mine.GetProperty("items").EnumerateArray(), row => Assert.Equal("DGI", row.GetProperty("administrationId").GetString()));
        Assert.True(mine.GetProperty("position").GetInt64() > 0);
        Assert.DoesNotContain("Karim", mine.GetRawText(), StringComparison.Ordinal);

        var first = await Json(await agent.GetAsync("/api/complaints?categoryCode=TAX.REFUND&limit=2"), HttpStatusCode.OK);
        Assert.Equal(2, first.GetProperty("items").GetArrayLength());
        var next = first.GetProperty("next").GetString();
        var second = await Json(await agent.GetAsync($"/api/complaints?categoryCode=TAX.REFUND&limit=2&after={next}"), HttpStatusCode.OK);
        Assert.Equal(1, second.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
        var seen = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray()).Select(r => r.GetProperty("id").GetGuid());
        Assert.Equal(ids.Take(3).Order(), seen.Order());

        await Json(await agent.PostAsync($"/api/complaints/{ids[0]}/acknowledge", null), HttpStatusCode.OK);
        var acknowledged = await EventuallyAsync(agent, "/api/complaints?status=acknowledged&categoryCode=TAX.REFUND", p => p.GetProperty("items").GetArrayLength() == 1);
        Assert.Equal(ids[0], acknowledged.GetProperty("items")[0].GetProperty("id").GetGuid());

        var supervisor = await factory.ClientAsync("supervisor");
        await EventuallyAsync(supervisor, "/api/complaints?categoryCode=TAX.REFUND", p => p.GetProperty("items").GetArrayLength() == 4);
    }

    [Fact]
    public async Task The_list_refuses_bad_queries_and_analysts()
    {
        var supervisor = await factory.ClientAsync("supervisor");
        Assert.True((await Json(await supervisor.GetAsync("/api/complaints?limit=0"), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("limit", out _));
        Assert.True((await Json(await supervisor.GetAsync("/api/complaints?status=lost"), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("status", out _));
        Assert.True((await Json(await supervisor.GetAsync("/api/complaints?after=%25%25"), HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("after", out _));
        await Json(await supervisor.GetAsync("/api/complaints?limit=abc"), HttpStatusCode.BadRequest);
        var analyst = await factory.ClientAsync("analyst");
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.GetAsync("/api/complaints")).StatusCode);
    }

    [Fact]
    public async Task Projection_status_is_visible_and_an_admin_rebuilds_online()
    {
        var citizen = await factory.ClientAsync("citizen");
        await Json(await citizen.PostAsJsonAsync("/api/complaints", Complaint("CNSS", "HR.PAY")), HttpStatusCode.Created);
        var admin = await factory.ClientAsync("admin");
        var supervisor = await factory.ClientAsync("supervisor");
        await EventuallyAsync(supervisor, "/api/complaints?categoryCode=HR.PAY", p => p.GetProperty("items").GetArrayLength() == 1);

        var status = await Json(await admin.GetAsync("/api/projections"), HttpStatusCode.OK);
        var list = status.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "complaint-list");
        Assert.Equal("running", list.GetProperty("state").GetString());
        Assert.True(list.GetProperty("position").GetInt64() > 0);

        Assert.Equal(HttpStatusCode.Forbidden, (await supervisor.PostAsync("/api/projections/complaint-list/rebuild", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/api/projections/nope/rebuild", null)).StatusCode);
        await factory.WaitUntilLeadingAsync();
        Assert.Equal(HttpStatusCode.Accepted, (await admin.PostAsync("/api/projections/complaint-list/rebuild", null)).StatusCode);
        await EventuallyAsync(supervisor, "/api/complaints?categoryCode=HR.PAY", p => p.GetProperty("items").GetArrayLength() == 1);
    }
}
