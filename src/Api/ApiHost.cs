using Idarati.Api.Audit;
using System.Text.Json.Serialization;
using Idarati.Api.Complaints;
using Idarati.Api.Infrastructure;
using Idarati.Api.Privacy;
using Idarati.Api.Projections;
using Idarati.Api.Reference;
using Idarati.Application.Administrations;
using Idarati.Application.Complaints;
using Idarati.Application.Handling;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.OpenApi;

namespace Idarati.Api;

/// <summary>The host: the web API by default, or a CLI verb (<see cref="Cli.CliVerbs"/>) that runs and exits.</summary>
public static class ApiHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == "codegen")
        {
            // Wolverine's code generation ("codegen write" fills src/Api/Internal/Generated; see scripts/codegen.sh).
            return await JasperFx.CommandLineHostingExtensions.RunJasperFxCommands(Build(args), args).ConfigureAwait(false);
        }

        if (args.Length > 0 && Cli.CliVerbs.Find(args[0]) is { } verb)
        {
            return await verb(args[1..]).ConfigureAwait(false);
        }

        WebApplication app;
        try
        {
            app = Build(args);
        }
        catch (MissingSecretException e)
        {
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 1;
        }

        try
        {
            await app.RunAsync().ConfigureAwait(false);
        }
        catch (MissingSecretException e)
        {
            // A setting that only the database can judge (a master key that does not open the stored keys).
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 1;
        }

        return 0;
    }

    /// <summary>
    /// Settings under every other source (appsettings, environment, command line override each). The hosting
    /// diagnostics logger is off: while enabled at any level it costs every request an Activity and a log scope (README,
    /// Configuration); "Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics": "Information" brings the logs back.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
    };

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The content root is the application's folder, wherever it is started from, so appsettings.json is always
        // found (a host that names its own, such as the test host, keeps it).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = NamesContentRoot(args) ? null : AppContext.BaseDirectory });
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Defaults });
        // Secrets as files, one per setting (Docker and compose secrets: /run/secrets/Auth__SigningKey), over the rest.
        builder.Configuration.AddKeyPerFile(builder.Configuration["Secrets:Directory"] ?? "/run/secrets", optional: true);
        builder.Logging.AddIdaratiConsole(builder.Environment);
        configure?.Invoke(builder);
        Secrets.Require(builder.Configuration, builder.Environment.EnvironmentName);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ProblemMapper.Customize);
        builder.Services.AddExceptionHandler<ProblemMapper>();
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase, allowIntegerValues: false));
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
            ServiceDates.WithRange(o.SerializerOptions);
        });
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.Limits.MaxRequestBodySize = MaxBodyBytes;
            RequestLimits.Configure(o);
        });
        builder.AddIdaratiMessaging(builder.Services.AddIdaratiDatabase(builder.Configuration));
        builder.Services.AddIdaratiHealth();
        builder.AddIdaratiTelemetry();
        builder.Services.AddIdaratiAuth(builder.Configuration);
        builder.Services.AddSingleton<GuessLimits>();
        builder.Services.AddSingleton(builder.Configuration.GetSection("Complaints").Get<ComplaintOptions>()!);
        builder.Services.AddIdaratiPersonalData(builder.Configuration);
        builder.Services.AddSingleton<CommandHandler>();
        builder.Services.AddSingleton<AdministrationService>();
        builder.Services.AddSingleton<ComplaintService>();
        builder.Services.AddSingleton<ComplaintSubmission>();
        builder.Services.AddSingleton(sp => (builder.Configuration.GetSection("Complaints:Deadlines").Get<DeadlineOptions>() ?? new DeadlineOptions()).Checked(sp.GetRequiredService<ComplaintOptions>()));
        builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<ComplaintDeadlines>(sp, Database.Schema(builder.Configuration)));
        RunChainStart.Add(builder.Services, sp => sp.GetRequiredService<ComplaintDeadlines>().Runs, run => new DeadlineWatch(run));
        builder.Services.AddSingleton<Idarati.Application.CallCenter.TicketService>();
        builder.Services.AddSingleton<Idarati.Application.JobApplications.EmploymentService>();
        builder.Services.AddHostedService<ReferenceDataAtStartup>();
        builder.Services.AddIdaratiProjections(builder.Configuration);
        builder.Services.AddAuditLog(builder.Configuration);
        Idarati.Api.GraphQL.FrontEndSchema.AddFrontEndGraphQL(builder.Services);
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(options =>
        {
            OpenApiContract.Configure(options);
            options.AddSecurityDefinition("bearer", new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT", Description = "A token from POST /api/dev/tokens in development." });
            options.AddSecurityRequirement(document => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] });
            options.OperationFilter<OpenApiExamples>();
            options.OperationFilter<OpenApiIdempotency>();
            options.CustomSchemaIds(OpenApiContract.SchemaId);
        });

        var app = builder.Build();
        app.UseRequestLog();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestLimits();
        app.Use(RefuseOversizedBodies);
        app.UseRequestTextCheck();
        app.UseIdempotencyFingerprints();
        // GraphQL subscriptions over graphql-transport-ws; WebSocket pings every 30 s keep idle connections through proxies.
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.UseIdaratiAuthentication();
        app.UseIdaratiAuthorization();
        app.UsePersonalDataRoutes();
        // The OpenAPI document and its UI live under /swagger: other requests do not go through their middleware.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/swagger", StringComparison.Ordinal), swagger =>
        {
            swagger.UseSwagger();
            swagger.UseSwaggerUI(options => options.SwaggerEndpoint("/swagger/v1/swagger.json", "Idarati.EventSourced v1"));
        });
        app.UseWebPages();
        app.MapIdaratiHealth();
        app.MapIdaratiMetrics();
        app.MapReference();
        app.MapComplaints();
        app.MapAudit();
        app.MapAuditLog();
        app.MapPersonalData();
        app.MapProjections();
        app.MapMessageDeadLetters();
        app.MapIndicators();
        Idarati.Api.GraphQL.FrontEndSchema.MapFrontEndGraphQL(app);
        Idarati.Api.CallCenter.TicketEndpoints.MapTickets(app);
        Idarati.Api.JobApplications.EmploymentEndpoints.MapEmployment(app);
        if (app.Environment.IsDevelopment() || app.Configuration.GetValue("Auth:DevTokens", false))
        {
            app.MapDevTokens();
        }

        return app;
    }

    internal static bool NamesContentRoot(string[] args) =>
        args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase)) || Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT") is not null;

    /// <summary>The largest request body accepted; a complaint with its longest texts fits in a few kilobytes.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    /// <summary>Refuses a declared oversized body before reading it (Kestrel enforces the same limit on streamed bodies).</summary>
    private static Task RefuseOversizedBodies(HttpContext context, Func<Task> next) =>
        context.Request.ContentLength > MaxBodyBytes
            ? Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, detail: $"The request body is larger than {MaxBodyBytes} bytes.").ExecuteAsync(context)
            : next();

    /// <summary>Registers the default administrations on first start, so the service is usable at once.</summary>
    private sealed class ReferenceDataAtStartup(AdministrationService administrations, IConfiguration configuration) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            configuration.GetValue("ReferenceData:LoadDefaults", true) ? administrations.EnsureDefaultsAsync(cancellationToken) : Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
