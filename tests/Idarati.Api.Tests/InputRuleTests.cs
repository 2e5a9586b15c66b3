using System.Net;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>The rules users expect of identities, dates and malformed requests: each a problem naming the field, never a 500.</summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class InputRuleTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static void Names(JsonElement problem, string field) =>
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());

    public static TheoryData<string, string, string> Identities => new()
    {
        { "nationalId", "123456", "digits only" },
        { "nationalId", "ABC12345", "three letters" },
        { "nationalId", "AB", "no digits" },
        { "email", "amina@localhost", "no dot in the domain" },
        { "email", "amina.example.ma", "no @" },
        { "email", "am ina@example.ma", "a space" },
        { "email", "amina@@example.ma", "two @" },
        { "phone", "12345", "too short" },
        { "phone", "+0612345678", "E.164 cannot start with 0" },
        { "phone", "0912345678", "not a Moroccan prefix" },
        { "phone", "06-12-ab-56-78", "letters" },
    };

    [Theory]
    [MemberData(nameof(Identities))]
    public async Task A_complaint_refuses_an_identity_that_is_not_a_cin_an_address_or_a_phone(string field, string value, string why)
    {
        var body = TestHttp.Complaint();
        var citizen = new Dictionary<string, object?> { ["fullName"] = "Amina Benali", ["nationalId"] = "AB123456", ["phone"] = "+212600000000", ["email"] = "amina@example.invalid" };
        citizen[field] = value;
        body["citizen"] = citizen;
        var client = factory.As("citizen");
        var problem = await client.ProblemAsync(HttpMethod.Post, "/api/complaints", body, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty($"citizen.{field}", out _), $"{why}: {problem}");
    }

    [Theory]
    [InlineData("A1")]
    [InlineData("ab123456")]
    [InlineData("Z12345678")]
    public async Task Cins_moroccan_and_e164_numbers_and_addresses_are_accepted(string cin)
    {
        var body = TestHttp.Complaint();
        body["citizen"] = new { fullName = "Amina Benali", nationalId = cin, phone = "06 12 34 56 78", email = "amina.benali@sub.example.invalid" };
        var client = factory.As("citizen");
        await client.PostAsync("/api/complaints", body, HttpStatusCode.Created);
    }

    [Fact]
    public async Task Dates_outside_the_service_range_are_400s_naming_the_parameter_on_every_route_and_in_graphql()
    {
        var analyst = factory.As("analyst");
        foreach (var asOf in new[] { "9999-12-31", "0001-01-01", "9999-12-31T23:59:59Z", "1900-01-01T00:00:00+14:00" })
        {
            Names(await analyst.ProblemAsync(HttpMethod.Get, $"/api/indicators?asOf={Uri.EscapeDataString(asOf)}", null, HttpStatusCode.BadRequest), "asOf");
        }

        var citizen = factory.As("citizen", subject: "dates-citizen");
        var id = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        Names(await citizen.ProblemAsync(HttpMethod.Get, $"/api/complaints/{id}?asOf=9999-12-31T00:00:00Z", null, HttpStatusCode.BadRequest), "asOf");
        Names(await citizen.ProblemAsync(HttpMethod.Get, $"/api/complaints/{id}?asOf=soon", null, HttpStatusCode.BadRequest), "asOf");

        var agent = factory.As("agent", "MIN-FINANCES");
        var competition = new { administrationId = "MIN-FINANCES", title = "Techniciens", grade = "Grade 3", posts = 2, applicationDeadline = "9999-12-31T00:00:00Z", acceptsElectronicApplications = true };
        Names(await agent.ProblemAsync(HttpMethod.Post, "/api/competitions", competition, HttpStatusCode.BadRequest), "applicationDeadline");

        var graph = await TestHttp.Graph(analyst, """{ indicators { report(asOf: "9999-12-31T00:00:00Z") { asOf } } }""");
        Assert.Contains("out of range", graph.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        var variables = await TestHttp.Graph(analyst, "query($at: DateTime) { indicators { report(asOf: $at) { asOf } } }", new { at = "0001-01-01T00:00:00Z" });
        Assert.Contains("out of range", variables.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Binding_errors_name_the_parameter_without_clr_types()
    {
        var citizen = factory.As("citizen", subject: "binding-citizen");
        var id = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var problem = await citizen.ProblemAsync(HttpMethod.Get, $"/api/complaints/{id}?version=abc", null, HttpStatusCode.BadRequest);
        var text = problem.GetRawText();
        Names(problem, "version");
        Assert.DoesNotContain("Nullable", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Int64", text, StringComparison.Ordinal);
        var limit = await factory.As("supervisor").ProblemAsync(HttpMethod.Get, "/api/complaints?limit=many", null, HttpStatusCode.BadRequest);
        Names(limit, "limit");
        Assert.DoesNotContain("Int32", limit.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_over_long_target_is_414_and_over_large_headers_431_both_as_problems()
    {
        var anonymous = factory.As(null);
        await anonymous.ProblemAsync(HttpMethod.Get, "/api/categories?q=" + new string('x', 9000), null, HttpStatusCode.RequestUriTooLong);
        var tooLarge = await anonymous.SendScenarioAsync(s =>
        {
            s.Get.Url("/api/categories");
            for (var i = 0; i < 5; i++)
            {
                s.WithRequestHeader($"X-Padding-{i}", new string('y', 8000));
            }

            s.StatusCodeShouldBe(HttpStatusCode.RequestHeaderFieldsTooLarge);
        });
        Assert.Equal("application/problem+json", tooLarge.Context.Response.ContentType);
        await anonymous.GetAsync("/api/categories?q=" + new string('x', 4000), HttpStatusCode.OK);
    }
}
