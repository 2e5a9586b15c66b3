using System.Diagnostics;
using System.Globalization;
using Idarati.Application.Handling;
using Idarati.Application.Seeding;
using Idarati.Application.Streams;
using Idarati.Domain.Shared;
using JasperFx;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Idarati.Benchmarks;

/// <summary>
/// Single commands through the command path on Marten (load, decide, append with the hash chain, in one session) at
/// concurrency 1, 8 and 32, and bulk appends through Marten's bulk event insert, beside raw Npgsql baselines on the
/// same database: one implicit transaction inserting one stream row and one event row, and a raw binary COPY.
/// </summary>
public static class AppendBenchmark
{
    private const string Body = """{"administrationId":"MIN-042","categoryCode":"RH.01","subject":"Retard de traitement","description":"Dossier deposé il y a trois mois sans réponse."}""";
    private const string Metadata = """{"actor":"citizen","commandId":"8d1f7a3e-3c55-4d4f-9a57-2f1a6de0c1b2"}""";

    public sealed record Submitted(string AdministrationId, string CategoryCode, string Subject, string Description);

    public static Task RunBulkOnlyAsync(NpgsqlDataSource dataSource, Settings settings, Report report) => RunAsync(dataSource, settings, report, singles: false);

    public static async Task RunAsync(NpgsqlDataSource dataSource, Settings settings, Report report, bool singles = true)
    {
        var schema = "bench_" + Guid.NewGuid().ToString("N")[..10];
        var decider = new Decider<Submitted, Submitted, int>("bench", 0, (n, _) => n + 1, (command, _) => [command]);
        using var store = DocumentStore.For(o =>
        {
            o.Connection(dataSource);
            MartenStreams.Configure(o, schema);
            o.Events.MapEventType<Submitted>("bench.submitted");
            DeciderAggregation<Submitted, Submitted, int>.Register(o, decider);
            o.AutoCreateSchemaObjects = AutoCreate.All;
        });
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
        var handler = new CommandHandler(store, TimeProvider.System, vault: Vault(dataSource, store));
        // The baseline's tables: a stream row and an event row with the same columns and unique keys as the service had.
        await ExecuteAsync(dataSource, $"""
            CREATE TABLE {schema}.raw_streams (id text PRIMARY KEY, type text NOT NULL, version bigint NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
            CREATE TABLE {schema}.raw_events (position bigserial PRIMARY KEY, stream_id text NOT NULL, version bigint NOT NULL,
                type text NOT NULL, data json NOT NULL, metadata json NOT NULL, recorded_at timestamptz NOT NULL, hash bytea NOT NULL, UNIQUE (stream_id, version));
            """).ConfigureAwait(false);
        var eventBody = new Submitted("MIN-042", "RH.01", "Retard de traitement", "Dossier deposé il y a trois mois sans réponse.");

        try
        {
            Console.WriteLine($"== append: {settings.Duration.TotalSeconds:F1} s per figure, schema {schema}");
            foreach (var concurrency in singles ? [1, 8, 32] : Array.Empty<int>())
            {
                var raw = await MeasureAsync(concurrency, settings.Duration, async (worker, i) =>
                {
                    var id = $"raw-{worker}-{i}-{Guid.NewGuid():N}";
                    await using var batch = dataSource.CreateBatch();
                    var now = TimeProvider.System.GetUtcNow().UtcDateTime;
                    batch.BatchCommands.Add(new NpgsqlBatchCommand($"INSERT INTO {schema}.raw_streams (id, type, version, created_at, updated_at) VALUES ($1, 'complaint', 1, $2, $2)")
                    {
                        Parameters = { new NpgsqlParameter<string> { TypedValue = id }, new NpgsqlParameter<DateTime> { TypedValue = now } },
                    });
                    batch.BatchCommands.Add(new NpgsqlBatchCommand($"INSERT INTO {schema}.raw_events (stream_id, version, type, data, metadata, recorded_at, hash) VALUES ($1, 1, 'complaint.submitted', $2, $3, $4, $5)")
                    {
                        Parameters =
                        {
                            new NpgsqlParameter<string> { TypedValue = id },
                            new NpgsqlParameter<string> { TypedValue = Body, NpgsqlDbType = NpgsqlDbType.Json },
                            new NpgsqlParameter<string> { TypedValue = Metadata, NpgsqlDbType = NpgsqlDbType.Json },
                            new NpgsqlParameter<DateTime> { TypedValue = now },
                            new NpgsqlParameter<byte[]> { TypedValue = new byte[32] },
                        },
                    });
                    await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
                }).ConfigureAwait(false);
                var rawName = $"append.raw-npgsql.c{concurrency}";
                report.Add(rawName, raw, "commands/s");

                // The command path as a new complaint takes it (a fresh stream: no read), and as an action on an existing
                // stream takes it (read, fold, decide, append after the version read).
                var citizen = new CommandContext(new Actor("citizen", Role.Citizen)) { NewStream = true };
                var fresh = await MeasureAsync(concurrency, settings.Duration, (worker, i) =>
                    handler.HandleAsync(decider, $"new-{worker}-{i}-{Guid.NewGuid():N}", eventBody, citizen)).ConfigureAwait(false);
                report.Add($"append.marten.new-stream.c{concurrency}", fresh, "commands/s", rawName);

                // Each worker acts on a ring of 100 streams of its own, so that streams stay as short as a complaint's.
                const int Ring = 100;
                var streams = Enumerable.Range(0, concurrency * Ring).Select(s => $"existing-{s}-{Guid.NewGuid():N}").ToArray();
                await Parallel.ForEachAsync(streams, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (stream, ct) =>
                    await handler.HandleAsync(decider, stream, eventBody, citizen, cancellationToken: ct).ConfigureAwait(false)).ConfigureAwait(false);

                var agent = new CommandContext(new Actor("agent", Role.Agent, "MIN-042"));
                var existing = await MeasureAsync(concurrency, settings.Duration, (worker, i) =>
                    handler.HandleAsync(decider, streams[(worker * Ring) + (int)((i % Ring + Ring) % Ring)], eventBody, agent)).ConfigureAwait(false);
                report.Add($"append.marten.existing-stream.c{concurrency}", existing, "commands/s", rawName);
            }

            await BulkAsync(dataSource, new MartenSeedSink(store, TimeProvider.System, Vault(dataSource, store)), schema, eventBody, settings, report).ConfigureAwait(false);
        }
        finally
        {
            await ExecuteAsync(dataSource, $"DROP SCHEMA IF EXISTS {schema} CASCADE").ConfigureAwait(false);
        }
    }

