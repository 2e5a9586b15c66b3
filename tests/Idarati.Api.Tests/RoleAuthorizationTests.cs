using System.Net;
using Idarati.Api.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Idarati.Api.Tests;

/// <summary>The authorization fast path: allowed requests skip the middleware, refusals go through it unchanged.</summary>
public sealed class RoleAuthorizationTests : IAsyncLifetime
{
    /// <summary>Runs whenever the authorization middleware evaluates a policy (it calls every registered handler).</summary>
    private sealed class CountingHandler : IAuthorizationHandler
    {
        public int Evaluations;

        public Task HandleAsync(AuthorizationHandlerContext context)
        {
            Interlocked.Increment(ref Evaluations);
            return Task.CompletedTask;
        }
    }

    private readonly CountingHandler _handler = new();
    private ApiFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new ApiFactory { ExtraServices = services => services.AddSingleton<IAuthorizationHandler>(_handler) };
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _factory.DisposeAsync().AsTask();

    [Fact]
    public async Task Allowed_roles_pass_without_the_middleware_and_refusals_keep_their_401_and_403()
    {
        var citizen = _factory.As(Auth.Roles.Citizen);
        var submitted = await citizen.ScenarioAsync(HttpMethod.Post, "/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created);
        var complaint = submitted.Context.Response.Headers.Location.ToString();
        var agent = _factory.As(Auth.Roles.Agent, "MIN-SANTE");
        await agent.GetAsync(complaint, HttpStatusCode.OK);
        await agent.GetAsync(complaint + "/history", HttpStatusCode.OK);
        Assert.Equal(0, _handler.Evaluations);

        // A role the endpoint does not name: the middleware decides, 403 with problem details.
        await _factory.As(Auth.Roles.Analyst).ProblemAsync(HttpMethod.Get, complaint, null, HttpStatusCode.Forbidden);
        Assert.Equal(1, _handler.Evaluations);

        // No token: 401 with the bearer challenge; a citizen on an agent action: 403; nothing appended by either.
        var events = await _factory.CountEventsAsync();
        var challenged = await _factory.As(null).ScenarioAsync(HttpMethod.Post, complaint + "/acknowledge", null, HttpStatusCode.Unauthorized);
        Assert.Contains("Bearer", challenged.Context.Response.Headers.WWWAuthenticate.ToString(), StringComparison.Ordinal);
        await citizen.PostAsync(complaint + "/acknowledge", null, HttpStatusCode.Forbidden);
        Assert.Equal(3, _handler.Evaluations);
        Assert.Equal(events, await _factory.CountEventsAsync());
    }

    [Fact]
    public void Only_role_rules_take_the_fast_path()
    {
        var options = new AuthorizationOptions();
        var roles = new AuthorizationPolicyBuilder().RequireRole("agent", "supervisor").Build();
        var rule = RoleAuthorization.RoleRule.Of(new EndpointMetadataCollection(new AuthorizeAttribute(), roles), options);
        Assert.NotNull(rule);
        Assert.True(rule.Allows(User("supervisor")));
        Assert.False(rule.Allows(User("analyst")));
        Assert.False(rule.Allows(new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([new("role", "agent")], null, "sub", "role"))));

        // Any other requirement, a named policy, named roles or schemes, or a default policy that asks for more: the middleware decides.
        var claim = new AuthorizationPolicyBuilder().RequireClaim("administration_id").Build();
        Assert.Null(RoleAuthorization.RoleRule.Of(new EndpointMetadataCollection(new AuthorizeAttribute(), claim), options));
        Assert.Null(RoleAuthorization.RoleRule.Of(new EndpointMetadataCollection(new AuthorizeAttribute("named")), options));
        Assert.Null(RoleAuthorization.RoleRule.Of(new EndpointMetadataCollection(new AuthorizeAttribute { Roles = "admin" }), options));
        var schemes = new AuthorizationPolicyBuilder("Cookies").RequireRole("agent").Build();
        Assert.Null(RoleAuthorization.RoleRule.Of(new EndpointMetadataCollection(new AuthorizeAttribute(), schemes), options));
        var strictDefault = new AuthorizationOptions { DefaultPolicy = new AuthorizationPolicyBuilder().RequireAssertion(_ => false).Build() };
        Assert.Null(RoleAuthorization.RoleRule.Of(new EndpointMetadataCollection(new AuthorizeAttribute(), roles), strictDefault));

        // Anonymous endpoints pass, unless a fallback policy covers endpoints that say nothing.
        Assert.True(RoleAuthorization.RoleRule.Of(new EndpointMetadataCollection(new AllowAnonymousAttribute(), new AuthorizeAttribute(), roles), options)!.Allows(new()));
        Assert.True(RoleAuthorization.RoleRule.Of(new EndpointMetadataCollection(), options)!.Allows(new()));
        var fallback = new AuthorizationOptions { FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build() };
        Assert.Null(RoleAuthorization.RoleRule.Of(new EndpointMetadataCollection(), fallback));
        Assert.IsType<DenyAnonymousAuthorizationRequirement>(Assert.Single(fallback.FallbackPolicy!.Requirements));
    }

    private static System.Security.Claims.ClaimsPrincipal User(string role) =>
        new(new System.Security.Claims.ClaimsIdentity([new("role", role)], "Bearer", "sub", "role"));
}
