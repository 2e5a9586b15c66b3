using System.Globalization;
using Idarati.Application.Complaints;
using Idarati.Application.Seeding;
using Idarati.Application.Streams;
using Idarati.EventStore;
using JasperFx;
using Marten;
using Npgsql;

namespace Idarati.Benchmarks;

/// <summary>
/// The move onto Marten (issue 14), measured against the peer to beat, the service's own store, in the same run: the
/// synthetic dataset at scale S written through Marten's bulk event insert (events sealed by the tamper-evidence chain)
/// beside the same dataset through the own store's binary COPY path.
/// </summary>
public static class MartenBenchmark
{
    public static async Task RunAsync(NpgsqlDataSource dataSource, Report report, double? scale, bool smoke)
    {
        var at = scale ?? (smoke ? 0.01 : 1);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var options = new ComplaintOptions { AccessCodeSecret = "benchmark-access-code-secret-of-at-least-32-bytes" };
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"== marten: the seed at scale {at}, own store and Marten"));
        var ownSchema = "bench_own_" + suffix;
        var martenSchema = "bench_marten_" + suffix;
        try
        {
            var own = new PostgresEventStore(dataSource, Application.Serialization.StoreOptions(ownSchema, TimeProvider.System));
            var ownResult = await new SyntheticDataset(own, options, TimeProvider.System).SeedAsync(SeedPlan.AtScale(at)).ConfigureAwait(false);
            report.Add("seed.own-store", ownResult.Events / ownResult.Elapsed.TotalSeconds, "events/s");

            using var store = DocumentStore.For(o =>
            {
                o.Connection(dataSource);
                MartenStreams.Configure(o, martenSchema);
                o.AutoCreateSchemaObjects = AutoCreate.All;
            });
            var martenResult = await new SyntheticDataset(new MartenSeedSink(store, TimeProvider.System), options, TimeProvider.System).SeedAsync(SeedPlan.AtScale(at)).ConfigureAwait(false);
            report.Add("seed.marten", martenResult.Events / martenResult.Elapsed.TotalSeconds, "events/s", "seed.own-store", atLeast: smoke ? null : 30_000);
        }
        finally
        {
            foreach (var schema in new[] { ownSchema, martenSchema })
            {
                await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
                await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
    }
}
