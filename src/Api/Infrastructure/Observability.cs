using Idarati.Application.Handling;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// OpenTelemetry: metrics always (ASP.NET Core, the runtime, Wolverine, Marten's event counters and daemon, Npgsql, the
/// read models' lag), scraped at /metrics by Prometheus; traces when OTEL_EXPORTER_OTLP_ENDPOINT is set (or
/// Telemetry:Tracing=true), one trace from the request through the Wolverine handler, the append and the outbox's
/// delivery. Everything is exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set.
/// </summary>
public static class Observability
{
    public const string MetricsPath = "/metrics";

    public static void AddIdaratiTelemetry(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var otlp = !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(configuration["OTEL_SERVICE_NAME"] ?? "idarati", serviceInstanceId: Database.NodeName(configuration)))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Wolverine*", "Marten", "Npgsql", Telemetry.Name)
                .AddPrometheusExporter());
        // Spans cost every request something once anything listens: they are made when someone collects them.
        if (otlp || configuration.GetValue("Telemetry:Tracing", false))
        {
            otel.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !context.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal)
                    && !context.Request.Path.StartsWithSegments(MetricsPath, StringComparison.Ordinal))
                .AddSource("Wolverine", "Marten", Telemetry.Name)
                .AddNpgsql());
        }

        if (otlp)
        {
            otel.UseOtlpExporter();
        }

        builder.Services.AddHostedService<ReadModelLag>();
    }

    public static void MapIdaratiMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPrometheusScrapingEndpoint(MetricsPath).AllowAnonymous().ExcludeFromDescription();
    }

    /// <summary>
    /// The read models' lag as gauges, <c>idarati.read_model.lag.events</c> and <c>idarati.read_model.lag.seconds</c>
    /// per read model, and the messages in Wolverine's durable storage, <c>idarati.messages</c> per state (incoming,
    /// outgoing, scheduled, dead-letter; Wolverine's own counts): sampled from the database every
    /// Telemetry:LagSampleEvery (5 s), so a scrape costs no query.
    /// </summary>
    private sealed class ReadModelLag(Idarati.Projections.ProjectionMonitor monitor, Wolverine.Runtime.IWolverineRuntime runtime, System.Diagnostics.Metrics.IMeterFactory meters,
        IConfiguration configuration, TimeProvider time, ILogger<ReadModelLag> logger) : BackgroundService
    {
        private IReadOnlyList<Idarati.Projections.ProjectionStatus> _last = [];
        private Wolverine.Logging.PersistedCounts? _messages;

        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            // The host's meter (IMeterFactory): its gauges go with the host, and two hosts in one process keep apart.
            var meter = meters.Create(new System.Diagnostics.Metrics.MeterOptions(Telemetry.Name));
            meter.CreateObservableGauge("idarati.read_model.lag.events", () => _last.Select(p => new System.Diagnostics.Metrics.Measurement<long>(p.LagEvents, new KeyValuePair<string, object?>("read_model", p.Name))), "{event}", "Events in the log a read model has not applied yet.");
            meter.CreateObservableGauge("idarati.read_model.lag.seconds", () => _last.Select(p => new System.Diagnostics.Metrics.Measurement<double>(p.LagSeconds, new KeyValuePair<string, object?>("read_model", p.Name))), "s", "How long the oldest event a read model has not applied has waited.");
            meter.CreateObservableGauge("idarati.messages", () => _messages is not { } m ? [] : new[]
            {
                Counted(m.Incoming, "incoming"), Counted(m.Outgoing, "outgoing"), Counted(m.Scheduled, "scheduled"), Counted(m.DeadLetter, "dead-letter"),
            }, "{message}", "Messages in Wolverine's durable inbox and outbox, by state.");
            using var timer = new PeriodicTimer(configuration.GetValue("Telemetry:LagSampleEvery", TimeSpan.FromSeconds(5)), time);
            do
            {
                try
                {
                    _last = await monitor.StatusAsync(stoppingToken).ConfigureAwait(false);
                    _messages = await runtime.Storage.Admin.FetchCountsAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException)
                {
                    logger.LogWarning("The read models' lag could not be sampled: {Error}", e.Message);
                }
            }
            while (await Tick(timer, stoppingToken).ConfigureAwait(false));
        }

        private static async Task<bool> Tick(PeriodicTimer timer, CancellationToken stoppingToken)
        {
            try
            {
                return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        private static System.Diagnostics.Metrics.Measurement<long> Counted(long count, string state) => new(count, new KeyValuePair<string, object?>("state", state));
    }
}
