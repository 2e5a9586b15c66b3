using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.Extensions.Options;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// Authorization for every request, with a fast path for what every endpoint here declares: "an authenticated user in
/// one of these roles" (<c>RequireAuthorization(p =&gt; p.RequireRole(...))</c>), or nothing (anonymous endpoints). A
/// request such a rule allows goes on at once; every other request (a refusal, an endpoint with any other requirement,
/// a policy naming authentication schemes, custom requirement metadata) goes through the authorization middleware, so
/// refusals keep their 401 challenge and 403 exactly as before. The middleware's cost on an allowed request (policy
/// combination, the policy evaluator, a handler context and every registered handler) was most of a role check's.
/// </summary>
public static class RoleAuthorization
{
    /// <summary>The mark the endpoint middleware looks for before running an endpoint with authorization metadata.</summary>
    private const string AuthorizationRanKey = "__AuthorizationMiddlewareWithEndpointInvoked";

    private static readonly object AuthorizationRan = new();

    public static IApplicationBuilder UseIdaratiAuthorization(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.ApplicationServices.GetRequiredService<IOptions<AuthorizationOptions>>().Value;
        var rules = new ConcurrentDictionary<Endpoint, RoleRule?>();
        app.UseWhen(context => !Allowed(context, rules, options), full => full.UseAuthorization());

        // WebApplication adds the authorization middleware in front of everything (before authentication, so every
        // token would be refused) unless the main builder carries UseAuthorization's mark; the branch's stays there.
        app.Properties["__AuthorizationMiddlewareSet"] = true;
        return app;
    }

    /// <summary>True when the endpoint's rule is one this path knows and it allows the user (and marks the request so).</summary>
    private static bool Allowed(HttpContext context, ConcurrentDictionary<Endpoint, RoleRule?> rules, AuthorizationOptions options)
    {
        if (context.GetEndpoint() is not { } endpoint
            || rules.GetOrAdd(endpoint, static (e, o) => RoleRule.Of(e.Metadata, o), options) is not { } rule
            || !rule.Allows(context.User))
        {
            return false;
        }

        context.Items[AuthorizationRanKey] = AuthorizationRan;
        return true;
    }

    /// <summary>
    /// What an endpoint requires, when it is only roles: the user must be authenticated (unless the endpoint allows
    /// anonymous callers) and hold one role of each set. Null for anything else, which the full middleware decides.
    /// </summary>
    internal sealed class RoleRule(bool authenticated, IReadOnlyList<string[]> roleSets)
    {
        private static readonly RoleRule Anyone = new(false, []);

        public bool Allows(ClaimsPrincipal user)
        {
            if (authenticated && !user.Identities.Any(i => i.IsAuthenticated))
            {
                return false;
            }

            foreach (var set in roleSets)
            {
                if (!Array.Exists(set, user.IsInRole))
                {
                    return false;
                }
            }

            return true;
        }

        public static RoleRule? Of(EndpointMetadataCollection metadata, AuthorizationOptions options)
        {
            if (metadata.Any(m => m is IAuthorizationRequirementData))
            {
                return null;
            }

            if (metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                return Anyone;
            }

            var data = metadata.GetOrderedMetadata<IAuthorizeData>();
            var policies = metadata.GetOrderedMetadata<AuthorizationPolicy>();
            if (data.Count == 0 && policies.Count == 0)
            {
                return options.FallbackPolicy is null ? Anyone : null;
            }

            if (data.Any(d => d.Policy is not null || d.Roles is not null || d.AuthenticationSchemes is not null))
            {
                return null;
            }

            // An [Authorize] without a policy, roles or schemes stands for the default policy, combined with the rest.
            var all = data.Count > 0 ? policies.Prepend(options.DefaultPolicy) : policies;
            var sets = new List<string[]>();
            foreach (var policy in all)
            {
                if (policy.AuthenticationSchemes.Count > 0)
                {
                    return null;
                }

                foreach (var requirement in policy.Requirements)
                {
                    switch (requirement)
                    {
                        case DenyAnonymousAuthorizationRequirement:
                            break;
                        case RolesAuthorizationRequirement roles:
                            sets.Add([.. roles.AllowedRoles]);
                            break;
                        default:
                            return null;
                    }
                }
            }

            return new RoleRule(true, sets);
        }
    }
}
