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

    /// <summary>A page or asset, asked for as a browser asks (Accept: text/html for pages): its status, media type and body.</summary>
    private async Task<(int Status, string? MediaType, string Body)> GetAsync(string url, bool page = false)
    {
        var result = await factory.As(null).SendScenarioAsync(s =>
        {
            s.Get.Url(url);
            if (page)
            {
                s.WithRequestHeader("Accept", "text/html");
            }

            s.IgnoreStatusCode();
        });
        var type = result.Context.Response.ContentType;
        return (result.Context.Response.StatusCode, type is null ? null : Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(type).MediaType.Value, await result.ReadAsTextAsync());
    }

    [Fact]
    public async Task The_front_door_says_what_the_service_is_and_links_to_what_exists()
    {
        var (status, type, html) = await GetAsync("/");
        Assert.Equal(200, status);
        Assert.Equal("text/html", type);
        Assert.Contains("Chikaya.ma", html, StringComparison.Ordinal);
        var links = References(html).ToList();
        Assert.Contains("/graphql", links);
        Assert.Contains("/dashboard", links);
        Assert.Contains("/swagger", links);
        Assert.Contains("/health/ready", links);
        Assert.DoesNotContain(links, l => l.Contains("//", StringComparison.Ordinal));
        foreach (var link in links.Where(l => l != "/swagger"))
        {
            var (linked, _, _) = await GetAsync(link, page: true);
            Assert.True(linked == 200, $"{link}: {linked}");
        }
    }

    [Fact]
    public async Task Graphiql_loads_its_scripts_and_styles_from_the_service_itself()
    {
        var (_, _, html) = await GetAsync("/graphql", page: true);
        Assert.Contains("GraphiQL.createFetcher", html, StringComparison.Ordinal);
        var assets = References(html).ToList();
        Assert.Equal(4, assets.Count);
        Assert.All(assets, a => Assert.StartsWith("/lib/", a, StringComparison.Ordinal));
        Assert.DoesNotContain("unpkg", html, StringComparison.Ordinal);
        foreach (var asset in assets)
        {
            var (status, type, body) = await GetAsync(asset);
            Assert.True(status == 200, $"{asset}: {status}");
            Assert.Equal(asset.EndsWith(".css", StringComparison.Ordinal) ? "text/css" : "text/javascript", type);
            Assert.True(body.Length > 5_000, asset);
        }

        Assert.Equal(404, (await GetAsync("/lib/nothing.js")).Status);
    }
}