    /// <summary>The personal-data vault of a benchmark store, under the public development master key.</summary>
    public static Idarati.Application.Privacy.PersonalDataVault Vault(NpgsqlDataSource dataSource, Marten.DocumentStore store) =>
        new(dataSource, Idarati.Application.Privacy.MasterKeys.Parse(Idarati.Application.Privacy.MasterKeys.DevelopmentKey), store.Options.DatabaseSchemaName, TimeProvider.System);

    private static async Task BulkAsync(NpgsqlDataSource dataSource, MartenSeedSink sink, string schema, Submitted body, Settings settings, Report report)
    {
        const int EventsPerStream = 5;
        var streamsPerBatch = settings.Smoke ? 200 : 2_000;
        var batches = settings.Smoke ? 2 : 20;
        var events = (double)streamsPerBatch * EventsPerStream * batches;
        var payload = Enumerable.Repeat<object>(body, EventsPerStream).ToArray();

        // Raw and store batches alternate, so that checkpoints and table growth weigh on both alike.
        var raw = TimeSpan.Zero;
        var stored = TimeSpan.Zero;
        for (var b = 0; b < batches; b++)
        {
            var clock = Stopwatch.StartNew();
            await RawCopyAsync(dataSource, schema, streamsPerBatch, EventsPerStream).ConfigureAwait(false);
            raw += clock.Elapsed;

            clock.Restart();
            var batch = Enumerable.Range(0, streamsPerBatch)
                .Select(_ => new SeedStream($"bulk-{Guid.NewGuid():N}", "complaint", payload, new SeedMetadata("importer", new Dictionary<string, string>(), [])))
                .ToList();
            await sink.WriteAsync(batch, CancellationToken.None).ConfigureAwait(false);
            stored += clock.Elapsed;
        }

        report.Add("bulk.raw-copy", events / raw.TotalSeconds, "events/s");
        report.Add("bulk.marten", events / stored.TotalSeconds, "events/s", "bulk.raw-copy");
    }

