using System.Globalization;
using System.Security.Claims;
using Idarati.Api.Infrastructure;
using Idarati.GraphQL.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;

namespace Idarati.Api.Live;

/// <summary>
/// How the front-end schema's subscriptions meet the service: who connects (a bearer token in connection_init, or the
/// SSE request's own header, checked as every request's), until when (the token's expiry), what one execution's
/// resolvers see, which answers are shared, and the limits, from GraphQL:Subscriptions.
/// </summary>
public static class LiveSubscriptions
{
    /// <summary>The fields whose answers hold no personal data and depend only on the caller's role and administration.</summary>
    private static readonly HashSet<string> Shared = new(StringComparer.Ordinal) { "queueChanged", "callCenterChanged" };

    public static IServiceCollection AddLiveSubscriptions(this IServiceCollection services)
    {
        services.AddSingleton<LiveFeed>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveFeed>());
        return services;
    }

    public static SubscriptionOptions Options(IServiceProvider services)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var section = configuration.GetSection("GraphQL:Subscriptions");
        return new SubscriptionOptions
        {
            Authenticate = AuthenticateAsync,
            Context = ExecutionContext,
            ShareKey = (http, field) => Shared.Contains(field) && http.User.Identity?.IsAuthenticated == true ? http.User.ToActor() is var a ? $"{a.Role}|{a.AdministrationId}" : null : null,
            EventId = e => e switch
            {
                Idarati.Projections.Live.ComplaintMove m => m.Position.ToString(CultureInfo.InvariantCulture),
                QueueMove q => q.Position.ToString(CultureInfo.InvariantCulture),
                CallCenterMoved c => c.Position.ToString(CultureInfo.InvariantCulture),
                _ => null,
            },
            PerConnection = section.GetValue("PerConnection", 20),
            ConnectionsPerAddress = section.GetValue("ConnectionsPerAddress", 100),
            QueueLimit = section.GetValue("QueueLimit", 256),
            InitTimeout = TimeSpan.FromSeconds(section.GetValue("InitTimeoutSeconds", 10.0)),
            Time = services.GetRequiredService<TimeProvider>(),
        };
    }

    /// <summary>
    /// connection_init's Authorization ("Bearer ...") or token, validated as a request's header is (the same handler,
    /// its cache, the identity provider's keys); none keeps the upgrade request's user (anonymous, or its own header).
    /// Over SSE (no payload) the request's user, already authenticated. A token that is refused refuses the connection.
    /// </summary>
    private static async ValueTask<ConnectionVerdict> AuthenticateAsync(HttpContext http, IReadOnlyDictionary<string, object?>? payload, CancellationToken cancellationToken)
    {
        var given = payload?.GetValueOrDefault("Authorization") ?? payload?.GetValueOrDefault("authorization") ?? payload?.GetValueOrDefault("token");
        if (given is not null)
        {
            if (given is not string text || text.Length > 8192)
            {
                return ConnectionVerdict.Refuse("connection_init's Authorization must be \"Bearer <token>\".");
            }

            var token = text.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? text["Bearer ".Length..].Trim() : text.Trim();
            var user = http.RequestServices.GetRequiredService<CachingTokenHandler>().Known(token);
            if (user is null)
            {
                // A request of its own, in a scope of its own: the upgrade request's handler has answered already and keeps its answer.
                await using var scope = http.RequestServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
                var probe = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
                probe.Request.Headers.Authorization = "Bearer " + token;
                var result = await probe.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme).ConfigureAwait(false);
                user = result.Succeeded ? result.Principal : null;
            }

            if (user is null)
            {
                return ConnectionVerdict.Refuse("the token is not a valid bearer token of this service.");
            }

            http.User = user;
        }

        return ConnectionVerdict.Accept(Expiry(http.User));
    }

    private static DateTimeOffset? Expiry(ClaimsPrincipal user) =>
        user.FindFirst("exp")?.Value is { } exp && long.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    /// <summary>
    /// One execution's HttpContext: the connection's user and address, the headers a resolver reads (Last-Event-ID,
    /// Accept-Language), and a service scope of the execution's own, never the long-lived connection's.
    /// </summary>
    private static object ExecutionContext(HttpContext http, IServiceProvider services)
    {
        var context = new DefaultHttpContext { RequestServices = services, User = http.User, TraceIdentifier = http.TraceIdentifier };
        context.Connection.RemoteIpAddress = http.Connection.RemoteIpAddress;
        foreach (var header in new[] { "Last-Event-ID", "Accept-Language" })
        {
            if (http.Request.Headers.TryGetValue(header, out var value))
            {
                context.Request.Headers[header] = value;
            }
        }

        return context;
    }
}
