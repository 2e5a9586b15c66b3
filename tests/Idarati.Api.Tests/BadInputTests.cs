using System.Net;
using Alba;
using System.Text;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>
/// Every kind of bad input on the call-centre, employment and reference routes: malformed JSON, wrong types, missing
/// fields, unknown values, over-long texts, oversized bodies. Each is a 400 (or 413) problem naming the field, appends
/// nothing, and is never a 500.
/// </summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class BadInputTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static readonly string Somewhere = Guid.NewGuid().ToString();

    public static TheoryData<string, string, string, string, string> Cases => new()
    {
        // role (agent:ADMINISTRATION), route, body, field named
        { "agent:CENTRE-3737", "/api/call-center/tickets", "{ not json", "body", "malformed" },
        { "agent:CENTRE-3737", "/api/call-center/tickets", "null", "body", "null body" },
        { "agent:CENTRE-3737", "/api/call-center/tickets", """{"channel": 42, "categoryCode": "PROCEDURES", "topic": "x", "language": "arabic"}""", "channel", "wrong type" },
        { "agent:CENTRE-3737", "/api/call-center/tickets", """{"channel": "fax", "categoryCode": "PROCEDURES", "topic": "x", "language": "arabic"}""", "channel", "unknown value" },
        { "agent:CENTRE-3737", "/api/call-center/tickets", """{"channel": "phone", "topic": "x", "language": "arabic"}""", "categoryCode", "missing" },
        { "agent:CENTRE-3737", "/api/call-center/tickets", $$"""{"channel": "phone", "categoryCode": "PROCEDURES", "topic": "{{new string('x', 1001)}}", "language": "arabic"}""", "topic", "over-long" },
        { "agent:CENTRE-3737", $"/api/call-center/tickets/{Somewhere}/answer", "{}", "answer", "missing" },
        { "agent:CENTRE-3737", $"/api/call-center/tickets/{Somewhere}/answer", """{"answer": 5}""", "answer", "wrong type" },
        { "agent:CENTRE-3737", $"/api/call-center/tickets/{Somewhere}/answer", $$"""{"answer": "{{new string('x', 5001)}}"}""", "answer", "over-long" },
        { "agent:CENTRE-3737", $"/api/call-center/tickets/{Somewhere}/escalate", "{}", "administrationId", "missing" },
        { "agent:CENTRE-3737", $"/api/call-center/tickets/{Somewhere}/escalate", """{"location": {"region": ["x"]}}""", "location.region", "wrong type" },
        { "agent:MIN-FINANCES", "/api/competitions", "{ not json", "body", "malformed" },
        { "agent:MIN-FINANCES", "/api/competitions", "{}", "administrationId", "missing" },
        { "agent:MIN-FINANCES", "/api/competitions", """{"posts": "many"}""", "posts", "wrong type" },
        { "agent:MIN-FINANCES", "/api/competitions", """{"applicationDeadline": "soon"}""", "applicationDeadline", "wrong type" },
        { "agent:MIN-FINANCES", "/api/competitions", $$"""{"administrationId": "MIN-FINANCES", "title": "{{new string('x', 301)}}", "grade": "G", "posts": 1, "applicationDeadline": "2030-01-01T00:00:00Z", "acceptsElectronicApplications": true}""", "title", "over-long" },
        { "citizen", "/api/candidates", "{}", "fullName", "missing" },
        { "citizen", "/api/candidates", """{"fullName": "A", "nationalId": "B", "email": "not-an-address"}""", "email", "bad value" },
        { "citizen", "/api/candidates", """{"fullName": "A", "nationalId": "123456789012345678901", "email": "a@b.ma"}""", "nationalId", "over-long" },
        { "citizen", "/api/applications", "{}", "competitionId", "missing" },
        { "citizen", "/api/applications", """{"competitionId": "not-a-guid", "candidateId": "00000000-0000-0000-0000-000000000001"}""", "competitionId", "wrong type" },
        { "agent:MIN-FINANCES", $"/api/applications/{Somewhere}/preselect", "{}", "preselected", "missing" },
        { "agent:MIN-FINANCES", $"/api/applications/{Somewhere}/preselect", """{"preselected": "yes"}""", "preselected", "wrong type" },
        { "agent:MIN-FINANCES", $"/api/applications/{Somewhere}/convoke-written", """{"examAt": "tomorrow"}""", "examAt", "wrong type" },
        { "agent:MIN-FINANCES", $"/api/applications/{Somewhere}/result", """{"result": "maybe"}""", "result", "unknown value" },
        { "admin", "/api/administrations", "{}", "id", "missing" },
        { "admin", "/api/administrations", """{"id": "has space", "nameAr": "a", "nameFr": "b", "kind": "ministry", "region": "r"}""", "id", "bad value" },
        { "admin", "/api/administrations", """{"id": "X", "nameAr": "a", "nameFr": "b", "kind": "empire", "region": "r"}""", "kind", "unknown value" },
        { "admin", "/api/administrations/MIN-SANTE/deactivate", "{}", "reason", "missing" },
        { "citizen", "/api/complaints", """{"kind": "complaint", "channel": "portal", "subject": "Attente aux urg""", "body", "cut off in a string" },
        { "agent:CENTRE-3737", "/api/call-center/tickets", """{"channel": "phone", "categoryCode": """, "body", "cut off after a name" },
        { "agent:MIN-FINANCES", "/api/competitions", """{"posts": 3""", "body", "cut off after a number" },
        { "citizen", "/api/complaints", """{"kind": "complaint", "location": {"region": "Oriental", """, "body", "cut off in a nested object" },
    };

    [Fact]
    public async Task A_body_cut_off_is_named_as_such_not_as_its_last_member()
    {
        var result = await factory.ScenarioAsync("citizen", s =>
        {
            s.Post.RawJson("""{"kind": "complaint", "channel": "portal", "subject": "Attente aux urg""").ToUrl("/api/complaints");
            s.StatusCodeShouldBe(HttpStatusCode.BadRequest);
        });
        var problem = await result.ReadAsJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        Assert.Equal("The body ends before its JSON does: it was cut off.", errors.GetProperty("body")[0].GetString());
        Assert.False(errors.TryGetProperty("subject", out _), problem.GetRawText());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_a_400_naming_the_field_and_appends_nothing(string role, string route, string body, string field, string kind)
    {
        var (who, administration) = role.Split(':') is [var r, var a] ? (r, a) : (role, null);
        var before = await factory.CountEventsAsync();
        var result = await factory.ScenarioAsync(who, s =>
        {
            s.Post.RawJson(body).ToUrl(route);
            s.StatusCodeShouldBe(HttpStatusCode.BadRequest);
        }, administration);
        Assert.StartsWith("application/problem+json", result.Context.Response.ContentType, StringComparison.Ordinal);
        var problem = await result.ReadAsJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{kind}: {problem.GetRawText()}");
        Assert.Equal(before, await factory.CountEventsAsync());
    }

    public static TheoryData<string, string> Routes => new()
    {
        { "agent:CENTRE-3737", "/api/call-center/tickets" },
        { "agent:CENTRE-3737", $"/api/call-center/tickets/{Somewhere}/escalate" },
        { "agent:MIN-FINANCES", "/api/competitions" },
        { "citizen", "/api/candidates" },
        { "citizen", "/api/applications" },
        { "agent:MIN-FINANCES", $"/api/applications/{Somewhere}/result" },
        { "admin", "/api/administrations" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task An_oversized_body_is_413_and_appends_nothing(string role, string route)
    {
        var caller = role.Split(':') is [var r, var administration] ? factory.As(r, administration) : factory.As(role);
        var before = await factory.CountEventsAsync();
        var huge = JsonSerializer.Serialize(new { padding = new string('x', 100_000) });
        await caller.PostTextAsync(route, huge, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, await factory.CountEventsAsync());
    }
}

/// <summary>Bodies that are not JSON, and JSON bodies sent without a length, on routes that read their body themselves and on framework-bound ones.</summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class BodyFormatTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static readonly string Complaint = JsonSerializer.Serialize(TestHttp.Complaint());

    public static TheoryData<string, string> Routes => new()
    {
        { "citizen", "/api/complaints" },
        { "agent:MIN-SANTE", $"/api/complaints/{Guid.NewGuid()}/answer" },
        { "agent:MIN-FINANCES", $"/api/applications/{Guid.NewGuid()}/result" },
        { "agent:CENTRE-3737", "/api/call-center/tickets" },
        { "admin", "/api/administrations" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task A_body_that_is_not_json_is_415_naming_the_content_type_and_appends_nothing(string role, string route)
    {
        var caller = role.Split(':') is [var r, var administration] ? factory.As(r, administration) : factory.As(role);
        var before = await factory.CountEventsAsync();
        var result = await caller.SendScenarioAsync(s =>
        {
            s.Post.Text(Complaint).ContentType("text/plain").ToUrl(route);
            s.StatusCodeShouldBe(HttpStatusCode.UnsupportedMediaType);
            s.ContentTypeShouldBe("application/problem+json");
        });
        var text = await result.ReadAsTextAsync();
        Assert.True(JsonDocument.Parse(text).RootElement.TryGetProperty("errors", out var errors) && errors.TryGetProperty("Content-Type", out _), text);
        Assert.Equal(before, await factory.CountEventsAsync());
    }

    /// <summary>Sends its bytes in small pieces with no Content-Length (chunked), so the body arrives in several reads.</summary>
    private sealed class Trickle(byte[] body, int piece) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            for (var i = 0; i < body.Length; i += piece)
            {
                await stream.WriteAsync(body.AsMemory(i, Math.Min(piece, body.Length - i)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    /// <summary>An HttpClient, because the body must arrive in pieces without a length (an Alba scenario sends it whole).</summary>
    [Fact]
    public async Task A_json_body_without_a_length_is_read_whole_and_an_endless_one_is_413()
    {
        using var citizen = await factory.ClientAsync("citizen");
        using var content = new Trickle(Encoding.UTF8.GetBytes(Complaint), 37);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var created = await citizen.PostAsync("/api/complaints", content);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());

        var before = await factory.CountEventsAsync();
        var huge = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { subject = new string('x', 100_000) }));
        using var oversized = new Trickle(huge, 4096);
        oversized.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var refused = await citizen.PostAsync("/api/complaints", oversized);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal(before, await factory.CountEventsAsync());
    }
}
