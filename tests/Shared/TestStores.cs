using Idarati.Application.Complaints;
using Idarati.Application.Seeding;
using Idarati.Application.Streams;
using JasperFx;
using Marten;

namespace Idarati.Tests;

/// <summary>Marten stores on the test server (IDARATI_TEST_DB), configured as the service configures them.</summary>
public static class TestStores
{
    public const string AccessCodeSecret = "integration-tests-access-code-secret-of-32-bytes";

    public static string TestDatabase => Environment.GetEnvironmentVariable("IDARATI_TEST_DB")
        ?? throw new InvalidOperationException("IDARATI_TEST_DB is not set: run the tests with ./test.sh.");

    /// <summary>A store over <paramref name="schema"/> whose objects exist (the caller disposes it).</summary>
    public static async Task<DocumentStore> CreateAsync(Npgsql.NpgsqlDataSource dataSource, string schema, Action<StoreOptions>? configure = null)
    {
        var store = DocumentStore.For(options =>
        {
            options.Connection(dataSource);
            MartenStreams.Configure(options, schema);
            options.AutoCreateSchemaObjects = AutoCreate.All;
            configure?.Invoke(options);
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        return store;
    }

    /// <summary>The synthetic dataset at <paramref name="plan"/>, through Marten's bulk insert, into an empty store.</summary>
    public static Task<SeedResult> SeedAsync(DocumentStore store, SeedPlan plan, IProgress<SeedProgress>? progress = null) =>
        Dataset(store).SeedAsync(plan, progress);

    public static SyntheticDataset Dataset(DocumentStore store) =>
        new(new MartenSeedSink(store, TimeProvider.System), new ComplaintOptions { AccessCodeSecret = AccessCodeSecret }, TimeProvider.System);
}
