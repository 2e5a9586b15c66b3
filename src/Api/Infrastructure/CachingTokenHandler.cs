using Idarati.Application.Handling;
using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// Validates a bearer token once and remembers the verdict until the token expires: a front end sends the same token
/// with every request, and checking its signature and claims again each time was a tenth of a command's work in the
/// service. Only valid tokens are kept, each with its own expiry (read from the token, checked against the
/// TimeProvider at every use); every request gets its own copy of the identity. The set is bounded: when full it is
/// emptied and refills from the next requests. Tokens cannot be revoked before they expire in this service anyway.
/// </summary>
public sealed class CachingTokenHandler(TimeProvider time, int capacity = 10_000) : JsonWebTokenHandler
{
    private readonly ConcurrentDictionary<string, (ClaimsIdentity Identity, DateTimeOffset Expires, TokenValidationResult Result)> _valid = new(StringComparer.Ordinal);

    /// <summary>The identity provider whose tokens are also accepted, their claims renamed to the service's; null when there is none.</summary>
    public IdentityProvider? Provider { get; init; }

    /// <summary>
    /// The user of a token this handler has validated and that has not expired (a copy of its identity), or null: then
    /// the token must go through the full validation.
    /// </summary>
    public ClaimsPrincipal? Known(string token) =>
        _valid.TryGetValue(token, out var known) && known.Expires > time.GetUtcNow() ? new ClaimsPrincipal(known.Identity.Clone()) : null;

    public override async Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(token);
        var now = time.GetUtcNow();
        if (_valid.TryGetValue(token, out var known))
        {
            if (known.Expires > now)
            {
                return new TokenValidationResult
                {
                    IsValid = true,
                    ClaimsIdentity = known.Identity.Clone(),
                    SecurityToken = known.Result.SecurityToken,
                    Issuer = known.Result.Issuer,
                    TokenType = known.Result.TokenType,
                };
            }

            _valid.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters).ConfigureAwait(false);
        if (!result.IsValid && Provider is { } rotated && result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // A key id not in JwtBearer's copy of the provider's keys: the provider may have rotated. Checked once
            // more against its keys as they are now; JwtBearer refreshes its own copy meanwhile.
            var fresh = await rotated.FreshAsync(time, CancellationToken.None).ConfigureAwait(false);
            var again = validationParameters.Clone();
            again.ConfigurationManager = null;
            again.ValidIssuers = [.. validationParameters.ValidIssuers ?? [], fresh.Issuer];
            again.IssuerSigningKeys = [.. validationParameters.IssuerSigningKeys ?? [], .. fresh.SigningKeys];
            result = await base.ValidateTokenAsync(token, again).ConfigureAwait(false);
            validationParameters.ConfigurationManager?.RequestRefresh();
        }
        if (result.IsValid && Provider is { } provider && result.Issuer != Auth.Issuer && result.ClaimsIdentity is { } given)
        {
            result.ClaimsIdentity = provider.Rename(given);
        }

        if (result.IsValid && result.ClaimsIdentity is { } claims && Auth.ActorOf(claims.Claims, out var problem) is null)
        {
            // Signed by us but not of the shape an actor has: refused like a forged token, never remembered.
            return new TokenValidationResult { IsValid = false, Exception = new SecurityTokenValidationException($"The token's claims do not fit: {problem}") };
        }

        if (result.IsValid && result.SecurityToken is { ValidTo: var validTo } && validTo > DateTime.MinValue && result.ClaimsIdentity is { } identity)
        {
            if (_valid.Count >= capacity)
            {
                _valid.Clear();
            }

            // Never past the token's own expiry: the library allowed its clock skew once, the cache allows none.
            _valid[token] = (identity.Clone(), new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc)), result);
        }

        return result;
    }
}
