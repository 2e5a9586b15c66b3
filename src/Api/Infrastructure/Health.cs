using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// /health/live says the process answers. /health/ready names what is not ready: the database (it answers and the
/// schema is there), the read models (stalled: no node leads the daemon while events wait; behind: an event has
/// waited too long), and the messages waiting in Wolverine's durable inbox and outbox. Marten's own daemon check does
/// not serve here (README, "What we keep"; ReadinessTests).
/// </summary>
public static class Health
{
    public static IServiceCollection AddIdaratiHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<DatabaseReady>("database", tags: ["ready"])
            .AddCheck<ReadModelsReady>("read-models", tags: ["ready"])
            .AddCheck<MessagesReady>("messages", tags: ["ready"])
            // Always healthy: what it tells is how many subscriptions this node holds (the gauge says it to Prometheus).
            .AddCheck<Live.SubscriptionsHeld>("subscriptions", tags: ["ready"]);
        return services;
    }

    public static IEndpointRouteBuilder MapIdaratiHealth(this IEndpointRouteBuilder endpoints)
    {
        var health = endpoints.MapGroup("/health").WithTags("health").AllowAnonymous();
        health.MapGet("/live", () => TypedResults.Ok(new HealthResponse("Healthy", new Dictionary<string, HealthEntry>())))
            .WithName("Live")
            .WithSummary("Liveness. Anyone may call it (no authentication).");
        health.MapGet("/ready", async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> (HealthCheckService checks, CancellationToken cancellationToken) =>
            {
                var report = await checks.CheckHealthAsync(c => c.Tags.Contains("ready"), cancellationToken).ConfigureAwait(false);
                var body = new HealthResponse(
                    report.Status.ToString(),
                    report.Entries.ToDictionary(e => e.Key, e => new HealthEntry(e.Value.Status.ToString(), e.Value.Description)));
                return report.Status == HealthStatus.Healthy
                    ? TypedResults.Ok(body)
                    : TypedResults.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
            })
            .WithName("Ready")
            .WithSummary("Readiness, 503 naming what is not (subscriptions, always healthy, says how many GraphQL subscriptions this node holds): database (PostgreSQL answers and the event store schema exists), read-models (stalled: no node has led the daemon for Projections:StalledAfter while events wait; or behind: an event has waited for a read model more than Health:MaxLagSeconds), messages (more than Health:MessageBacklog messages wait in Wolverine's durable inbox and outbox). Anyone may call it (no authentication).")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return endpoints;
    }

    public sealed record HealthResponse(string Status, IReadOnlyDictionary<string, HealthEntry> Checks);

    public sealed record HealthEntry(string Status, string? Description);

    private sealed class DatabaseReady(NpgsqlDataSource dataSource, IConfiguration configuration) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT to_regclass($1) IS NOT NULL");
                command.Parameters.AddWithValue($"{Database.Schema(configuration)}.mt_events");
                var migrated = (bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
                return migrated
                    ? HealthCheckResult.Healthy("PostgreSQL answers and the event store schema exists.")
                    : HealthCheckResult.Unhealthy("PostgreSQL answers but the event store schema is missing; run the 'migrate' verb.");
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy($"PostgreSQL does not answer: {e.Message}");
            }
        }
    }

    private sealed class ReadModelsReady(Idarati.Projections.ProjectionMonitor monitor, IConfiguration configuration) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var status = await monitor.StatusAsync(cancellationToken).ConfigureAwait(false);
                var stalled = status.Where(p => p.State == Idarati.Projections.ProjectionState.Stalled).ToList();
                var limit = configuration.GetValue("Health:MaxLagSeconds", 300.0);
                var behind = status.Where(p => p.State == Idarati.Projections.ProjectionState.Running && p.LagSeconds > limit).ToList();
                static string Lags(IEnumerable<Idarati.Projections.ProjectionStatus> list) =>
                    string.Join(", ", list.Select(p => FormattableString.Invariant($"{p.Name} ({p.LagEvents} events, {p.LagSeconds:F0} s)")));
                if (stalled.Count > 0)
                {
                    return HealthCheckResult.Unhealthy($"Stalled, no node leads the daemon while events wait: {Lags(stalled)}.");
                }

                return behind.Count > 0
                    ? HealthCheckResult.Unhealthy(FormattableString.Invariant($"Behind, the oldest waiting event older than {limit:F0} s: {Lags(behind)}."))
                    : HealthCheckResult.Healthy($"Led by {status.FirstOrDefault()?.Leader ?? "no node, and nothing waits"}; waiting: {Lags(status)}.");
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy($"The read models' state cannot be read: {e.Message}");
            }
        }
    }

    private sealed class MessagesReady(Wolverine.Runtime.IWolverineRuntime runtime, IConfiguration configuration) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var counts = await runtime.Storage.Admin.FetchCountsAsync().ConfigureAwait(false);
                var limit = configuration.GetValue("Health:MessageBacklog", 10_000);
                var waiting = counts.Incoming + counts.Outgoing;
                var summary = FormattableString.Invariant($"{counts.Incoming} incoming and {counts.Outgoing} outgoing messages wait (limit {limit}), {counts.Scheduled} scheduled, {counts.DeadLetter} dead letters");
                return waiting > limit ? HealthCheckResult.Unhealthy($"Backlog: {summary}.") : HealthCheckResult.Healthy($"{summary}.");
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy($"Wolverine's message store cannot be read: {e.Message}");
            }
        }
    }
}
