using Idarati.Api.Infrastructure;
using Idarati.Projections;
using Idarati.Application.Indicators;
using Idarati.Projections.CallCenter;
using Idarati.Projections.Complaints;
using Idarati.Projections.Employment;
using Idarati.Projections.Indicators;
using Microsoft.AspNetCore.Http.HttpResults;
using R = Idarati.Api.Infrastructure.Auth.Roles;

namespace Idarati.Api.Projections;

/// <summary>The read models (run by Marten's async daemon, see <see cref="Database"/>), their queries, status and rebuild routes.</summary>
public static class ProjectionEndpoints
{
    public static IServiceCollection AddIdaratiProjections(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp => new ProjectionMonitor(sp.GetRequiredService<Marten.IDocumentStore>(), sp.GetRequiredService<Npgsql.NpgsqlDataSource>(),
            sp.GetRequiredService<IReadOnlyList<IReadModelProjection>>(), Idarati.Application.Streams.MartenStreams.StoredNames, sp.GetRequiredService<TimeProvider>())
        {
            StalledAfter = configuration.GetValue("Projections:StalledAfter", TimeSpan.FromSeconds(10)),
        });
        services.AddSingleton<ReadModelRebuilds>();
        services.AddReadModelQuery((db, schema) => new Idarati.Projections.ReadModelLists(db, schema));
        services.AddReadModelQuery((db, schema) => new Idarati.Projections.Indicators.TrackingReportQuery(db, schema));
        services.AddReadModelQuery((db, schema) => new Idarati.Projections.Employment.EmploymentIndicators(db, schema));
        services.AddReadModelQuery((db, schema) => new Idarati.Projections.CallCenter.CallCenterIndicators(db, schema));
        services.AddReadModelQuery((db, schema) => new Idarati.Projections.Indicators.ResponseTimeIndicators(db, schema));
        services.AddReadModelQuery((db, schema) => new Idarati.Projections.Indicators.ProcessingIndicators(db, schema));
        services.AddReadModelQuery((db, schema) => new Idarati.Projections.Indicators.AnnualReports(db, schema));
        services.AddSingleton<AnnualReportPdf>();
        services.AddReadModelQuery((db, schema) => new ComplaintListQuery(db, schema));
        // Read-model tables exist on every node, daemon or not, so queries never meet a missing table.
        services.AddHostedService<ProjectionTablesAtStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<ReadModelRebuilds>());
        if (configuration.GetValue("Projections:Daemon", true))
        {
            services.AddHostedService<DaemonLease>();
        }

        return services;
    }

    /// <summary>A query over read models: it needs the data source and the store's schema, where the projections write.</summary>
    private static void AddReadModelQuery<T>(this IServiceCollection services, Func<Npgsql.NpgsqlDataSource, string, T> create)
        where T : class =>
        services.AddSingleton(sp => create(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), Database.Schema(sp.GetRequiredService<IConfiguration>())));

    public static void MapProjections(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/projections").WithTags("projections");
        group.MapGet("/", async (ProjectionMonitor monitor, CancellationToken ct) => TypedResults.Ok(await monitor.StatusAsync(ct).ConfigureAwait(false)))
            .RequireAuthorization(p => p.RequireRole(R.Admin, R.Supervisor, R.Analyst))
            .WithSummary("Each projection's name, state (running, rebuilding, stalled), position in the log, lag in events and seconds, the node that leads Marten's async daemon, and the events it set aside in Marten's dead-letter storage (stream, version, type, error; a rebuild replays them). Roles: admin, supervisor, analyst.");
        const string Rebuild = "on the node whose daemon runs the read models, whichever node is asked: each is queued, then rebuilding (its tables emptied and the log replayed from zero, online), then running; one asked for while queued or rebuilding is not asked twice. Answers their status; 409 when no node runs the read models. Follow the progress in GET /api/projections. Role: admin.";
        group.MapPost("/{name}/rebuild", async Task<Results<Accepted<IReadOnlyList<ProjectionStatus>>, NotFound>> (string name, ReadModelRebuilds rebuilds, CancellationToken ct) =>
                await rebuilds.RequestAsync([name], ct).ConfigureAwait(false) is { } status ? TypedResults.Accepted("/api/projections", status) : TypedResults.NotFound())
            .RequireAuthorization(p => p.RequireRole(R.Admin))
            .WithSummary("Rebuild a read model " + Rebuild);
        group.MapPost("/rebuild", async (ReadModelRebuilds rebuilds, CancellationToken ct) =>
                TypedResults.Accepted("/api/projections", (await rebuilds.RequestAsync([], ct).ConfigureAwait(false))!))
            .RequireAuthorization(p => p.RequireRole(R.Admin))
            .WithSummary("Rebuild every read model, in turn, " + Rebuild);
    }

    /// <summary>The analysts' indicators: each route is its query slice (Application/Indicators), bound from the query string.</summary>
    public static void MapIndicators(this IEndpointRouteBuilder endpoints)
    {
        var indicators = endpoints.MapGroup("/api/indicators").WithTags("indicators");
        const string AsOf = "asOf is a date (2020-03-02: counted to the end of that day in Morocco, Africa/Casablanca) or an ISO-8601 instant; now by default.";
        const string Scope = "after (the same kinds of value) counts only the complaints submitted after it, administrationId only those that administration owns: a department's year is after=2018-12-31&asOf=2019-12-31&administrationId=MIN-SANTE.";
        const string Roles = "No personal data. Roles: analyst, supervisor, admin.";
        indicators.MapQuery<GetTrackingReport, TrackingReport>("/")
            .WithSummary($"The IDARATI tracking report as of a date: complaints received, processed and the processing rate, participating administrations; 3737 questions in total and per category with their shares; candidate accounts, electronic applications and competitions accepting them. Every figure labelled in Arabic and French; with the global position. {AsOf} {Roles}");
        indicators.MapQuery<GetProcessingIndicators, ProcessingReport>("/complaints/processing")
            .WithSummary($"Complaints received, processed, processing rate, favourable outcomes, satisfaction, reopened, in progress, overdue (past the due date, then) and wentOverdue (recorded overdue by the service, then), grouped by {string.Join(", ", ProcessingIndicators.Groupings)} (none by default); with the global position they were computed at. {AsOf} {Scope} {Roles}");
        indicators.MapQuery<GetResponseTimes, ResponseTimeReport>("/complaints/response-times")
            .WithSummary($"Days to acknowledge and to answer (mean, median, 90th percentile) and the share answered within the legal deadline, grouped by {string.Join(", ", ResponseTimeIndicators.Groupings)} (none by default); with the global position. {AsOf} {Scope} {Roles}");
        indicators.MapQuery<GetCallCenterIndicators, CallCenterReport>("/call-center")
            .WithSummary($"3737 questions per {string.Join(" or ", CallCenterIndicators.Groupings)} (category by default) with their share of the total, answered and escalated counts, answer times in minutes; with the global position. {AsOf} {Roles}");
        indicators.MapQuery<GetAnnualReport, AnnualReport>("/annual-report")
            .WithSummary($"A department's annual report for administrationId and year: received and processed per kind (complaint, observation, suggestion), the processing rate and the share answered within the deadline, response times (median, 90th percentile), the top categories, rejections per legal reason, transfers in and out, reopenings, the monthly series; each figure the processing and response-time indicators' own for after=the eve of the year and asOf=its last day, read in one snapshot at the global position it names. {Roles}");
        indicators.MapGet("/annual-report.pdf", AnnualReportPdf.HandleAsync)
            .RequireAuthorization(p => p.RequireRole(Idarati.Application.Handling.CommandRoles.Names<GetAnnualReport>()))
            .Produces(StatusCodes.Status200OK, contentType: "application/pdf")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary($"The annual report as the A4 PDF a department files, in French (lang=fr, the default) or Arabic (lang=ar): the printable page /annual-report with the same figures, printed by Chromium's headless print-to-PDF (503 where Chromium is not installed). {Roles}");
        indicators.MapQuery<GetEmploymentIndicators, EmploymentReport>("/employment")
            .WithSummary($"emploi-public.ma: candidate accounts (and verified ones), applications and electronic applications, competitions and those accepting electronic applications, and per competition the funnel applied / withdrawn / pre-selected / convoked to the written and oral exams / admitted / waiting list / not admitted, each as it stood then; with the global position. {AsOf} {Roles}");
    }

    /// <summary>Creates the schema and every read model's tables and indexes when missing.</summary>
    public static async Task CreateTablesAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var configuration = services.GetRequiredService<IConfiguration>();
        var projections = services.GetRequiredService<IReadOnlyList<IReadModelProjection>>();
        var dataSource = services.GetRequiredService<Npgsql.NpgsqlDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (var schema = new Npgsql.NpgsqlCommand($"CREATE SCHEMA IF NOT EXISTS {Database.Schema(configuration)}", connection))
        {
            await schema.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var projection in projections)
        {
            await MartenReadModel.CreateAsync(projection, connection, null, cancellationToken).ConfigureAwait(false);
        }

        var monitor = services.GetRequiredService<ProjectionMonitor>();
        await using var daemonTables = new Npgsql.NpgsqlCommand(monitor.Leases.CreateTableSql + ";" + monitor.Rebuilds.CreateTableSql, connection);
        await daemonTables.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed class ProjectionTablesAtStartup(IServiceProvider services, IConfiguration configuration) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            configuration.GetValue("EventStore:MigrateAtStartup", true) ? CreateTablesAsync(services, cancellationToken) : Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
