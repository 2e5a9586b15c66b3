using System.Net;
using System.Text.Json;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>An event the complaint list cannot apply is set aside, listed by GET /api/projections and GraphQL, and the list goes on.</summary>
public sealed class DeadLetterApiTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task A_broken_event_becomes_a_dead_letter_listed_over_rest_and_graphql_and_the_list_goes_on()
    {
        var citizen = factory.As("citizen", subject: "dead-letter-citizen");
        var broken = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await factory.ExecuteSqlAsync($"UPDATE {{s}}.mt_events SET data = '{{\"kind\":\"complaint\"}}' WHERE stream_id = 'complaint-{broken:N}' AND version = 1");
        var admin = factory.As("admin");
        await factory.WaitUntilLeadingAsync();
        await admin.PostAsync("/api/projections/complaint-list/rebuild", null, HttpStatusCode.Accepted);
        var after = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();

        var supervisor = factory.As("supervisor");
        JsonElement list = default;
        await Deadline.UntilAsync(async () =>
        {
            list = (await admin.GetAsync("/api/projections", HttpStatusCode.OK)).EnumerateArray().Single(p => p.GetProperty("name").GetString() == "complaint-list");
            var page = await supervisor.GetAsync("/api/complaints?limit=200", HttpStatusCode.OK);
            return list.GetProperty("deadLetterCount").GetInt64() == 1 && list.GetProperty("state").GetString() == "running" && list.GetProperty("leader").GetString() is { Length: > 0 }
                && page.GetProperty("items").EnumerateArray().Any(r => r.GetProperty("id").GetGuid() == after);
        }, 30, "the complaint list to set the broken event aside and list the next complaint, its leader named");


        var letter = list.GetProperty("deadLetters")[0];
        Assert.Equal(($"complaint-{broken:N}", 1, "complaint.submitted"), (letter.GetProperty("streamId").GetString(), letter.GetProperty("version").GetInt32(), letter.GetProperty("type").GetString()));
        Assert.False(string.IsNullOrEmpty(letter.GetProperty("error").GetString()), list.GetRawText());
        var graph = await TestHttp.Graph(admin, "{ projections { name deadLetterCount deadLetters { streamId version type } leader } }");
        var graphList = graph.GetProperty("data").GetProperty("projections").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "complaint-list");
        Assert.Equal($"complaint-{broken:N}", graphList.GetProperty("deadLetters")[0].GetProperty("streamId").GetString());
        Assert.False(string.IsNullOrEmpty(graphList.GetProperty("leader").GetString()), graph.GetRawText());
    }
}
