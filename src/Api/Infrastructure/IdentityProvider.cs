using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// Sign-in through a ministry's OpenID Connect provider (Auth:Authority), beside the service's own tokens. Its tokens'
/// audience is Auth:Audience, and which of their claims carry the subject, the role and the administration is set in
/// Auth:Claims:Subject, :Role and :Administration; they are renamed to the service's before the token-shape rules
/// (<see cref="Auth.ActorOf"/>) judge them, so those rules hold for every token.
/// </summary>
public sealed class IdentityProvider
{
    public const string AuthoritySetting = "Auth:Authority";

    private IdentityProvider(string authority, string audience, bool requireHttps, TimeSpan refresh, TimeSpan automaticRefresh, IReadOnlyDictionary<string, string> renames)
    {
        Authority = authority;
        Audience = audience;
        RequireHttps = requireHttps;
        Refresh = refresh;
        AutomaticRefresh = automaticRefresh;
        Renames = renames;
    }

    public string Authority { get; }

    public string Audience { get; }

    public bool RequireHttps { get; }

    /// <summary>At most one fetch of the discovery document and keys per this long when a token names a key id not known.</summary>
    public TimeSpan Refresh { get; }

    public TimeSpan AutomaticRefresh { get; }

    /// <summary>The provider's claim type → the service's (sub, role, administration_id).</summary>
    public IReadOnlyDictionary<string, string> Renames { get; }

    /// <summary>The provider of the configuration, or null when Auth:Authority is not set.</summary>
    public static IdentityProvider? From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[AuthoritySetting] is not { Length: > 0 } authority)
        {
            return null;
        }

        var requireHttps = configuration.GetValue("Auth:RequireHttpsMetadata", true);
        if (!Uri.TryCreate(authority, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && (requireHttps || uri.Scheme != Uri.UriSchemeHttp)))
        {
            throw new InvalidOperationException($"{AuthoritySetting} is '{authority}': an https URL (http only with Auth:RequireHttpsMetadata=false).");
        }

        var claims = configuration.GetSection("Auth:Claims");
        var renames = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [claims["Subject"] ?? "sub"] = "sub",
            [claims["Role"] ?? "role"] = "role",
            [claims["Administration"] ?? Auth.AdministrationClaim] = Auth.AdministrationClaim,
        };
        if (renames.Count != 3)
        {
            throw new InvalidOperationException("Auth:Claims:Subject, :Role and :Administration name three different claims.");
        }

        return new IdentityProvider(authority, configuration["Auth:Audience"] ?? Auth.Audience, requireHttps,
            configuration.GetValue("Auth:KeysRefreshInterval", TimeSpan.FromSeconds(30)), configuration.GetValue("Auth:KeysAutomaticRefreshInterval", TimeSpan.FromHours(1)), renames);
    }

    private readonly SemaphoreSlim _fetching = new(1, 1);
    private (OpenIdConnectConfiguration Configuration, DateTimeOffset At)? _fetched;

    /// <summary>
    /// The provider's discovery document and keys as they are now, for a token that names a key id JwtBearer's copy
    /// lacks: fetched at once and waited for (JwtBearer's own refresh happens in the background, after the token was
    /// refused), at most once per <see cref="Refresh"/>, so unknown key ids cannot make the service hammer the provider.
    /// </summary>
    public async Task<OpenIdConnectConfiguration> FreshAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        await _fetching.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_fetched is { } last && time.GetUtcNow() - last.At < Refresh)
            {
                return last.Configuration;
            }

            var address = Authority.TrimEnd('/') + "/.well-known/openid-configuration";
            var configuration = await OpenIdConnectConfigurationRetriever.GetAsync(address, new HttpDocumentRetriever { RequireHttps = RequireHttps }, cancellationToken).ConfigureAwait(false);
            _fetched = (configuration, time.GetUtcNow());
            return configuration;
        }
        finally
        {
            _fetching.Release();
        }
    }

    public void Configure(JwtBearerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Authority = Authority;
        options.RequireHttpsMetadata = RequireHttps;
        options.RefreshOnIssuerKeyNotFound = true;
        options.RefreshInterval = Refresh;
        options.AutomaticRefreshInterval = AutomaticRefresh;
    }

    /// <summary>
    /// The provider's identity with its configured claims under the service's names; a claim already under one of the
    /// service's names but not configured to carry it is dropped, so that it can neither add nor double a role.
    /// </summary>
    public ClaimsIdentity Rename(ClaimsIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        var ours = Renames.Values.ToHashSet(StringComparer.Ordinal);
        var claims = identity.Claims
            .Where(c => Renames.ContainsKey(c.Type) || !ours.Contains(c.Type))
            .Select(c => Renames.TryGetValue(c.Type, out var type) ? new Claim(type, c.Value, c.ValueType, c.Issuer, c.OriginalIssuer) : c);
        return new ClaimsIdentity(claims, identity.AuthenticationType, "sub", "role");
    }
}
