using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Idarati.Api.Infrastructure;

/// <summary>/health/live says the process answers; /health/ready says the database answers and the schema is there.</summary>
public static class Health
{
    public static IServiceCollection AddIdaratiHealth(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<DatabaseReady>("database", tags: ["ready"]);
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
            .WithSummary("Readiness: the database answers and the event store schema exists. Anyone may call it (no authentication).")
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
}
