using System.Net.Http.Json;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>
/// The IBM GraphQL Cost Directives on the front-end schema: declared and applied in the served SDL, the limit computed
/// from them before anything runs, and the cost reported when a request asks (GraphQL-Cost: report).
/// </summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class GraphQLCostTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_served_sdl_declares_the_directives_and_weighs_the_lists_and_the_reads()
    {
        var sdl = await (await factory.ClientAsync(null)).GetStringAsync("/graphql/schema.graphql");
        Assert.Contains("directive @cost(", sdl, StringComparison.Ordinal);
        Assert.Contains("directive @listSize(", sdl, StringComparison.Ordinal);
        Assert.Contains("@cost(weight: \"10\") @listSize(assumedSize: 50, slicingArguments: [\"first\", \"last\"], sizedFields: [\"edges\", \"nodes\"], requireOneSlicingArgument: false)", sdl, StringComparison.Ordinal);
        Assert.Contains("complaint(id: ID!): Complaint @cost(weight: \"10\")", sdl, StringComparison.Ordinal);
    }

    [Theory]
    // complaints 10 + 20 rows × (the row 1 + its administration 1).
    [InlineData(20, 50)]
    [InlineData(200, 410)]
    public async Task A_request_that_asks_gets_its_cost_in_extensions(int first, long expected)
    {
        var supervisor = await factory.ClientAsync("supervisor");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql")
        {
            Content = JsonContent.Create(new { query = $"{{ complaints(first: {first}) {{ nodes {{ id administration {{ nameFr }} }} }} }}" }),
        };
        request.Headers.Add("GraphQL-Cost", "report");
        using var response = await supervisor.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.False(body.TryGetProperty("errors", out var errors), errors.ToString());
        var cost = body.GetProperty("extensions").GetProperty("cost");
        Assert.Equal(expected, cost.GetProperty("requested").GetInt64());
        Assert.Equal(5_000, cost.GetProperty("maximum").GetInt64());

        using var plain = await supervisor.PostAsJsonAsync("/graphql", new { query = "{ complaints(first: 1) { nodes { id } } }" });
        Assert.False(JsonDocument.Parse(await plain.Content.ReadAsStringAsync()).RootElement.TryGetProperty("extensions", out _));
    }

    [Fact]
    public async Task Thirteen_full_pages_in_one_request_cost_more_than_allowed_and_nothing_runs()
    {
        var pages = string.Concat(Enumerable.Range(0, 13).Select(i => $" p{i}: complaints(first: 200) {{ nodes {{ id administration {{ id }} }} }}"));
        var answer = await TestHttp.Graph(await factory.ClientAsync("supervisor"), "{" + pages + " }");
        var error = answer.GetProperty("errors")[0];
        Assert.Equal("MAX_COST_EXCEEDED", error.GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal(13 * 410, error.GetProperty("extensions").GetProperty("cost").GetInt64());
        Assert.False(answer.TryGetProperty("data", out _));
    }
}
