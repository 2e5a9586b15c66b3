using System.Net;
using Alba;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>Guessing access codes and minting development tokens is slowed down: 429 problem+json with Retry-After.</summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private readonly ApiFactory _factory = new();

    public RateLimitTests()
    {
        _factory.Settings["RateLimits:GuessesPerClientPerMinute"] = "20";
        _factory.Settings["RateLimits:GuessesPerTargetPer10Minutes"] = "5";
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    /// <summary>A request that must be refused as too many: 429, problem+json saying 429, and a Retry-After of a second or more.</summary>
    private static async Task TooManyAsync(ScenarioCaller caller, Action<Alba.Scenario> request)
    {
        var result = await caller.SendScenarioAsync(s =>
        {
            request(s);
            s.StatusCodeShouldBe(HttpStatusCode.TooManyRequests);
            s.ContentTypeShouldBe("application/problem+json");
        });
        var retryAfter = result.Context.Response.Headers.RetryAfter.ToString();
        Assert.True(int.TryParse(retryAfter, out var seconds) && seconds >= 1, $"Retry-After: '{retryAfter}'");
        Assert.Equal(429, JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Wrong_access_codes_on_one_tracking_number_are_refused_after_the_target_budget_whatever_the_transport()
    {
        var submitted = await _factory.As("citizen").PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created);
        var tracking = submitted.GetProperty("trackingNumber").GetString();
        var anonymous = _factory.As(null);
        for (var i = 0; i < 4; i++)
        {
            await anonymous.ProblemAsync(HttpMethod.Get, $"/api/complaints/by-tracking/{tracking}?accessCode=WRONG{i:D3}", null, HttpStatusCode.NotFound);
        }

        // The fifth attempt on this number is the last of its budget; GraphQL's attempts draw on the same one.
        await TooManyAsync(anonymous, s => s.Post.Json(new { query = $$"""{ a: complaintByTracking(trackingNumber: "{{tracking}}", accessCode: "X1") { id } b: complaintByTracking(trackingNumber: "{{tracking}}", accessCode: "X2") { id } }""" }).ToUrl("/graphql"));
        await TooManyAsync(anonymous, s => s.Get.Url($"/api/complaints/by-tracking/{tracking}?accessCode={submitted.GetProperty("accessCode").GetString()}"));
    }

    [Fact]
    public async Task One_address_trying_many_tracking_numbers_is_refused_and_a_graphql_request_counts_each_aliased_guess()
    {
        var anonymous = _factory.As(null);
        var aliases = string.Join(' ', Enumerable.Range(0, 19).Select(i => $"g{i}: complaintByTracking(trackingNumber: \"CHK-2026-AAAA{i % 10}-{i:D5}\", accessCode: \"CODE\") {{ id }}"));
        await anonymous.PostAsync("/graphql", new { query = $"{{ {aliases} }}" }, HttpStatusCode.OK);
        await anonymous.PostAsync("/graphql", new { query = "{ complaintByTracking(trackingNumber: \"CHK-2026-DDDDD-00000\", accessCode: \"A\") { id } }" }, HttpStatusCode.OK);
        await TooManyAsync(anonymous, s => s.Post.Json(new
        {
            query = "query($t: String!) { x: complaintByTracking(trackingNumber: $t, accessCode: \"A\") { id } y: complaintByTracking(trackingNumber: $t, accessCode: \"B\") { id } }",
            variables = new { t = "CHK-2026-BBBBB-00000" },
        }).ToUrl("/graphql"));
        await TooManyAsync(anonymous, s => s.Get.Url("/api/complaints/by-tracking/CHK-2026-CCCCC-00000?accessCode=A"));
    }

    [Fact]
    public async Task X_access_code_reads_and_dev_tokens_are_limited_too()
    {
        var citizen = _factory.As("citizen", subject: "rate-citizen");
        var id = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var other = _factory.As("citizen", subject: "rate-other");
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            var guess = $"GUESS{i}";
            var result = await other.SendScenarioAsync(s =>
            {
                s.Get.Url($"/api/complaints/{id}");
                s.WithRequestHeader("X-Access-Code", guess);
                s.IgnoreStatusCode();
            });
            answers.Add((HttpStatusCode)result.Context.Response.StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.NotFound, 5), HttpStatusCode.TooManyRequests], answers);
        await citizen.GetAsync($"/api/complaints/{id}", HttpStatusCode.OK);

        var anonymous = _factory.As(null);
        var minted = 0;
        while (true)
        {
            var subject = $"mint-{minted}";
            var result = await anonymous.SendScenarioAsync(s =>
            {
                s.Post.Json(new { role = "citizen", subject }).ToUrl("/api/dev/tokens");
                s.IgnoreStatusCode();
            });
            if (result.Context.Response.StatusCode != 200)
            {
                break;
            }

            minted++;
            Assert.True(minted <= 20, "more than the 20 tokens a minute the settings allow");
        }

        await TooManyAsync(anonymous, s => s.Post.Json(new { role = "citizen", subject = "one-more" }).ToUrl("/api/dev/tokens"));
    }
}
