using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Idarati.GraphQL.Http;
using Idarati.GraphQL.Types;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Idarati.GraphQL.Tests;

/// <summary>The transport on a real Kestrel port: graphql-http's audit suite, and the status codes the specification asks for.</summary>
public sealed class HttpTransportTests : IAsyncLifetime
{
    private WebApplication _app = null!;

    private string Url { get; set; } = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        var query = new ObjectGraphType("Query");
        query.AddFields(new FieldDefinition("hello", Scalars.String) { Arguments = [new("name", Scalars.String)], Resolve = c => ValueTask.FromResult<object?>($"Salam {c.Argument<string>("name") ?? "world"}") });
        var mutation = new ObjectGraphType("Mutation");
        mutation.AddFields(new FieldDefinition("touch", Scalars.Boolean) { Resolve = _ => ValueTask.FromResult<object?>(true) });
        _app.MapGraphQL("/graphql", new Schema(query, mutation));

        // A second endpoint with tight limits, over a schema where depth and cost are easy to reach.
        var tree = new ObjectGraphType("Tree");
        tree.AddFields(
            new FieldDefinition("name", Scalars.String) { Resolve = _ => ValueTask.FromResult<object?>("node") },
            new FieldDefinition("child", tree) { Resolve = _ => ValueTask.FromResult<object?>(new object()) },
            new FieldDefinition("children", new ListGraphType(tree.NonNull))
            {
                Arguments = [new InputValueDefinition("first", Scalars.Int).WithDefault(10)],
                ListSize = new ListSize(SlicingArguments: ["first"], RequireOneSlicingArgument: false),
                Resolve = c => ValueTask.FromResult<object?>(Enumerable.Range(0, c.Argument<int>("first")).Select(_ => new object()).ToList()),
            });
        var limited = new ObjectGraphType("Query");
        limited.AddFields(
            new FieldDefinition("tree", tree) { Resolve = _ => ValueTask.FromResult<object?>(new object()) },
            new FieldDefinition("slow", Scalars.String) { Resolve = async c => { await Task.Delay(TimeSpan.FromSeconds(10), c.CancellationToken); return "late"; } });
        _app.MapGraphQL("/limited", new Schema(limited), new GraphQLHttpOptions
        {
            Limits = new Idarati.GraphQL.Validation.QueryLimits(MaxDepth: 4, MaxAliases: 2, MaxCost: 300),
            Parser = new Idarati.GraphQL.Language.ParserOptions(MaxTokens: 60),
            Timeout = TimeSpan.FromMilliseconds(300),
        });
        await _app.StartAsync();
        Url = _app.Urls.Single() + "/graphql";
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("{ tree { child { child { child { name } } } } }", "MAX_DEPTH_EXCEEDED", 1, 34)]
    [InlineData("{ a: tree { name } b: tree { name } c: tree { name } }", "MAX_ALIASES_EXCEEDED", 1, 1)]
    [InlineData("{ tree { children(first: 20) { children(first: 20) { name } } } }", "MAX_COST_EXCEEDED", 1, 1)]
    public Task Requests_over_the_limits_are_refused_before_they_run_with_a_code(string query, string code, int line, int column) => RefusedAsync(query, code, line, column);

    [Fact]
    public Task A_document_of_too_many_tokens_is_refused_at_the_first_token_over()
    {
        // "{ tree { " then names of five characters each: token 61 is the 58th name.
        var query = "{ tree { " + string.Join(' ', Enumerable.Repeat("name", 80)) + " } }";
        return RefusedAsync(query, "MAX_TOKENS_EXCEEDED", 1, 10 + (57 * 5));
    }

    private async Task RefusedAsync(string query, string code, int line, int column)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, Url.Replace("/graphql", "/limited", StringComparison.Ordinal))
        {
            Content = new StringContent(JsonSerializer.Serialize(new { query }), Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(GraphQLHttp.GraphQLResponseJson));
        using var response = await http.SendAsync(request);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = body.GetProperty("errors")[0];
        Assert.Equal(code, error.GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal((line, column), (error.GetProperty("locations")[0].GetProperty("line").GetInt32(), error.GetProperty("locations")[0].GetProperty("column").GetInt32()));
        Assert.False(body.TryGetProperty("data", out _));
    }

    [Fact]
    public async Task A_slow_execution_is_stopped_at_the_time_out_with_a_code()
    {
        using var http = new HttpClient();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var body = JsonDocument.Parse(await http.GetStringAsync(Url.Replace("/graphql", "/limited", StringComparison.Ordinal) + "?query=" + Uri.EscapeDataString("{ slow }"))).RootElement;
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal("EXECUTION_TIMEOUT", body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("data").ValueKind);
    }

    [Fact]
    public async Task The_graphql_http_audit_suite_passes_without_error_or_warning()
    {
        var (code, output) = await IntrospectionConformanceTests.ScriptAsync("audit.mjs", Url);
        Assert.True(code == 0, output);
    }

    [Fact]
    public async Task Status_codes_follow_the_accepted_media_type()
    {
        using var http = new HttpClient();
        async Task<(HttpStatusCode Status, string? Type, JsonElement Body)> Post(string accept, string json)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
            using var response = await http.SendAsync(request);
            return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }

        var ok = await Post(GraphQLHttp.GraphQLResponseJson, """{"query":"query ($n: String) { hello(name: $n) }","variables":{"n":"Amina"}}""");
        Assert.Equal((HttpStatusCode.OK, GraphQLHttp.GraphQLResponseJson, "Salam Amina"), (ok.Status, ok.Type, ok.Body.GetProperty("data").GetProperty("hello").GetString()));

        var invalid = await Post(GraphQLHttp.GraphQLResponseJson, """{"query":"{ nope }"}""");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.False(invalid.Body.TryGetProperty("data", out _));
        Assert.Equal("GRAPHQL_VALIDATION_FAILED", invalid.Body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        Assert.Equal(3, invalid.Body.GetProperty("errors")[0].GetProperty("locations")[0].GetProperty("column").GetInt32());

        var legacy = await Post(GraphQLHttp.Json, """{"query":"{ hello"}""");
        Assert.Equal((HttpStatusCode.OK, GraphQLHttp.Json, "GRAPHQL_PARSE_FAILED"), (legacy.Status, legacy.Type, legacy.Body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString()));

        using var get = new HttpRequestMessage(HttpMethod.Get, Url + "?query=" + Uri.EscapeDataString("mutation { touch }"));
        using var refused = await http.SendAsync(get);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, refused.StatusCode);
        Assert.Contains("POST", refused.Content.Headers.Allow);

        using var textOnly = new HttpRequestMessage(HttpMethod.Get, Url + "?query=" + Uri.EscapeDataString("{ hello }"));
        textOnly.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("text/plain"));
        Assert.Equal(HttpStatusCode.NotAcceptable, (await http.SendAsync(textOnly)).StatusCode);

        using var browser = new HttpRequestMessage(HttpMethod.Get, Url);
        browser.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("text/html"));
        using var page = await http.SendAsync(browser);
        Assert.Equal(("text/html", HttpStatusCode.OK), (page.Content.Headers.ContentType?.MediaType, page.StatusCode));
        Assert.Contains("data-endpoint=\"/graphql\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var sdl = await http.GetStringAsync(Url + "/schema.graphql");
        Assert.Equal("type Query {\n  hello(name: String): String\n}\n\ntype Mutation {\n  touch: Boolean\n}", sdl);
    }
}
