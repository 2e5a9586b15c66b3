using System.Text.RegularExpressions;

namespace Idarati.Api.Tests;

/// <summary>The front door and GraphiQL work without internet: every script and style they load is served by the service.</summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class WebPagesTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static IEnumerable<string> References(string html) =>
        Regex.Matches(html, "(?:src|href)=\"([^\"]+)\"").Select(m => m.Groups[1].Value);

    /// <summary>A page (asked for as a browser asks, Accept: text/html) or an asset.</summary>
    private Task<TextAnswer> GetAsync(string url, bool page = false) => factory.As(null).GetTextAsync(url, page ? "text/html" : null);

    [Fact]
    public async Task The_front_door_says_what_the_service_is_and_links_to_what_exists()
    {
        var door = await GetAsync("/");
        Assert.Equal(System.Net.HttpStatusCode.OK, door.Status);
        Assert.Equal("text/html", door.MediaType);
        var html = door.Body;
        Assert.Contains("Chikaya.ma", html, StringComparison.Ordinal);
        var links = References(html).ToList();
        Assert.Contains("/graphql", links);
        Assert.Contains("/dashboard", links);
        Assert.Contains("/swagger", links);
        Assert.Contains("/health/ready", links);
        Assert.DoesNotContain(links, l => l.Contains("//", StringComparison.Ordinal));
        foreach (var link in links.Where(l => l != "/swagger"))
        {
            var linked = (await GetAsync(link, page: true)).Status;
            Assert.True(linked == System.Net.HttpStatusCode.OK, $"{link}: {linked}");
        }
    }

    [Fact]
    public async Task Graphiql_loads_its_scripts_and_styles_from_the_service_itself()
    {
        var html = (await GetAsync("/graphql", page: true)).Body;
        Assert.Contains("GraphiQL.createFetcher", html, StringComparison.Ordinal);
        var assets = References(html).ToList();
        Assert.Equal(4, assets.Count);
        Assert.All(assets, a => Assert.StartsWith("/lib/", a, StringComparison.Ordinal));
        Assert.DoesNotContain("unpkg", html, StringComparison.Ordinal);
        foreach (var asset in assets)
        {
            var answer = await GetAsync(asset);
            Assert.True(answer.Status == System.Net.HttpStatusCode.OK, $"{asset}: {answer.Status}");
            Assert.Equal(asset.EndsWith(".css", StringComparison.Ordinal) ? "text/css" : "text/javascript", answer.MediaType);
            Assert.True(answer.Body.Length > 5_000, asset);
        }

        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await GetAsync("/lib/nothing.js")).Status);
    }
}
