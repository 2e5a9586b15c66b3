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

    /// <summary>The tests' personal-data master key (base64 of 32 bytes, public like every test secret).</summary>
    public static string MasterKey { get; } = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData("idarati integration tests master key"u8));

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

    /// <summary>A fresh schema named from <paramref name="prefix"/>, seeded with the synthetic dataset at <paramref name="scale"/>; its name.</summary>
    public static async Task<string> SeededSchemaAsync(string prefix, double scale)
    {
        var schema = prefix + "_" + Guid.NewGuid().ToString("N")[..12];
        using var store = await CreateAsync(Source.Value, schema);
        await SeedAsync(store, SeedPlan.AtScale(scale));
        return schema;
    }

    public static SyntheticDataset Dataset(DocumentStore store) =>
        new(new MartenSeedSink(store, TimeProvider.System, Vault(store)), new ComplaintOptions { AccessCodeSecret = AccessCodeSecret }, TimeProvider.System);

    private static readonly Lazy<Npgsql.NpgsqlDataSource> Source = new(() => Npgsql.NpgsqlDataSource.Create(TestDatabase));

    /// <summary>The personal-data vault of a store, under the tests' master key (as the test hosts run).</summary>
    public static Idarati.Application.Privacy.PersonalDataVault Vault(DocumentStore store) =>
        new(Source.Value, Idarati.Application.Privacy.MasterKeys.Parse(MasterKey), store.Options.DatabaseSchemaName, TimeProvider.System);
}
