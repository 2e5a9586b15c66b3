using Marten;
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

    /// <summary>This node's name: in the status of the projections and in its connections' application name (<see cref="SessionName"/>).</summary>
    public static string NodeName(IConfiguration configuration) =>
        configuration?["Projections:NodeName"] is { Length: > 0 } name ? name : $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>
    /// The application name of this node's sessions: the connection string's (or "idarati"), "@", the node's name; the
    /// command path's pool adds <see cref="CommandsSuffix"/>. Always per node, since a node that loses its lease has its
    /// sessions ended by this name (<see cref="Idarati.Projections.DaemonLeases"/>).
    /// </summary>
    public static string SessionName(IConfiguration configuration)
    {
        var given = new NpgsqlConnectionStringBuilder(ConnectionString(configuration)).ApplicationName;
        return (string.IsNullOrEmpty(given) ? "idarati" : given) + "@" + NodeName(configuration);
    }

    /// <summary>The schema of the event store and the read models.</summary>
    public static string Schema(IConfiguration configuration) => configuration?["EventStore:Schema"] ?? "event_store";

    /// <summary>
    /// The data source, Marten over it (the event store, the command path's documents and the async daemon running the
    /// read models, unless Projections:Daemon=false), and the reads of stored streams.
    /// </summary>
    public static MartenServiceCollectionExtensions.MartenConfigurationExpression AddIdaratiDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        // The store's connections (Marten's reads, its daemon, the outbox's sessions) leave statements unprepared, as Marten
        // does by default; the command path's writes have a pool of their own that prepares them (CommandConnections).
        services.AddSingleton(_ => DataSource(configuration, prepared: false));
        services.AddSingleton(_ => new Idarati.Application.Handling.CommandConnections(DataSource(configuration, prepared: true)));
        services.AddSingleton<IReadOnlyList<Idarati.Projections.IReadModelProjection>>(_ => Idarati.Projections.ReadModels.All(Schema(configuration)));
        var marten = services.AddMarten(sp =>
        {
            var options = new StoreOptions();
            options.Connection(sp.GetRequiredService<NpgsqlDataSource>());
            Idarati.Application.Streams.MartenStreams.Configure(options, Schema(configuration));
            options.AutoCreateSchemaObjects = JasperFx.AutoCreate.CreateOrUpdate;
            Idarati.Projections.MartenReadModel.Register(options, sp.GetRequiredService<IReadOnlyList<Idarati.Projections.IReadModelProjection>>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>(), configuration.GetValue("Projections:BatchSize", 1000));
            Idarati.Projections.ReadModelDaemon.Configure(options, configuration.GetValue("Projections:PollInterval", Idarati.Projections.ReadModelDaemon.DefaultPollInterval));
            // One leadership lock per store: schemas on one server (tests, several deployments) lead independently.
            options.Projections.DaemonLockId = DaemonLockId(Schema(configuration));
            // A follower asks for the shard locks every second (Marten's default is 5 s), so that a takeover after a
            // lease runs out (DaemonLease) stays within seconds.
            options.Projections.LeadershipPollingTime = (int)configuration.GetValue("Projections:LeadershipPolling", TimeSpan.FromSeconds(1)).TotalMilliseconds;
            // Marten's spans per connection and its count of appended events per type (Observability).
            options.OpenTelemetry.TrackConnections = JasperFx.OpenTelemetry.TrackLevel.Normal;
            options.OpenTelemetry.TrackEventCounters();

            return options;
        });
        if (configuration.GetValue("EventStore:MigrateAtStartup", true))
        {
            marten.ApplyAllDatabaseChangesOnStartup();
        }

        if (configuration.GetValue("Projections:Daemon", true))
        {
            marten.AddAsyncDaemon(JasperFx.Events.Daemon.DaemonMode.HotCold);
        }

        services.AddSingleton<Idarati.Application.Streams.StoredStreams>();
        return marten;
    }

    /// <summary>The end of the application name of the command path's connections.</summary>
    public const string CommandsSuffix = "/commands";

    /// <summary>
    /// A data source on the service's database. <paramref name="prepared"/>: Npgsql prepares each statement on the
    /// server once it has run five times (64 per connection), unless the connection string says otherwise (see
    /// <see cref="Idarati.Application.Handling.CommandConnections"/> for why only the command path's connections do).
    /// </summary>
    private static NpgsqlDataSource DataSource(IConfiguration configuration, bool prepared)
    {
        var builder = new NpgsqlDataSourceBuilder(ConnectionString(configuration));
        // Each node's sessions say which node they belong to (pg_stat_activity), Marten's shard locks included.
        builder.ConnectionStringBuilder.ApplicationName = SessionName(configuration) + (prepared ? CommandsSuffix : string.Empty);
        if (prepared && builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        }

        // The service leaves no session state on a pooled connection (no SET, LISTEN or temporary table; advisory
        // locks are held on connections of their own), so the seven reset statements Npgsql would otherwise run at
        // every reuse are pure cost: a fifth of the database's work per command.
        // (NpgsqlConnectionStringBuilder.ContainsKey says whether a keyword exists, not whether it was given: ask
        // the plain builder, which knows only the keys of the text.)
        if (!SaysResetOnClose(ConnectionString(configuration)))
        {
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        }

        return builder.Build();
    }

    /// <summary>A stable lock id per schema (FNV-1a of its name), away from zero.</summary>
    public static int DaemonLockId(string schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var hash = 2166136261u;
        foreach (var c in schema)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash & 0x3FFFFFFF) + 1_000;
    }
}
