using System.Net;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>indicators { responseTimes callCenter employment } and projections over GraphQL: the same figures as REST, the same roles.</summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class GraphQLIndicatorTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static Task<JsonElement> Graph(ScenarioCaller caller, string query) => TestHttp.Graph(caller, query);

    private static Task<JsonElement> Rest(ScenarioCaller caller, string path) => caller.GetAsync(path, HttpStatusCode.OK);

    [Fact]
    public async Task The_indicators_answer_with_the_figures_of_the_rest_routes()
    {
        var citizen = factory.As("citizen", subject: "gql-indicators");
        for (var i = 0; i < 3; i++)
        {
            await citizen.PostAsync("/api/complaints", new
            {
                kind = "complaint", channel = "portal", administrationId = i == 0 ? "DGI" : "MIN-SANTE", categoryCode = "HEALTH.WAIT", subject = "Attente", description = "Trop long.",
                location = new { region = "Oriental", province = "Oujda-Angad", commune = "Oujda" },
                citizen = new { fullName = "Nadia", nationalId = "Z1", phone = "0612345678", email = "n@example.ma" },
            }, HttpStatusCode.Created);
        }

        var analyst = factory.As("analyst");
        await factory.WaitForProjectionsAsync();
        var rest = await Rest(analyst, "/api/indicators/complaints/response-times?groupBy=administration");
        Assert.True(rest.GetProperty("rows").GetArrayLength() >= 2, rest.GetRawText());

        // Every read model has caught up (the wait above): one query reads them all.
        var body = await Graph(analyst, """
            {
              indicators {
                responseTimes(groupBy: "administration") { groupBy rows { group acknowledged answered } total { acknowledged answered } position }
                callCenter(groupBy: "channel") { groupBy total rows { group questions sharePercent } }
                employment { candidateAccounts competitions funnel { competitionId applied } }
              }
              projections { name state position lagEvents lagSeconds leader deadLetterCount }
            }
            """);
        Assert.False(body.TryGetProperty("errors", out _), body.GetRawText());
        var indicators = body.GetProperty("data").GetProperty("indicators");
        var times = indicators.GetProperty("responseTimes");
        // Both read at their own moment: compare what the three complaints fixed, not positions.
        Assert.Equal(rest.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("group").GetString()), times.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("group").GetString()));
        Assert.Contains(times.GetProperty("rows").EnumerateArray(), r => r.GetProperty("group").GetString() == "DGI");

        var callRest = await Rest(analyst, "/api/indicators/call-center?groupBy=channel");
        Assert.Equal(callRest.GetProperty("total").GetInt64(), indicators.GetProperty("callCenter").GetProperty("total").GetInt64());
        var employmentRest = await Rest(analyst, "/api/indicators/employment");
        Assert.Equal(employmentRest.GetProperty("competitions").GetInt64(), indicators.GetProperty("employment").GetProperty("competitions").GetInt64());
        Assert.Equal(employmentRest.GetProperty("funnel").GetArrayLength(), indicators.GetProperty("employment").GetProperty("funnel").GetArrayLength());

        var projections = body.GetProperty("data").GetProperty("projections").EnumerateArray().ToList();
        var restProjections = await Rest(analyst, "/api/projections");
        Assert.Equal(restProjections.EnumerateArray().Select(p => p.GetProperty("name").GetString()).Order(), projections.Select(p => p.GetProperty("name").GetString()).Order());
        Assert.All(projections, p => Assert.Equal("RUNNING", p.GetProperty("state").GetString()));
        Assert.All(projections, p => Assert.Equal(0, p.GetProperty("deadLetterCount").GetInt32()));
        Assert.All(projections, p => Assert.True(long.Parse(p.GetProperty("position").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 0));
    }

    [Fact]
    public async Task Indicators_refuse_an_unknown_grouping_and_projections_refuse_citizens()
    {
        var analyst = factory.As("analyst");
        var bad = await Graph(analyst, "{ indicators { responseTimes(groupBy: \"weather\") { groupBy } } }");
        var error = bad.GetProperty("errors")[0];
        Assert.Equal("BAD_USER_INPUT", error.GetProperty("extensions").GetProperty("code").GetString());
        Assert.Contains("administration", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, bad.GetProperty("data").ValueKind);

        var citizen = factory.As("citizen", subject: "gql-projections");
        var refused = await Graph(citizen, "{ projections { name } }");
        Assert.Equal("FORBIDDEN", refused.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        var anonymous = factory.As(null);
        var unauthenticated = await Graph(anonymous, "{ indicators { employment { competitions } } }");
        Assert.Equal("UNAUTHENTICATED", unauthenticated.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_admin_rebuilds_a_projection_online_and_others_may_not()
    {
        var admin = factory.As("admin");
        await factory.WaitUntilLeadingAsync();
        var body = await Graph(admin, "mutation { rebuildProjection(input: { name: \"ticket-list\" }) { projection { name state position } errors { code } } }");
        var projection = body.GetProperty("data").GetProperty("rebuildProjection").GetProperty("projection");
        Assert.Equal("ticket-list", projection.GetProperty("name").GetString());
        // Queued, or already rebuilding, or already caught up again.
        Assert.True(projection.GetProperty("state").GetString() is "QUEUED" or "REBUILDING" or "RUNNING", projection.GetRawText());
        await factory.WaitForProjectionsAsync();
        Assert.Equal("RUNNING", (await Graph(admin, "{ projections { name state } }")).GetProperty("data").GetProperty("projections").EnumerateArray()
            .Single(p => p.GetProperty("name").GetString() == "ticket-list").GetProperty("state").GetString());

        var unknown = await Graph(admin, "mutation { rebuildProjection(input: { name: \"nothing\" }) { projection { name } errors { code } } }");
        Assert.Equal("NOT_FOUND", unknown.GetProperty("data").GetProperty("rebuildProjection").GetProperty("errors")[0].GetProperty("code").GetString());
        var supervisor = factory.As("supervisor");
        var refused = await Graph(supervisor, "mutation { rebuildProjection(input: { name: \"ticket-list\" }) { projection { name } errors { code } } }");
        Assert.Equal("FORBIDDEN", refused.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
    }
}
