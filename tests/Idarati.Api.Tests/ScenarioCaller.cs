using System.Net;
using Alba;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>
/// One caller of the API (a role, an agent's administration, a citizen's subject) sending Alba scenarios: each request
/// states the status it must answer (Alba fails the test with the response otherwise) and gives back the JSON answer.
/// </summary>
public sealed class ScenarioCaller(ApiFactory factory, string? role, string? administrationId = null, string? subject = null)
{
    /// <summary>A bearer token sent as given instead of a dev token for the role (a forged or misshapen token).</summary>
    public string? Token { get; init; }

    /// <summary>The Idempotency-Key header every request of this caller carries, if any.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>The same caller, sending <paramref name="key"/> as its Idempotency-Key.</summary>
    public ScenarioCaller WithIdempotencyKey(string key) => new(factory, role, administrationId, subject) { Token = Token, IdempotencyKey = key };

    public Task<JsonElement> GetAsync(string url, HttpStatusCode expected) => SendAsync(HttpMethod.Get, url, null, expected);

    public Task<JsonElement> PostAsync(string url, object? body, HttpStatusCode expected) => SendAsync(HttpMethod.Post, url, body, expected);

    /// <summary>A refusal: the status, and an RFC 9457 problem (application/problem+json), whose JSON is returned.</summary>
    public Task<JsonElement> ProblemAsync(HttpMethod method, string url, object? body, HttpStatusCode expected) => SendAsync(method, url, body, expected, problem: true);

    /// <summary>A POST whose body is sent as written (not serialized): broken JSON, a literal null.</summary>
    public Task<JsonElement> PostTextAsync(string url, string json, HttpStatusCode expected, bool problem = false) => SendAsync(HttpMethod.Post, url, new RawJson(json), expected, problem);

    /// <summary>A GraphQL request (POST /graphql): the answer, 200, or 400 for a document that does not validate.</summary>
    public async Task<JsonElement> GraphQLAsync(string query, object? variables = null)
    {
        var result = await SendScenarioAsync(s =>
        {
            s.Post.Json(new { query, variables }).ToUrl("/graphql");
            s.IgnoreStatusCode();
        });
        var status = result.Context.Response.StatusCode;
        var text = await result.ReadAsTextAsync();
        Assert.True(status is 200 or 400, $"{status}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>
    /// A GraphQL request that accepts application/graphql-response+json (GraphQL over HTTP: a request error answers a
    /// 4xx): the status and the answer, whatever the status.
    /// </summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> GraphQLResponseAsync(string query, object? variables = null)
    {
        var result = await SendScenarioAsync(s =>
        {
            s.Post.Json(new { query, variables }).Accepts("application/graphql-response+json").ToUrl("/graphql");
            s.IgnoreStatusCode();
        });
        var text = await result.ReadAsTextAsync();
        return ((HttpStatusCode)result.Context.Response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The scenario itself, for what the JSON answer does not show (headers).</summary>
    public Task<Alba.IScenarioResult> ScenarioAsync(HttpMethod method, string url, object? body, HttpStatusCode expected, bool problem = false) =>
        RunAsync(method, url, body, expected, problem);

    private async Task<JsonElement> SendAsync(HttpMethod method, string url, object? body, HttpStatusCode expected, bool problem = false)
    {
        var result = await RunAsync(method, url, body, expected, problem);
        var text = await result.ReadAsTextAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private Task<Alba.IScenarioResult> RunAsync(HttpMethod method, string url, object? body, HttpStatusCode expected, bool problem) =>
        SendScenarioAsync(s =>
        {
            if (method == HttpMethod.Get)
            {
                s.Get.Url(url);
            }
            else if (body is RawJson raw)
            {
                s.Post.Text(raw.Json).ContentType("application/json").ToUrl(url);
            }
            else if (body is null)
            {
                s.Post.Url(url);
            }
            else
            {
                s.Post.Json(body).ToUrl(url);
            }

            s.StatusCodeShouldBe(expected);
            if (problem)
            {
                s.ContentTypeShouldBe("application/problem+json");
            }
        });

    /// <summary>A GET answered whatever its status, asking for <paramref name="accept"/> if given: what came back, as text.</summary>
    public async Task<TextAnswer> GetTextAsync(string url, string? accept = null)
    {
        var result = await SendScenarioAsync(s =>
        {
            s.Get.Url(url);
            if (accept is not null)
            {
                s.WithRequestHeader("Accept", accept);
            }

            s.IgnoreStatusCode();
        });
        var response = result.Context.Response;
        var type = response.ContentType is { } header ? Microsoft.Net.Http.Headers.MediaTypeHeaderValue.Parse(header).MediaType.Value : null;
        return new TextAnswer((HttpStatusCode)response.StatusCode, type, response.Headers, await result.ReadAsTextAsync());
    }

    /// <summary>Any scenario as this caller (its token added), for what the helpers above do not say: headers, Accept.</summary>
    public Task<Alba.IScenarioResult> SendScenarioAsync(Action<Alba.Scenario> configure)
    {
        void Configure(Alba.Scenario s)
        {
            if (Token is { } token)
            {
                s.WithBearerToken(token);
            }

            if (IdempotencyKey is { } key)
            {
                s.WithRequestHeader("Idempotency-Key", key);
            }

            configure(s);
        }

        return Token is null ? factory.ScenarioAsync(role, Configure, administrationId, subject) : factory.ScenarioAsync(null, Configure);
    }

    private sealed record RawJson(string Json);
}

/// <summary>A response as text: its status, media type (no parameters), headers and body.</summary>
public sealed record TextAnswer(HttpStatusCode Status, string? MediaType, Microsoft.AspNetCore.Http.IHeaderDictionary Headers, string Body);
