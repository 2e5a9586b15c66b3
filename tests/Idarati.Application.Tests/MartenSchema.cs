using Marten;

namespace Idarati.Application.Tests;

/// <summary>A Marten store in a schema of its own on the test server, configured as the service configures it; dropped when disposed.</summary>
public sealed class MartenSchema : IAsyncDisposable
{
    private MartenSchema(string schema, Npgsql.NpgsqlDataSource dataSource, DocumentStore store) => (Schema, DataSource, Store) = (schema, dataSource, store);

    public string Schema { get; }

    public Npgsql.NpgsqlDataSource DataSource { get; }

    public DocumentStore Store { get; }

    public static async Task<MartenSchema> CreateAsync(string prefix, Action<StoreOptions>? configure = null)
    {
        var schema = prefix + Guid.NewGuid().ToString("N")[..12];
        var dataSource = Npgsql.NpgsqlDataSource.Create(Idarati.Tests.TestStores.TestDatabase);
        var store = await Idarati.Tests.TestStores.CreateAsync(dataSource, schema, configure);
        return new MartenSchema(schema, dataSource, store);
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
