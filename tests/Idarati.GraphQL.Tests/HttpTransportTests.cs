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
        await _app.StartAsync();
        Url = _app.Urls.Single() + "/graphql";
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

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

        var sdl = await http.GetStringAsync(Url + "/schema.graphql");
        Assert.Equal("type Query {\n  hello(name: String): String\n}\n\ntype Mutation {\n  touch: Boolean\n}", sdl);
    }
}
