using System.Net;
using System.Net.Http.Json;
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

    private static async Task AssertTooMany(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, response.Headers.ToString());
        Assert.Equal(429, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Wrong_access_codes_on_one_tracking_number_are_refused_after_the_target_budget_whatever_the_transport()
    {
        var citizen = await _factory.ClientAsync("citizen");
        var submitted = await TestHttp.Json(await citizen.PostAsJsonAsync("/api/complaints", TestHttp.Complaint()), HttpStatusCode.Created);
        var tracking = submitted.GetProperty("trackingNumber").GetString();
        using var anonymous = _factory.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await anonymous.GetAsync($"/api/complaints/by-tracking/{tracking}?accessCode=WRONG{i:D3}")).StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.NotFound, s));
        // The fifth attempt on this number is the last of its budget; GraphQL's attempts draw on the same one.
        var graph = await anonymous.PostAsJsonAsync("/graphql", new { query = $$"""{ a: complaintByTracking(trackingNumber: "{{tracking}}", accessCode: "X1") { id } b: complaintByTracking(trackingNumber: "{{tracking}}", accessCode: "X2") { id } }""" });
        await AssertTooMany(graph);
        await AssertTooMany(await anonymous.GetAsync($"/api/complaints/by-tracking/{tracking}?accessCode={submitted.GetProperty("accessCode").GetString()}"));
    }

    [Fact]
    public async Task One_address_trying_many_tracking_numbers_is_refused_and_a_graphql_request_counts_each_aliased_guess()
    {
        using var anonymous = _factory.CreateClient();
        var aliases = string.Join(' ', Enumerable.Range(0, 19).Select(i => $"g{i}: complaintByTracking(trackingNumber: \"CHK-2026-AAAA{i % 10}-{i:D5}\", accessCode: \"CODE\") {{ id }}"));
        var first = await anonymous.PostAsJsonAsync("/graphql", new { query = $"{{ {aliases} }}" });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var last = await anonymous.PostAsJsonAsync("/graphql", new { query = "{ complaintByTracking(trackingNumber: \"CHK-2026-DDDDD-00000\", accessCode: \"A\") { id } }" });
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        var second = await anonymous.PostAsJsonAsync("/graphql", new { query = "query($t: String!) { x: complaintByTracking(trackingNumber: $t, accessCode: \"A\") { id } y: complaintByTracking(trackingNumber: $t, accessCode: \"B\") { id } }", variables = new { t = "CHK-2026-BBBBB-00000" } });
        await AssertTooMany(second);
        await AssertTooMany(await anonymous.GetAsync("/api/complaints/by-tracking/CHK-2026-CCCCC-00000?accessCode=A"));
    }

    [Fact]
    public async Task X_access_code_reads_and_dev_tokens_are_limited_too()
    {
        var citizen = await _factory.ClientAsync("citizen", subject: "rate-citizen");
        var id = (await TestHttp.Json(await citizen.PostAsJsonAsync("/api/complaints", TestHttp.Complaint()), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var other = await _factory.ClientAsync("citizen", subject: "rate-other");
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/complaints/{id}");
            request.Headers.Add("X-Access-Code", $"GUESS{i}");
            answers.Add((await other.SendAsync(request)).StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.NotFound, 5), HttpStatusCode.TooManyRequests], answers);
        Assert.Equal(HttpStatusCode.OK, (await citizen.GetAsync($"/api/complaints/{id}")).StatusCode);

        using var anonymous = _factory.CreateClient();
        HttpResponseMessage last = new();
        for (var i = 0; i < 21 && last.StatusCode != HttpStatusCode.TooManyRequests; i++)
        {
            last = await anonymous.PostAsJsonAsync("/api/dev/tokens", new { role = "citizen", subject = $"mint-{i}" });
        }

        await AssertTooMany(last);
    }
}
