using System.Net;
using System.Net.Http.Headers;
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

    [Fact]
    public async Task The_front_door_says_what_the_service_is_and_links_to_what_exists()
    {
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Chikaya.ma", html, StringComparison.Ordinal);
        var links = References(html).ToList();
        Assert.Contains("/graphql", links);
        Assert.Contains("/dashboard", links);
        Assert.Contains("/swagger", links);
        Assert.Contains("/health/ready", links);
        Assert.DoesNotContain(links, l => l.Contains("//", StringComparison.Ordinal));
        foreach (var link in links.Where(l => l != "/swagger"))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, link);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
            var target = await client.SendAsync(request);
            Assert.True(target.StatusCode == HttpStatusCode.OK, $"{link}: {(int)target.StatusCode}");
        }
    }

    [Fact]
    public async Task Graphiql_loads_its_scripts_and_styles_from_the_service_itself()
    {
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/graphql");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/html"));
        var html = await (await client.SendAsync(request)).Content.ReadAsStringAsync();
        Assert.Contains("GraphiQL.createFetcher", html, StringComparison.Ordinal);
        var assets = References(html).ToList();
        Assert.Equal(4, assets.Count);
        Assert.All(assets, a => Assert.StartsWith("/lib/", a, StringComparison.Ordinal));
        Assert.DoesNotContain("unpkg", html, StringComparison.Ordinal);
        foreach (var asset in assets)
        {
            using var response = await client.GetAsync(new Uri(asset, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{asset}: {(int)response.StatusCode}");
            Assert.Equal(asset.EndsWith(".css", StringComparison.Ordinal) ? "text/css" : "text/javascript", response.Content.Headers.ContentType?.MediaType);
            Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 5_000, asset);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri("/lib/nothing.js", UriKind.Relative))).StatusCode);
    }
}
