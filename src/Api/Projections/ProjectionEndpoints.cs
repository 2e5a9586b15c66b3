using Idarati.Api.Infrastructure;
using Idarati.EventStore;
using Idarati.EventStore.Projections;
using Idarati.Projections.Complaints;
using Microsoft.AspNetCore.Http.HttpResults;
using R = Idarati.Api.Infrastructure.Auth.Roles;

namespace Idarati.Api.Projections;

/// <summary>The projection daemon in the API process (unless Projections:Daemon=false), and its status routes.</summary>
public static class ProjectionEndpoints
{
    public static IServiceCollection AddIdaratiProjections(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp =>
        {
            var store = sp.GetRequiredService<PostgresEventStore>();
            IProjection[] projections =
            [
                new ComplaintListProjection(store.Options.Schema),
                new Idarati.Projections.CallCenter.TicketListProjection(store.Options.Schema),
                new Idarati.Projections.Employment.EmploymentProjection(store.Options.Schema),
                new Idarati.Projections.Administrations.AdministrationDirectoryProjection(store.Options.Schema),
            ];
            // Projections:BatchSize, Projections:PollInterval, Projections:BatchInterval, Projections:LeadershipRetry.
            var options = new ProjectionDaemonOptions();
            configuration.GetSection("Projections").Bind(options);
            return new ProjectionDaemon(store, projections, options, sp.GetRequiredService<ILoggerFactory>().CreateLogger<ProjectionDaemon>());
        });
        services.AddReadModelQuery((db, schema) => new Idarati.Projections.ReadModelLists(db, schema));
        services.AddReadModelQuery((db, schema) => new Idarati.Projections.Indicators.TrackingReportQuery(db, schema));
        services.AddReadModelQuery((db, schema) => new Idarati.Projections.Employment.EmploymentIndicators(db, schema));
        services.AddReadModelQuery((db, schema) => new Idarati.Projections.CallCenter.CallCenterIndicators(db, schema));
        services.AddReadModelQuery((db, schema) => new Idarati.Projections.Indicators.ResponseTimeIndicators(db, schema));
        services.AddReadModelQuery((db, schema) => new Idarati.Projections.Indicators.ProcessingIndicators(db, schema));
        services.AddReadModelQuery((db, schema) => new ComplaintListQuery(db, schema));
        // Read-model tables exist on every node, daemon or not, so queries never meet a missing table.
        services.AddHostedService<ProjectionTablesAtStartup>();
        if (configuration.GetValue("Projections:Daemon", true))
        {
            services.AddHostedService<DaemonService>();
        }

