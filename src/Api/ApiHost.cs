using Idarati.Api.Infrastructure;
using Idarati.EventStore;

namespace Idarati.Api;

/// <summary>The host: the web API by default, or a CLI verb ('migrate') that runs and exits.</summary>
public static class ApiHost
{
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == "migrate")
        {
            return await MigrateAsync(args[1..]).ConfigureAwait(false);
        }

        var app = Build(args);
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddProblemDetails();
        builder.Services.AddIdaratiDatabase(builder.Configuration);
        builder.Services.AddIdaratiHealth();
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(options =>
            options.SwaggerDoc("v1", new() { Title = "Idarati.EventSourced", Version = "v1", Description = "Complaints, job applications and call-centre tickets as event streams." }));

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseSwagger();
        app.UseSwaggerUI(options => options.SwaggerEndpoint("/swagger/v1/swagger.json", "Idarati.EventSourced v1"));
        app.MapIdaratiHealth();
        return app;
    }

    private static async Task<int> MigrateAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddIdaratiDatabase(builder.Configuration);
        using var host = builder.Build();
        var store = host.Services.GetRequiredService<PostgresEventStore>();
        await store.MigrateAsync().ConfigureAwait(false);
        await Console.Out.WriteLineAsync($"event store schema '{store.Options.Schema}' is up to date").ConfigureAwait(false);
        return 0;
    }
}
