using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Idarati.Api.Live;

/// <summary>The readiness entry "subscriptions": always healthy, its description says how many this node holds.</summary>
public sealed class SubscriptionsHeld(LiveFeed feed) : IHealthCheck
{
    public const string Suffix = " GraphQL subscriptions on this node";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy(feed.Subscribers.ToString(System.Globalization.CultureInfo.InvariantCulture) + Suffix));
}
