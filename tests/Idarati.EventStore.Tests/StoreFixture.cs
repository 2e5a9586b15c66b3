using Idarati.Tests;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Idarati.EventStore.Tests;

/// <summary>A real PostgreSQL server (IDARATI_TEST_DB, set by ./test.sh) and a fresh schema per test class.</summary>
public sealed class StoreFixture : IAsyncLifetime
{
    public NpgsqlDataSource DataSource { get; } = CreateDataSource();

    public string Schema { get; } = "es_" + Guid.NewGuid().ToString("N")[..12];

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 2, 9, 30, 0, TimeSpan.Zero));

    public PostgresEventStore Store { get; private set; } = null!;

    public static NpgsqlDataSource CreateDataSource()
    {
        var connectionString = Environment.GetEnvironmentVariable("IDARATI_TEST_DB")
            ?? throw new InvalidOperationException("IDARATI_TEST_DB is not set: run the tests with ./test.sh, or set it to a PostgreSQL connection string.");
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 60 };
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>A store over the fixture's schema with its own registry, as a new process would build it.</summary>
    public PostgresEventStore NewStore(Action<EventTypeRegistry>? register = null, TimeProvider? time = null, int? groupCommitWriters = null)
    {
        var options = new EventStoreOptions { Time = time ?? Time, GroupCommitWriters = groupCommitWriters ?? EventStoreOptions.DefaultGroupCommitWriters };
        options.Schema = Schema;
        (register ?? TestEvents.Register)(options.Types);
        return new PostgresEventStore(DataSource, options);
    }

    /// <summary>
    /// Polls the global log as a subscriber would: the log only shows events once every older transaction has ended,
    /// so a long transaction elsewhere on the server (another test class) may hold it back for a few seconds.
    /// </summary>
    public static async Task<IReadOnlyList<RecordedEvent>> ReadAllEventuallyAsync(PostgresEventStore store, long after, int count)
    {
        var deadline = Deadline.In(30);
        while (true)
        {
            var events = await store.ReadAllAsync(after, 100_000);
            if (events.Count >= count || deadline.Passed)
            {
                return events;
            }

            await Task.Delay(50);
        }
    }

    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = DataSource.CreateCommand(sql.Replace("{s}", Schema, StringComparison.Ordinal));
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql.Replace("{s}", Schema, StringComparison.Ordinal));
        await command.ExecuteNonQueryAsync();
    }

    public async Task InitializeAsync()
    {
        Store = NewStore();
        await Store.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await ExecuteAsync("DROP SCHEMA IF EXISTS {s} CASCADE");
        await DataSource.DisposeAsync();
    }
}

public sealed record Opened(string Title);

public sealed record Noted(string Text, int Number);

public sealed record Closed(string Reason);

public static class TestEvents
{
    public static void Register(EventTypeRegistry types)
    {
        types.Register<Opened>("test.opened")
            .Register<Noted>("test.noted")
            .Register<Closed>("test.closed");
    }
}
