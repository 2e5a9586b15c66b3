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
