using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using System.Security.Claims;
using Idarati.Api.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace Idarati.Api.Tests;

public sealed class TokenCacheTests
{
    private sealed class ManualTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static (SymmetricSecurityKey Key, TokenValidationParameters Parameters) Setup(TimeProvider time)
    {
        var key = new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes("token-cache-test-key-of-at-least-32-bytes!"));
        return (key, new TokenValidationParameters
        {
            ValidIssuer = Auth.Issuer, ValidAudience = Auth.Audience, IssuerSigningKey = key, RoleClaimType = "role", NameClaimType = "sub",
            ClockSkew = TimeSpan.Zero, LifetimeValidator = Auth.Lifetime(time),
        });
    }

    [Fact]
    public async Task A_valid_token_is_remembered_until_it_expires_and_each_request_gets_its_own_identity()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
        var (key, parameters) = Setup(time);
        var handler = new CachingTokenHandler(time);
        var token = Auth.Issue(key, "agent-7", Auth.Roles.Agent, "MIN-SANTE", time);

        var first = await handler.ValidateTokenAsync(token, parameters);
        var second = await handler.ValidateTokenAsync(token, parameters);
        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.NotSame(first.ClaimsIdentity, second.ClaimsIdentity);
        Assert.Equal("MIN-SANTE", second.ClaimsIdentity.FindFirst(Auth.AdministrationClaim)?.Value);
        Assert.True(new ClaimsPrincipal(second.ClaimsIdentity).IsInRole(Auth.Roles.Agent));

        // Tokens last 12 hours: one minute after, the remembered verdict no longer holds, nor does a fresh check.
        time.Now = time.Now.AddHours(12).AddMinutes(1);
        Assert.False((await handler.ValidateTokenAsync(token, parameters)).IsValid);
    }

    [Fact]
    public async Task A_tampered_or_foreign_token_is_refused_even_after_a_valid_one_was_remembered()
    {
        var time = new ManualTime(new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));
        var (key, parameters) = Setup(time);
        var handler = new CachingTokenHandler(time);
        var token = Auth.Issue(key, "citizen-1", Auth.Roles.Citizen, null, time);
        Assert.True((await handler.ValidateTokenAsync(token, parameters)).IsValid);

        var parts = token.Split('.');
        var otherPayload = Auth.Issue(key, "citizen-1", Auth.Roles.Admin, null, time).Split('.')[1];
        Assert.False((await handler.ValidateTokenAsync($"{parts[0]}.{otherPayload}.{parts[2]}", parameters)).IsValid);
        var foreignKey = new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes("another-key-that-is-also-at-least-32-bytes"));
        Assert.False((await handler.ValidateTokenAsync(Auth.Issue(foreignKey, "x", Auth.Roles.Admin, null, time), parameters)).IsValid);
    }
}

/// <summary>The request pipeline's fast path for remembered tokens: same users, same refusals as the full check.</summary>
public sealed class RememberedTokenTests : IAsyncLifetime
{
    private readonly MovableTime _time = new();
    private ApiFactory _factory = null!;

    public Task InitializeAsync() => Task.FromResult(_factory = new ApiFactory { Time = _time });

    public Task DisposeAsync() => _factory.DisposeAsync().AsTask();

    private static async Task<string> SubmitAsync(ScenarioCaller citizen, string administrationId)
    {
        var result = await citizen.ScenarioAsync(HttpMethod.Post, "/api/complaints", TestHttp.Complaint(administrationId), System.Net.HttpStatusCode.Created);
        return result.Context.Response.Headers.Location.ToString();
    }

    [Fact]
    public async Task A_remembered_token_keeps_its_roles_and_administration_and_stops_working_when_it_expires()
    {
        var citizen = _factory.As(Auth.Roles.Citizen);
        var own = await SubmitAsync(citizen, "MIN-SANTE");
        var foreign = await SubmitAsync(citizen, "MIN-EDUCATION");
        var agent = _factory.As(Auth.Roles.Agent, "MIN-SANTE");
        var analyst = _factory.As(Auth.Roles.Analyst);
        await agent.GetAsync(own, System.Net.HttpStatusCode.OK);
        var tokens = _factory.Services.GetRequiredService<CachingTokenHandler>();
        Assert.NotNull(tokens.Known(await _factory.TokenAsync(Auth.Roles.Agent, "MIN-SANTE")));
        var fullChecks = 0;
        var bearer = _factory.Services.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>().Get(JwtBearerDefaults.AuthenticationScheme);
        bearer.Events = new JwtBearerEvents { OnTokenValidated = _ => { Interlocked.Increment(ref fullChecks); return Task.CompletedTask; } };
        for (var i = 0; i < 3; i++)
        {
            // The first request validates each token in full; the next ones find it remembered.
            await agent.GetAsync(own, System.Net.HttpStatusCode.OK);
            await agent.ProblemAsync(HttpMethod.Get, foreign, null, System.Net.HttpStatusCode.NotFound);
            await analyst.ProblemAsync(HttpMethod.Get, own, null, System.Net.HttpStatusCode.Forbidden);
        }

        Assert.Equal(1, fullChecks); // the analyst's token, at its first request; the agent's was remembered

        // Tokens last 12 hours: past that, the remembered verdict no longer holds and the full check refuses it.
        _time.Offset = TimeSpan.FromHours(12) + TimeSpan.FromMinutes(1);
        var expired = await agent.ScenarioAsync(HttpMethod.Get, own, null, System.Net.HttpStatusCode.Unauthorized);
        Assert.Contains("Bearer", expired.Context.Response.Headers.WWWAuthenticate.ToString(), StringComparison.Ordinal);
    }
}