        return services;
    }

    /// <summary>A query over read models: it needs the data source and the store's schema, where the projections write.</summary>
    private static void AddReadModelQuery<T>(this IServiceCollection services, Func<Npgsql.NpgsqlDataSource, string, T> create)
        where T : class =>
        services.AddSingleton(sp => create(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<PostgresEventStore>().Options.Schema));

    public static void MapProjections(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/projections").WithTags("projections");
        group.MapGet("/", async (ProjectionDaemon daemon, CancellationToken ct) =>
            {
                await daemon.EnsureInitializedAsync(ct).ConfigureAwait(false);
                return TypedResults.Ok(await daemon.StatusAsync(ct).ConfigureAwait(false));
            })
            .RequireAuthorization(p => p.RequireRole(R.Admin, R.Supervisor, R.Analyst))
            .WithSummary("Each projection's name, state (running, rebuilding, stalled), position, lag in events and seconds, the node that leads it, and the events it set aside as dead letters (stream, version, type, error; a rebuild replays them). Roles: admin, supervisor, analyst.");
        group.MapPost("/{name}/rebuild", async Task<Results<Accepted, NotFound>> (string name, ProjectionDaemon daemon, CancellationToken ct) =>
            {
                if (daemon.Projections.All(p => p.Name != name))
                {
                    return TypedResults.NotFound();
                }

                await daemon.EnsureInitializedAsync(ct).ConfigureAwait(false);
                await daemon.RebuildAsync(name, ct).ConfigureAwait(false);
                return TypedResults.Accepted($"/api/projections");
            })
            .RequireAuthorization(p => p.RequireRole(R.Admin))
            .WithSummary("Tear the read model down and replay it from zero, online; follow the progress in GET /api/projections. Role: admin.");
    }

    public static void MapIndicators(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/indicators/complaints/processing", async Task<Ok<Idarati.Projections.Indicators.ProcessingReport>> (
                string? groupBy, string? asOf, Idarati.Projections.Indicators.ProcessingIndicators indicators, Idarati.Application.Administrations.AdministrationService administrations,
                TimeProvider time, CancellationToken ct) =>
            {
                groupBy ??= "none";
                if (!Idarati.Projections.Indicators.ProcessingIndicators.Groupings.Contains(groupBy))
                {
                    throw Idarati.Application.Handling.ValidationFailedException.For("groupBy", $"One of: {string.Join(", ", Idarati.Projections.Indicators.ProcessingIndicators.Groupings)}.");
                }

                var kinds = (await administrations.ListAsync(ct).ConfigureAwait(false))
                    .ToDictionary(a => a.Id, a => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(a.Kind.ToString()));
                return TypedResults.Ok(await indicators.ReportAsync(groupBy, kinds, ParseAsOf(asOf, time), ct).ConfigureAwait(false));
            })
            .WithTags("indicators")
            .RequireAuthorization(p => p.RequireRole(R.Analyst, R.Supervisor, R.Admin))
            .WithSummary("Complaints received, processed, processing rate, favourable outcomes, satisfaction, reopened, in progress and overdue, grouped by administration, administrationKind, category, kind, channel, month or none, as of a date (asOf: a date counted to the end of that day, UTC, or an instant; now by default); with the global position they were computed at. No personal data. Roles: analyst, supervisor, admin.");
    }

    public static void MapResponseTimes(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/indicators/complaints/response-times", async Task<Ok<Idarati.Projections.Indicators.ResponseTimeReport>> (
                string? groupBy, string? asOf, Idarati.Projections.Indicators.ResponseTimeIndicators indicators, TimeProvider time, CancellationToken ct) =>
            {
                groupBy ??= "none";
                if (!Idarati.Projections.Indicators.ResponseTimeIndicators.Groupings.Contains(groupBy))
                {
                    throw Idarati.Application.Handling.ValidationFailedException.For("groupBy", $"One of: {string.Join(", ", Idarati.Projections.Indicators.ResponseTimeIndicators.Groupings)}.");
                }

                return TypedResults.Ok(await indicators.ReportAsync(groupBy, ParseAsOf(asOf, time), ct).ConfigureAwait(false));
            })
            .WithTags("indicators")
            .RequireAuthorization(p => p.RequireRole(R.Analyst, R.Supervisor, R.Admin))
            .WithSummary("Days to acknowledge and to answer (mean, median, 90th percentile) and the share answered within the legal deadline, grouped by administration, category, month or none, as of a date (asOf, now by default); with the global position. Roles: analyst, supervisor, admin.");
    }

    public static void MapCallCenterIndicators(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/indicators/call-center", async Task<Ok<Idarati.Projections.CallCenter.CallCenterReport>> (
                string? groupBy, string? asOf, Idarati.Projections.CallCenter.CallCenterIndicators indicators, TimeProvider time, CancellationToken ct) =>
            {
                groupBy ??= "category";
                if (!Idarati.Projections.CallCenter.CallCenterIndicators.Groupings.Contains(groupBy))
                {
                    throw Idarati.Application.Handling.ValidationFailedException.For("groupBy", $"One of: {string.Join(", ", Idarati.Projections.CallCenter.CallCenterIndicators.Groupings)}.");
                }

                return TypedResults.Ok(await indicators.ReportAsync(groupBy, ParseAsOf(asOf, time), ct).ConfigureAwait(false));
            })
            .WithTags("indicators")
            .RequireAuthorization(p => p.RequireRole(R.Analyst, R.Supervisor, R.Admin))
            .WithSummary("3737 questions per category or channel with their share of the total, answered and escalated counts, answer times in minutes, as of a date (asOf, now by default); with the global position. Roles: analyst, supervisor, admin.");
    }

    public static void MapTrackingReport(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/indicators", async Task<Ok<Idarati.Projections.Indicators.TrackingReport>> (
                string? asOf, Idarati.Projections.Indicators.TrackingReportQuery report, TimeProvider time, CancellationToken ct) =>
                TypedResults.Ok(await report.ReportAsync(ParseAsOf(asOf, time), ct).ConfigureAwait(false)))
            .WithTags("indicators")
            .RequireAuthorization(p => p.RequireRole(R.Analyst, R.Supervisor, R.Admin))
            .WithSummary("The IDARATI tracking report as of a date (default: now): complaints received, processed and the processing rate, participating administrations; 3737 questions in total and per category with their shares; candidate accounts, electronic applications and competitions accepting them. Every figure labelled in Arabic and French; with the global position. asOf is a date (counted to the end of that day, UTC) or an ISO-8601 instant. Roles: analyst, supervisor, admin.");
    }

    public static void MapEmploymentIndicators(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/indicators/employment", async Task<Ok<Idarati.Projections.Employment.EmploymentReport>> (
                Idarati.Projections.Employment.EmploymentIndicators indicators, CancellationToken ct) =>
                TypedResults.Ok(await indicators.ReportAsync(ct).ConfigureAwait(false)))
            .WithTags("indicators")
            .RequireAuthorization(p => p.RequireRole(R.Analyst, R.Supervisor, R.Admin))
            .WithSummary("emploi-public.ma: candidate accounts (and verified ones), applications and electronic applications, competitions and those accepting electronic applications, and per competition the funnel applied / withdrawn / pre-selected / convoked to the written and oral exams / admitted / waiting list / not admitted; with the global position. No personal data. Roles: analyst, supervisor, admin.")
            .Produces<Idarati.Projections.Employment.EmploymentReport>();
    }

    /// <summary>A date counts to the end of that day (UTC); an instant counts as given.</summary>
    private static DateTimeOffset ParseAsOf(string? asOf, TimeProvider time)
    {
        if (string.IsNullOrEmpty(asOf))
        {
            return time.GetUtcNow();
        }

        if (DateOnly.TryParseExact(asOf, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var day))
        {
            return ServiceDates.InRange(day)
                ? new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddMicroseconds(-1)
                : throw Idarati.Application.Handling.ValidationFailedException.For("asOf", ServiceDates.Message);
        }

        return !DateTimeOffset.TryParse(asOf, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var instant)
            ? throw Idarati.Application.Handling.ValidationFailedException.For("asOf", "A date (2020-03-02) or an ISO-8601 instant (2020-03-02T12:00:00Z).")
            : ServiceDates.InRange(instant) ? instant : throw Idarati.Application.Handling.ValidationFailedException.For("asOf", ServiceDates.Message);
    }

    private sealed class ProjectionTablesAtStartup(ProjectionDaemon daemon, IConfiguration configuration) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            configuration.GetValue("EventStore:MigrateAtStartup", true) ? daemon.InitializeAsync(cancellationToken) : Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>Runs the daemon for the life of the host; its own leadership locks keep one leader per projection.</summary>
    private sealed class DaemonService(ProjectionDaemon daemon) : BackgroundService
    {
        protected override Task ExecuteAsync(CancellationToken stoppingToken) => daemon.RunAsync(stoppingToken);
    }
}
