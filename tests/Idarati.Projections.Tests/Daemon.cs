using Idarati.Tests;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;

namespace Idarati.Projections.Tests;

/// <summary>
/// A Marten store in a schema of its own with read models registered as the service registers them, run by Marten's
/// daemon built on demand; the schema is dropped on dispose.
/// </summary>
public sealed class ReadModelStore : IAsyncDisposable
{
    private ReadModelStore(string schema, Npgsql.NpgsqlDataSource dataSource, DocumentStore store, IReadOnlyList<IReadModelProjection> projections) =>
        (Schema, DataSource, Store, Projections) = (schema, dataSource, store, projections);

    public string Schema { get; }

    public Npgsql.NpgsqlDataSource DataSource { get; }

    public DocumentStore Store { get; }

    public IReadOnlyList<IReadModelProjection> Projections { get; }

    public static async Task<ReadModelStore> CreateAsync(Func<string, IReadModelProjection[]> projections, Action<StoreOptions>? configure = null)
    {
        var schema = "rm_" + Guid.NewGuid().ToString("N")[..12];
        var dataSource = Npgsql.NpgsqlDataSource.Create(TestStores.TestDatabase);
        var models = projections(schema);
        var store = await TestStores.CreateAsync(dataSource, schema, options =>
        {
            MartenReadModel.Register(options, models, TimeProvider.System, NullLoggerFactory.Instance, 500);
            ReadModelDaemon.Configure(options, TimeSpan.FromMilliseconds(50));
            configure?.Invoke(options);
        });
        await using var connection = await dataSource.OpenConnectionAsync();
        foreach (var model in models)
        {
            await MartenReadModel.CreateAsync(model, connection, null, default);
        }

        return new ReadModelStore(schema, dataSource, store, models);
    }

    /// <summary>Appends events to a stream (started when <paramref name="version"/> is 0, after it otherwise).</summary>
    public async Task AppendAsync(string streamId, long version, params object[] events)
    {
        await using var session = Store.LightweightSession();
        if (version == 0)
        {
            session.Events.StartStream(streamId, events);
        }
        else
        {
            session.Events.Append(streamId, version + events.Length, events);
        }

        await session.SaveChangesAsync();
    }

    /// <summary>Runs the daemon until every projection has applied every event (Marten's own wait), then stops it.</summary>
    public async Task CatchUpAsync()
    {
        using var daemon = await Store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        await daemon.WaitForNonStaleData(TimeSpan.FromSeconds(30));
        await daemon.StopAllAsync();
    }

    /// <summary>Tears a read model down and replays it from zero with Marten's daemon.</summary>
    public async Task RebuildAsync(string name)
    {
        using var daemon = await Store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync(name, TimeSpan.FromSeconds(60), CancellationToken.None);
        await daemon.StopAllAsync();
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql.Replace("{s}", Schema, StringComparison.Ordinal));
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        Store.Dispose();
        await using (var drop = DataSource.CreateCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE"))
        {
            await drop.ExecuteNonQueryAsync();
        }

        await DataSource.DisposeAsync();
    }
}
