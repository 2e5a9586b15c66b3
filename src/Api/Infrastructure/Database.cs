using Idarati.EventStore;
using Npgsql;

namespace Idarati.Api.Infrastructure;

/// <summary>Where the database is, and the store built over it.</summary>
public static class Database
{
    public const string EnvironmentVariable = "IDARATI_DB";

    /// <summary>IDARATI_DB first, then ConnectionStrings:Idarati; a clear error when neither is set.</summary>
    public static string ConnectionString(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var value = configuration[EnvironmentVariable] ?? configuration.GetConnectionString("Idarati");
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"No database: set {EnvironmentVariable} (or ConnectionStrings:Idarati) to a PostgreSQL connection string, " +
                "or start the service with ./run.sh, which creates a local cluster under .data/.");
        }

        return value;
    }

    /// <summary>Whether a connection string chooses the pool's reset itself ("No Reset On Close" or "NoResetOnClose").</summary>
    internal static bool SaysResetOnClose(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return given.ContainsKey("No Reset On Close") || given.ContainsKey("NoResetOnClose");
    }

    public static IServiceCollection AddIdaratiDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ =>
        {
            var builder = new NpgsqlDataSourceBuilder(ConnectionString(configuration));
            builder.ConnectionStringBuilder.ApplicationName ??= "idarati";
            if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
            {
                builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
            }

            // The service leaves no session state on a pooled connection (no SET, LISTEN or temporary table; the
            // daemon's session lock is released before its connection goes back), so the seven reset statements Npgsql
            // would otherwise run at every reuse are pure cost: a fifth of the database's work per command.
            // (NpgsqlConnectionStringBuilder.ContainsKey says whether a keyword exists, not whether it was given: ask
            // the plain builder, which knows only the keys of the text.)
            if (!SaysResetOnClose(ConnectionString(configuration)))
            {
                builder.ConnectionStringBuilder.NoResetOnClose = true;
            }

            return builder.Build();
        });
        services.AddSingleton(sp =>
        {
            var options = Idarati.Application.Serialization.StoreOptions(
                configuration["EventStore:Schema"] ?? "event_store", sp.GetRequiredService<TimeProvider>(), configuration.GetValue<int?>("EventStore:GroupCommitWriters"));
            return new PostgresEventStore(sp.GetRequiredService<NpgsqlDataSource>(), options);
        });
        services.AddHostedService<MigrateAtStartup>();
        return services;
    }

    private sealed class MigrateAtStartup(PostgresEventStore store, IConfiguration configuration, ILogger<MigrateAtStartup> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (!configuration.GetValue("EventStore:MigrateAtStartup", true))
            {
                return;
            }

            await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Event store schema {Schema} is up to date", store.Options.Schema);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
