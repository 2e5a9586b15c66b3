using Idarati.Application.Handling;
using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Text;
using Idarati.Domain.Shared;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IdentityModel.Tokens;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// JWT bearer authentication. Roles: citizen, agent (bound to one administration by the administration_id claim),
/// supervisor, auditor, analyst, admin. Tokens are signed with Auth:SigningKey (at least 32 bytes), which
/// <see cref="Secrets.Require"/> has checked, or drawn for this process in Development.
/// </summary>
public static class Auth
{
    public const string Issuer = "idarati";
    public const string Audience = "idarati-api";
    public const string AdministrationClaim = "administration_id";

    public static class Roles
    {
        public const string Citizen = "citizen";
        public const string Agent = "agent";
        public const string Supervisor = "supervisor";
        public const string Auditor = "auditor";
        public const string Analyst = "analyst";
        public const string Admin = "admin";

        /// <summary>The data-protection officer (law 09-08): erasures and access requests.</summary>
        public const string DataProtectionOfficer = "dpo";
    }

    public static IServiceCollection AddIdaratiAuth(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var key = SigningKey(configuration);
        services.AddSingleton(key);
        var provider = IdentityProvider.From(configuration);
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = Issuer,
                ValidAudiences = provider is null ? [Audience] : [Audience, provider.Audience],
                IssuerSigningKey = key,
                RoleClaimType = "role",
                NameClaimType = "sub",
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            // A ministry's identity provider: its issuer and keys come from its discovery document and JWKS, which
            // JwtBearer fetches, keeps, and fetches again on a key id it does not know (at most once per
            // RefreshInterval) or every AutomaticRefreshInterval: a rotation is followed without a restart.
            provider?.Configure(options);
        });
        services.AddSingleton(sp => new CachingTokenHandler(sp.GetRequiredService<TimeProvider>()) { Provider = provider });
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<TimeProvider, CachingTokenHandler>((options, time, tokens) =>
        {
            // Lifetimes are checked against the service's clock, like everything else that tells time.
            options.TokenValidationParameters.LifetimeValidator = Lifetime(time);
            options.TokenHandlers.Clear();
            options.TokenHandlers.Add(tokens);
        });
        services.AddAuthorization();
        return services;
    }

    /// <summary>
    /// Authentication for every request. A bearer token this node has already validated, and that has not expired,
    /// makes the request's user at once (a copy of the identity the full check produced); any other request goes
    /// through the authentication middleware as before (JwtBearer, whose handler validates the token and remembers it).
    /// The middleware's own cost (a handler created and initialised per request, its events and ticket) was as much as
    /// the cached check itself.
    /// </summary>
    public static IApplicationBuilder UseIdaratiAuthentication(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var tokens = app.ApplicationServices.GetRequiredService<CachingTokenHandler>();
        app.Use((context, next) =>
        {
            if (BearerToken(context.Request) is { } token && tokens.Known(token) is { } user)
            {
                context.User = user;
            }

            return next(context);
        });
        app.UseWhen(context => context.User.Identity?.IsAuthenticated != true, authenticate => authenticate.UseAuthentication());

        // A request that presents credentials which did not make a user (forged, expired, of the wrong shape, another
        // scheme) is refused here, whatever the endpoint: never served as anonymous (RFC 6750 invalid_token).
        app.Use((context, next) => context.User.Identity?.IsAuthenticated != true && context.Request.Headers.Authorization.Count > 0
            ? RefuseCredentials(context)
            : next(context));

        // WebApplication adds the authentication middleware in front of everything unless UseAuthentication marked the
        // application builder (a branch's mark stays in the branch): mark it as UseAuthentication does, or every
        // request is authenticated in full before reaching the lines above. RememberedTokenTests counts full checks.
        app.Properties["__AuthenticationMiddlewareSet"] = true;
        return app;
    }

    private static Task RefuseCredentials(HttpContext context)
    {
        var failure = context.Features.Get<Microsoft.AspNetCore.Authentication.IAuthenticateResultFeature>()?.AuthenticateResult?.Failure;
        var reason = failure is SecurityTokenValidationException { Message: var m } && m.StartsWith("The token's claims", StringComparison.Ordinal) ? " " + m
            : failure is SecurityTokenExpiredException ? " It has expired." : string.Empty;
        context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "The credentials sent are not a valid bearer token of this service." + reason)
            .ExecuteAsync(context);
    }

    /// <summary>The token of an "Authorization: Bearer ..." header, as JwtBearer reads it; null when there is none.</summary>
    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value["Bearer ".Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    /// <summary>
    /// A token's lifetime checked against <paramref name="time"/> (the library would read the system clock): it must
    /// expire, and now must lie between its start and its expiry, give or take the parameters' clock skew.
    /// </summary>
    public static LifetimeValidator Lifetime(TimeProvider time) => (notBefore, expires, _, parameters) =>
    {
        var now = time.GetUtcNow().UtcDateTime;
        return expires is { } end && now <= end.ToUniversalTime() + parameters.ClockSkew
            && (notBefore is not { } start || start.ToUniversalTime() <= now + parameters.ClockSkew);
    };

    /// <summary>
    /// The acting user, from a token <see cref="ActorOf"/> accepted when it was validated (a token of any other shape
    /// never makes a user); anonymous callers never reach an endpoint that asks for one.
    /// </summary>
    public static Actor ToActor(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return ActorOf(user.Claims, out var problem) ?? throw new InvalidOperationException($"The user is not an actor: {problem}");
    }

    /// <summary>
    /// The one place a validated token becomes an <see cref="Actor"/>, failing closed: exactly one string "sub", exactly
    /// one known string "role", and for an agent exactly one string administration_id of an administration id's shape
    /// (no other role carries one). Anything else (a claim given twice or as an array, an object, a number, an unknown
    /// role, an agent without its administration) gives null and the reason, and the token is refused.
    /// </summary>
    public static Actor? ActorOf(IEnumerable<Claim> claims, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(claims);
        string? subject = null, roleName = null, administration = null;
        int subjects = 0, roles = 0, administrations = 0;
        foreach (var claim in claims)
        {
            switch (claim.Type)
            {
                case "sub": subjects++; subject = StringValue(claim); break;
                case "role": roles++; roleName = StringValue(claim); break;
                case AdministrationClaim: administrations++; administration = StringValue(claim); break;
                default: break;
            }
        }

        Role? role = roleName switch
        {
            Roles.Citizen => Role.Citizen,
            Roles.Agent => Role.Agent,
            Roles.Supervisor => Role.Supervisor,
            Roles.Auditor => Role.Auditor,
            Roles.Analyst => Role.Analyst,
            Roles.Admin => Role.Admin,
            Roles.DataProtectionOfficer => Role.DataProtectionOfficer,
            _ => null,
        };
        problem = (subjects, roles, role, administrations) switch
        {
            (not 1, _, _, _) => "a token names exactly one subject ('sub').",
            _ when subject is not { Length: > 0 and <= 200 } || Validation.TextProblem(subject) is not null => "'sub' is a string of 1 to 200 characters, without control characters.",
            (_, not 1, _, _) => "a token carries exactly one role.",
            (_, _, null, _) => $"'role' is one of {Roles.Citizen}, {Roles.Agent}, {Roles.Supervisor}, {Roles.Auditor}, {Roles.Analyst}, {Roles.Admin}, {Roles.DataProtectionOfficer}.",
            (_, _, Role.Agent, not 1) => "an agent's token names exactly one administration ('administration_id').",
            (_, _, Role.Agent, _) when !IsAdministrationId(administration) => "'administration_id' is an administration's id: letters, digits, '-' and '_', at most 64.",
            (_, _, not Role.Agent, not 0) => "only an agent's token names an administration.",
            _ => null,
        };
        return problem is null ? new Actor(subject!, role!.Value, role == Role.Agent ? administration : null) : null;
    }

    /// <summary>A claim's value when the token gave it as a JSON string; null for numbers, booleans, objects, null.</summary>
    private static string? StringValue(Claim claim) => claim.ValueType == ClaimValueTypes.String ? claim.Value : null;

    private static bool IsAdministrationId(string? id) =>
        id is { Length: > 0 and <= 64 } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static string Issue(SymmetricSecurityKey key, string subject, string role, string? administrationId, TimeProvider time)
    {
        var claims = new List<Claim> { new("sub", subject), new("role", role) };
        if (administrationId is not null)
        {
            claims.Add(new Claim(AdministrationClaim, administrationId));
        }

        var now = time.GetUtcNow().UtcDateTime;
        var token = new JwtSecurityToken(Issuer, Audience, claims, now, now.AddHours(12), new SigningCredentials(key, SecurityAlgorithms.HmacSha256));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }

    public sealed record DevTokenRequest(string? Role, string? AdministrationId, string? Subject);

    public sealed record DevTokenResponse(string Token);

    public sealed record DevTokenRoles(IReadOnlyList<string> Roles);

    private static readonly string[] DevRoles = [Roles.Citizen, Roles.Agent, Roles.Supervisor, Roles.Auditor, Roles.Analyst, Roles.Admin, Roles.DataProtectionOfficer];

    /// <summary>POST /api/dev/tokens: exists only in Development or with Auth:DevTokens=true.</summary>
    public static void MapDevTokens(this IEndpointRouteBuilder endpoints)
    {
        // What a front end asks to know whether it may offer a role picker: a read, no guess spent, nothing logged.
        endpoints.MapGet("/api/dev/tokens", () => TypedResults.Ok(new DevTokenRoles(DevRoles)))
            .AllowAnonymous()
            .WithTags("development")
            .WithSummary("The roles development tokens are issued for; answers only where POST /api/dev/tokens exists (404 elsewhere). Anyone may call it.");
        endpoints.MapPost("/api/dev/tokens", Ok<DevTokenResponse> (DevTokenRequest request, SymmetricSecurityKey key, TimeProvider time) =>
            {
                new Validation()
                    .Check("role", request.Role is not null && DevRoles.Contains(request.Role), $"One of: {string.Join(", ", DevRoles)}.")
                    .Check("administrationId", request.Role != Roles.Agent || !string.IsNullOrWhiteSpace(request.AdministrationId), "An agent is bound to one administration.")
                    .Check("administrationId", request.AdministrationId is null || IsAdministrationId(request.AdministrationId), "Letters, digits, '-' and '_' only, at most 64.")
                    .Text("subject", request.Subject, 200, required: false)
                    .ThrowIfInvalid();
                var subject = request.Subject ?? $"{request.Role}-{Guid.NewGuid():N}"[..24];
                return TypedResults.Ok(new DevTokenResponse(Issue(key, subject, request.Role!, request.Role == Roles.Agent ? request.AdministrationId : null, time)));
            })
            .AllowAnonymous()
            .AddEndpointFilter(GuessLimits.Filter(GuessLimits.DevTokens, _ => []))
            .WithTags("development")
            .WithSummary("Issues a signed token for local use. Anyone may call it; it exists only in Development or with Auth:DevTokens=true.");
    }

    private static SymmetricSecurityKey SigningKey(IConfiguration configuration)
    {
        if (string.IsNullOrEmpty(configuration[Secrets.SigningKey]) && !string.IsNullOrEmpty(configuration[IdentityProvider.AuthoritySetting]))
        {
            // Sign-in through the identity provider alone: the service signs nothing, so its key is drawn for this
            // process and never leaves it.
            return new SymmetricSecurityKey(System.Security.Cryptography.RandomNumberGenerator.GetBytes(Secrets.MinimumBytes));
        }

        var bytes = Encoding.UTF8.GetBytes(configuration[Secrets.SigningKey] ?? string.Empty);
        return bytes.Length >= Secrets.MinimumBytes ? new SymmetricSecurityKey(bytes) : throw new MissingSecretException($"{Secrets.SigningKey} is too short: at least {Secrets.MinimumBytes} bytes.");
    }
}