    /// <summary>The baseline: a raw binary COPY of the same stream and event rows in one transaction.</summary>
    private static async Task RawCopyAsync(NpgsqlDataSource dataSource, string schema, int streamCount, int eventsPerStream)
    {
        await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        var ids = Enumerable.Range(0, streamCount).Select(_ => $"copy-{Guid.NewGuid():N}").ToArray();
        var now = TimeProvider.System.GetUtcNow().UtcDateTime;
        await using (var streams = await connection.BeginBinaryImportAsync($"COPY {schema}.raw_streams (id, type, version, created_at, updated_at) FROM STDIN (FORMAT BINARY)").ConfigureAwait(false))
        {
            foreach (var id in ids)
            {
                await streams.StartRowAsync().ConfigureAwait(false);
                streams.Write(id, NpgsqlDbType.Text);
                streams.Write("complaint", NpgsqlDbType.Text);
                streams.Write((long)eventsPerStream, NpgsqlDbType.Bigint);
                streams.Write(now, NpgsqlDbType.TimestampTz);
                streams.Write(now, NpgsqlDbType.TimestampTz);
            }

            await streams.CompleteAsync().ConfigureAwait(false);
        }

        await using (var rows = await connection.BeginBinaryImportAsync($"COPY {schema}.raw_events (stream_id, version, type, data, metadata, recorded_at, hash) FROM STDIN (FORMAT BINARY)").ConfigureAwait(false))
        {
            var hash = new byte[32];
            foreach (var id in ids)
            {
                for (var v = 1L; v <= eventsPerStream; v++)
                {
                    await rows.StartRowAsync().ConfigureAwait(false);
                    rows.Write(id, NpgsqlDbType.Text);
                    rows.Write(v, NpgsqlDbType.Bigint);
                    rows.Write("complaint.submitted", NpgsqlDbType.Text);
                    rows.Write(Body, NpgsqlDbType.Json);
                    rows.Write(Metadata, NpgsqlDbType.Json);
                    rows.Write(now, NpgsqlDbType.TimestampTz);
                    rows.Write(hash, NpgsqlDbType.Bytea);
                }
            }

            await rows.CompleteAsync().ConfigureAwait(false);
        }

        await transaction.CommitAsync().ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="concurrency"/> workers for <paramref name="duration"/> and returns operations per second.</summary>
    internal static async Task<double> MeasureAsync(int concurrency, TimeSpan duration, Func<int, long, Task> operation)
    {
        // Warm up pools, prepared statements and the tiered JIT before the clock starts.
        await RunForAsync(concurrency, duration / 4, operation, -1_000_000).ConfigureAwait(false);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var serverCpu = ServerCpu.Read();
        var clock = Stopwatch.StartNew();
        var total = await RunForAsync(concurrency, duration, operation, 0).ConfigureAwait(false);
        var elapsed = clock.Elapsed;
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var server = ServerCpu.Read() - serverCpu;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    {total} operations; CPU per operation: client {clientCpu.TotalMicroseconds / total:F0} us, local PostgreSQL {server.TotalMicroseconds / total:F0} us"));
        return total / elapsed.TotalSeconds;
    }

    private static async Task<long> RunForAsync(int concurrency, TimeSpan duration, Func<int, long, Task> operation, long firstIndex)
    {
        long total = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            var i = firstIndex;
            while (clock.Elapsed < duration)
            {
                await operation(w, i++).ConfigureAwait(false);
            }

            Interlocked.Add(ref total, i - firstIndex);
        }))).ConfigureAwait(false);
        return total;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
