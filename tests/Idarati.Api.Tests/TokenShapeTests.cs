using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Idarati.Api.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Idarati.Api.Tests;

/// <summary>
/// A token signed with the service's key but of the wrong shape is refused with 401 before any endpoint runs, on every
/// list and read route, REST and GraphQL: scope never fails open.
/// </summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class TokenShapeTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private const string Key = "integration-tests-signing-key-of-at-least-32-bytes";

    /// <summary>A token signed with the test host's key, carrying exactly the claims given (as JSON values).</summary>
    private static string Token(Dictionary<string, object> claims)
    {
        var credentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Key)), SecurityAlgorithms.HmacSha256);
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Auth.Issuer, Audience = Auth.Audience, IssuedAt = now, NotBefore = now, Expires = now.AddHours(1),
            SigningCredentials = credentials, Claims = claims,
        };
        return new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(descriptor);
    }

    public static TheoryData<string, string> BadShapes() => new()
    {
        { "agent without administration", """{"sub":"a-1","role":"agent"}""" },
        { "agent with two administrations", """{"sub":"a-1","role":"agent","administration_id":["MIN-SANTE","MIN-JUSTICE"]}""" },
        { "agent with an empty administration", """{"sub":"a-1","role":"agent","administration_id":""}""" },
        { "agent with an object administration", """{"sub":"a-1","role":"agent","administration_id":{"id":"MIN-SANTE"}}""" },
        { "two roles", """{"sub":"c-1","role":["citizen","supervisor"]}""" },
        { "unknown role", """{"sub":"x-1","role":"root"}""" },
        { "role as a number", """{"sub":"x-1","role":7}""" },
        { "no role", """{"sub":"x-1"}""" },
        { "no subject", """{"role":"supervisor"}""" },
        { "two subjects", """{"sub":["a","b"],"role":"supervisor"}""" },
        { "supervisor with an administration", """{"sub":"s-1","role":"supervisor","administration_id":"MIN-SANTE"}""" },
    };

    private static Dictionary<string, object> Claims(string json) =>
        JsonDocument.Parse(json).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value.Clone());

    [Theory]
    [MemberData(nameof(BadShapes))]
    public async Task A_token_of_the_wrong_shape_is_refused_with_401_on_every_read_route(string shape, string claims)
    {
        var misshapen = new ScenarioCaller(factory, null) { Token = Token(Claims(claims)) };
        string[] routes =
        [
            "/api/complaints?administrationId=MIN-JUSTICE", "/api/complaints/" + Guid.NewGuid(), "/api/call-center/tickets",
            "/api/applications?administrationId=MIN-SANTE", "/api/projections", "/api/indicators", "/api/administrations",
            "/api/complaints/by-tracking/CHK-2026-AAAAA-AAAAA?accessCode=X", $"/api/complaints/{Guid.NewGuid()}/history",
            $"/api/call-center/tickets/{Guid.NewGuid()}", $"/api/candidates/{Guid.NewGuid()}", $"/api/applications/{Guid.NewGuid()}",
            $"/api/competitions/{Guid.NewGuid()}", "/api/indicators/employment", "/api/indicators/complaints/processing", "/api/categories",
        ];
        foreach (var route in routes)
        {
            // 401 with a problem+json body (the scenario checks both), and the bearer challenge names the token.
            var refused = await misshapen.ScenarioAsync(HttpMethod.Get, route, null, HttpStatusCode.Unauthorized, problem: true);
            Assert.True(refused.Context.Response.Headers.WWWAuthenticate.ToString().Contains("invalid_token", StringComparison.Ordinal), $"{shape}: {route}");
        }

        foreach (var query in new[]
                 {
                     "{ complaints(administrationId: \"MIN-JUSTICE\") { totalCount } }", "{ administrations { id } }", "{ callCenterTickets { totalCount } }",
                     "{ applications(administrationId: \"MIN-SANTE\") { totalCount } }", "{ candidates { totalCount } }", "{ competitions { totalCount } }",
                     "{ projections { name } }", "{ indicators { employment { competitions } } }",
                 })
        {
            var (status, _) = await misshapen.GraphQLResponseAsync(query);
            Assert.True(status == HttpStatusCode.Unauthorized, $"{shape}: GraphQL {query} answered {(int)status}");
        }
    }

    [Fact]
    public async Task A_well_formed_token_is_accepted_and_one_signed_with_another_key_is_refused()
    {
        var agent = new ScenarioCaller(factory, null) { Token = Token(Claims("""{"sub":"a-1","role":"agent","administration_id":"MIN-SANTE"}""")) };
        await agent.GetAsync("/api/complaints?administrationId=MIN-JUSTICE", HttpStatusCode.OK);

        var foreign = new JwtSecurityTokenHandler().WriteToken(new JwtSecurityToken(Auth.Issuer, Auth.Audience,
            [new Claim("sub", "s-1"), new Claim("role", "supervisor")], expires: TimeProvider.System.GetUtcNow().UtcDateTime.AddHours(1),
            signingCredentials: new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes("another-key-of-at-least-32-bytes-long!!")), SecurityAlgorithms.HmacSha256)));
        await new ScenarioCaller(factory, null) { Token = foreign }.ProblemAsync(HttpMethod.Get, "/api/administrations", null, HttpStatusCode.Unauthorized);
        await factory.As(null).GetAsync("/api/administrations", HttpStatusCode.OK);
    }
}
