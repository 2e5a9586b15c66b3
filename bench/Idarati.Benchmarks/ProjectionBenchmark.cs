using System.Diagnostics;
using System.Globalization;
using Idarati.Application.Administrations;
using Idarati.Application.Audit;
using Idarati.Application.Complaints;
using Idarati.Application.Handling;
using Idarati.Application.Seeding;
using Idarati.Domain.Complaints;
using Idarati.Domain.Shared;
using Idarati.Application.Streams;
using Idarati.Projections;
using JasperFx;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Idarati.Benchmarks;

/// <summary>
/// Issue 14's figures on Marten: the synthetic dataset written through Marten's bulk event insert beside a raw COPY of
/// the very same rows; a rebuild of every read model by Marten's daemon beside a raw ordered read of the log; and the
/// lag from append to read model at a steady 500 commands per second beside the delay before a raw reader of the log
/// sees the event.
/// </summary>
public static class ProjectionBenchmark
{
    public static async Task RunAsync(NpgsqlDataSource dataSource, string connectionString, Settings settings, Report report, double? scaleOverride = null)
    {
        var scale = scaleOverride ?? (settings.Smoke ? 0.01 : 1);
        var schema = "bench_seed_" + Guid.NewGuid().ToString("N")[..8];
        var copy = schema + "_copy";
        // Marten's connections leave statements unprepared, as the service's store does (CommandConnections says why:
        // a prepared daemon query can turn a rebuild quadratic); the raw baselines keep the runner's prepared ones.
        await using var martenSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 0 }.ConnectionString);
        using var store = Store(martenSource, schema);
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
        await using (var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false))
        {
            foreach (var model in ReadModels.All(schema))
            {
                await MartenReadModel.CreateAsync(model, connection, null, default).ConfigureAwait(false);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"== projections: seed at scale {scale}, schema {schema}"));
        try
        {
            await SeedAsync(dataSource, store, schema, copy, scale, report).ConfigureAwait(false);
            if (Environment.GetEnvironmentVariable("IDARATI_BENCH_SEED_ONLY") == "1")
            {
                // The seed's figures alone (an A/B of the seed between two commits).
                return;
            }

            var catchUp = await CatchUpAsync(dataSource, store, schema).ConfigureAwait(false);
            await SettleAsync(dataSource, schema, copy).ConfigureAwait(false);
            await RebuildAsync(dataSource, store, schema, report).ConfigureAwait(false);
            // A daemon that meets the seeded log, as a node started after ./run.sh seed does: no slower than a rebuild.
            report.Add("catchup.all-projections", catchUp, "events/s", "rebuild.all-projections", goal: 1.0);
            await SettleAsync(dataSource, schema).ConfigureAwait(false);
            await LagAsync(dataSource, store, schema, settings, report).ConfigureAwait(false);
        }
        finally
        {
            await ExecuteAsync(dataSource, $"DROP SCHEMA IF EXISTS {schema} CASCADE; DROP SCHEMA IF EXISTS {copy} CASCADE").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Vacuums and analyzes the tables the last phase filled, checkpoints, and collects this process's garbage, untimed, as an operator would after an import: otherwise
    /// autovacuum starts on them during the next phase (a million fresh rows pass its insert threshold) and each
    /// figure would carry part of the previous phase's cleanup.
    /// </summary>
    private static async Task SettleAsync(NpgsqlDataSource dataSource, params string[] schemas)
    {
        var tables = new List<string>();
        await using (var list = dataSource.CreateCommand("SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables WHERE schemaname = ANY($1)"))
        {
            list.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = schemas });
            await using var reader = await list.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                tables.Add(reader.GetString(0));
            }
        }

        var clock = Stopwatch.StartNew();
        await using var vacuum = dataSource.CreateCommand($"VACUUM (ANALYZE) {string.Join(", ", tables)}");
        vacuum.CommandTimeout = 0;
        await vacuum.ExecuteNonQueryAsync().ConfigureAwait(false);

        // And a checkpoint: a phase writes gigabytes of WAL, and the checkpoint it triggers would otherwise flush them
        // during the next phase (its final fsyncs held commits up to a second and a half on this machine's disk).
        await using var checkpoint = dataSource.CreateCommand("CHECKPOINT");
        checkpoint.CommandTimeout = 0;
        try
        {
            await checkpoint.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            Console.WriteLine("    (no CHECKPOINT: the bench's role may not; a checkpoint may land in the next phase)");
        }
        // The same on this side: the previous phase's garbage (the seed's exported COPY alone is half a gigabyte) is
        // collected now rather than in a pause inside the next measurement.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    (untimed) VACUUM (ANALYZE) of {tables.Count} tables, CHECKPOINT and a full collection: {clock.Elapsed.TotalSeconds:F1} s"));
    }

    /// <summary>A store configured as the service configures it, with the read models on Marten's daemon.</summary>
    private static DocumentStore Store(NpgsqlDataSource dataSource, string schema) => DocumentStore.For(o =>
    {
        o.Connection(dataSource);
        MartenStreams.Configure(o, schema);
        o.AutoCreateSchemaObjects = AutoCreate.All;
        MartenReadModel.Register(o, ReadModels.All(schema), TimeProvider.System, NullLoggerFactory.Instance, 1000);
        ReadModelDaemon.Configure(o, ReadModelDaemon.DefaultPollInterval);
    });

    private static async Task SeedAsync(NpgsqlDataSource dataSource, DocumentStore store, string schema, string copy, double scale, Report report)
    {
        var (cpu, serverCpu) = (Process.GetCurrentProcess().TotalProcessorTime, ServerCpu.Read());
        var (paused, collections) = (GC.GetTotalPauseDuration(), GC.CollectionCount(0));
        var result = await new SyntheticDataset(new MartenSeedSink(store, TimeProvider.System, AppendBenchmark.Vault(dataSource, store)), new ComplaintOptions { AccessCodeSecret = "benchmark-access-code-secret-of-at-least-32-bytes" }, TimeProvider.System).SeedAsync(SeedPlan.AtScale(scale)).ConfigureAwait(false);
        (cpu, serverCpu) = (Process.GetCurrentProcess().TotalProcessorTime - cpu, ServerCpu.Read() - serverCpu);
        (paused, collections) = (GC.GetTotalPauseDuration() - paused, GC.CollectionCount(0) - collections);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {result.Streams:N0} streams, {result.Events:N0} events in {result.Elapsed.TotalSeconds:F1} s (CPU: this process {cpu.TotalSeconds:F1} s, server {serverCpu.TotalSeconds:F1} s; {collections} collections pausing {paused.TotalSeconds:F1} s)"));

        // The baseline: the same rows of every table the seed wrote, copied raw (binary COPY) into identical tables.
        using (var copyStore = Store(dataSource, copy))
        {
            await copyStore.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
        }

        string[] tables = ["mt_streams", "mt_events", "mt_doc_streamkeyclaim", "mt_doc_listedstream"];
        var exported = new Dictionary<string, byte[]>();
        await using (var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false))
        {
            foreach (var table in tables)
            {
                using var buffer = new MemoryStream();
                await using (var reader = await connection.BeginRawBinaryCopyAsync($"COPY {schema}.{table} TO STDOUT (FORMAT BINARY)").ConfigureAwait(false))
                {
                    await reader.CopyToAsync(buffer).ConfigureAwait(false);
                }

                exported[table] = buffer.ToArray();
            }
        }

        serverCpu = ServerCpu.Read();
        var clock = Stopwatch.StartNew();
        await using (var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false))
        await using (var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false))
        {
            foreach (var table in tables)
            {
                await using var writer = await connection.BeginRawBinaryCopyAsync($"COPY {copy}.{table} FROM STDIN (FORMAT BINARY)").ConfigureAwait(false);
                await writer.WriteAsync(exported[table]).ConfigureAwait(false);
            }

            await transaction.CommitAsync().ConfigureAwait(false);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    raw COPY of the same rows in {clock.Elapsed.TotalSeconds:F1} s (CPU: server {(ServerCpu.Read() - serverCpu).TotalSeconds:F1} s)"));
        report.Add("seed.raw-copy", result.Events / clock.Elapsed.TotalSeconds, "events/s");
        report.Add("seed.marten", result.Events / result.Elapsed.TotalSeconds, "events/s", "seed.raw-copy", atLeast: 30_000);
        if (await ServerCopyAsync(dataSource, schema, copy + "_server", tables).ConfigureAwait(false) is { } server)
        {
            report.Add("seed.server-copy", result.Events / server.TotalSeconds, "events/s");
            report.Add("seed.marten.vs-server-copy", result.Events / result.Elapsed.TotalSeconds, "events/s", "seed.server-copy", goal: 0.5);
        }
    }

    /// <summary>
    /// What PostgreSQL alone can ingest: the same rows written by the server to files, then a server-side binary COPY
    /// of those files into identical tables (Marten's own, keys and indexes included), in one transaction; no client in
    /// the way. Null when the role may not read or write server files.
    /// </summary>
    private static async Task<TimeSpan?> ServerCopyAsync(NpgsqlDataSource dataSource, string schema, string copy, string[] tables)
    {
        using (var copyStore = Store(dataSource, copy))
        {
            await copyStore.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
        }

        var folder = Directory.CreateTempSubdirectory("idarati-server-copy-");
        try
        {
            // The server (another user) writes the files: the folder must let it in.
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(folder.FullName, (UnixFileMode)0x1FF);
            }

            await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
            foreach (var table in tables)
            {
                await using var export = new NpgsqlCommand($"COPY {schema}.{table} TO '{folder.FullName}/{table}.bin' (FORMAT BINARY)", connection) { CommandTimeout = 0 };
                await export.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            var serverCpu = ServerCpu.Read();
            var clock = Stopwatch.StartNew();
            await using (var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false))
            {
                foreach (var table in tables)
                {
                    await using var import = new NpgsqlCommand($"COPY {copy}.{table} FROM '{folder.FullName}/{table}.bin' (FORMAT BINARY)", connection, transaction) { CommandTimeout = 0 };
                    await import.ExecuteNonQueryAsync().ConfigureAwait(false);
                }

                await transaction.CommitAsync().ConfigureAwait(false);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    server-side COPY of the same rows from files in {clock.Elapsed.TotalSeconds:F1} s (CPU: server {(ServerCpu.Read() - serverCpu).TotalSeconds:F1} s)"));
            return clock.Elapsed;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            Console.WriteLine("    (no server-side COPY: the bench's role may not read or write server files)");
            return null;
        }
        finally
        {
            folder.Delete(recursive: true);
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {copy} CASCADE");
            await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Right after the seed, with no settling (the seed's own ANALYZE only): Marten's daemon starts every read model
    /// from zero and runs until it has caught up with the log; the events per second it read.
    /// </summary>
    private static async Task<double> CatchUpAsync(NpgsqlDataSource dataSource, DocumentStore store, string schema)
    {
        var total = await ScalarAsync(dataSource, $"SELECT count(*) FROM {schema}.mt_events").ConfigureAwait(false);
        using var daemon = await store.BuildProjectionDaemonAsync().ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        await daemon.StartAllAsync().ConfigureAwait(false);
        await daemon.WaitForNonStaleData(TimeSpan.FromHours(1)).ConfigureAwait(false);
        var elapsed = clock.Elapsed;
        await daemon.StopAllAsync().ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    the daemon caught up with the seeded log ({total:N0} events) in {elapsed.TotalSeconds:F1} s"));
        return total / elapsed.TotalSeconds;
    }

    private static async Task RebuildAsync(NpgsqlDataSource dataSource, DocumentStore store, string schema, Report report)
    {
        var total = await ScalarAsync(dataSource, $"SELECT count(*) FROM {schema}.mt_events").ConfigureAwait(false);

        // The baseline: every row of the log read in sequence order, as the daemon reads it.
        var clock = Stopwatch.StartNew();
        await using (var command = dataSource.CreateCommand($"SELECT seq_id, stream_id, version, type, data::text, headers::text, timestamp FROM {schema}.mt_events ORDER BY seq_id"))
        await using (var reader = await command.ExecuteReaderAsync().ConfigureAwait(false))
        {
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                _ = (reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetDateTime(6));
            }
        }

        report.Add("rebuild.raw-read", total / clock.Elapsed.TotalSeconds, "events/s");

        // Marten's rebuild of every read model at once: teardown, replay to the high-water mark, progression kept.
        using var daemon = await store.BuildProjectionDaemonAsync().ConfigureAwait(false);
        clock.Restart();
        await Task.WhenAll(ReadModels.All(schema).Where(p => p.Name != Idarati.Projections.Audit.AuditLogProjection.ProjectionName).Select(async p =>
        {
            await daemon.RebuildProjectionAsync(p.Name, TimeSpan.FromHours(1), CancellationToken.None).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {p.Name} rebuilt after {clock.Elapsed.TotalSeconds:F1} s"));
        })).ConfigureAwait(false);
        var elapsed = clock.Elapsed;
        await daemon.StopAllAsync().ConfigureAwait(false);
        var rows = await ScalarAsync(dataSource, $"SELECT count(*) FROM {schema}.rm_complaint_list").ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    4 read models rebuilt from {total:N0} events in {elapsed.TotalSeconds:F1} s ({rows:N0} complaints listed)"));
        report.Add("rebuild.all-projections", total / elapsed.TotalSeconds, "events/s", "rebuild.raw-read", atLeast: 30_000);

        // The audit log's tree over the same log, alone: at least the read models' rate.
        using var audit = await store.BuildProjectionDaemonAsync().ConfigureAwait(false);
        clock.Restart();
        await audit.RebuildProjectionAsync(Idarati.Projections.Audit.AuditLogProjection.ProjectionName, TimeSpan.FromHours(1), CancellationToken.None).ConfigureAwait(false);
        elapsed = clock.Elapsed;
        await audit.StopAllAsync().ConfigureAwait(false);
        var leaves = await ScalarAsync(dataSource, $"SELECT count(*) FROM {schema}.audit_leaves").ConfigureAwait(false);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    the audit log's tree rebuilt over {total:N0} events in {elapsed.TotalSeconds:F1} s ({leaves:N0} leaves)"));
        report.Add("rebuild.audit-log", total / elapsed.TotalSeconds, "events/s", "rebuild.all-projections", goal: 1.0);
    }

    /// <summary>
    /// Submits complaints at a steady 500 per second through the real command path while the daemon runs, and times
    /// each from the moment its append returned to the moment the complaint list's checkpoint covers it.
    /// </summary>
    private static async Task LagAsync(NpgsqlDataSource dataSource, DocumentStore store, string schema, Settings settings, Report report)
    {
        const int PerSecond = 500;
        var handler = new CommandHandler(store, TimeProvider.System, vault: AppendBenchmark.Vault(dataSource, store));
        var streams = new StoredStreams(store, dataSource);
        var administrations = new AdministrationService(streams, handler, TimeProvider.System);
        var complaints = new ComplaintSubmission(handler, administrations, new ComplaintOptions { AccessCodeSecret = "benchmark-access-code-secret-of-at-least-32-bytes" }, TimeProvider.System);
        using var daemon = await store.BuildProjectionDaemonAsync().ConfigureAwait(false);
        await daemon.StartAllAsync().ConfigureAwait(false);
        // Untimed: the daemon catches up and a second of commands warms the path (JIT, pools), so the figure is the
        // steady state; without it the first second's commands (daemon starting) made the whole p99.
        await daemon.WaitForNonStaleData(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
        var warmRequest = new SubmitComplaint(ComplaintKind.Complaint, ComplaintChannel.Portal, "MIN-SANTE", "HEALTH.WAIT", "Attente", "Délai d'attente trop long.",
            new SubmitComplaint.Place("Oriental", "Oujda-Angad", "Oujda"), new SubmitComplaint.Person("Bench", "B0", "0600000000", "bench@example.invalid"))
        {
            Context = new CommandContext(new Actor("bench", Role.Citizen)),
        };
        var warmUntil = Stopwatch.GetTimestamp() + Stopwatch.Frequency;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < warmUntil)
            {
                await complaints.SubmitAsync(warmRequest).ConfigureAwait(false);
                await Task.Delay(10).ConfigureAwait(false);
            }
        }))).ConfigureAwait(false);

        var count = (int)(PerSecond * Math.Max(1, settings.Duration.TotalSeconds));
        var appended = new (long Position, long At)[count];
        var visibleToProjection = new long[count];
        var visibleToRawReader = new long[count];
        var signed = new long[count];
        // The service's own checkpoint writer, signing the audit log every second while it grows.
        using var keys = CheckpointKey.Parse(CheckpointKey.DevelopmentSignerKey);
        using var writer = new Idarati.Api.Audit.CheckpointWriter(new Idarati.Projections.Audit.AuditLog(dataSource, schema), new CheckpointKeys(keys, []),
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build(), TimeProvider.System, NullLogger<Idarati.Api.Audit.CheckpointWriter>.Instance);
        await writer.StartAsync(CancellationToken.None).ConfigureAwait(false);
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 2;
        var (pausedBefore, gen2Before) = (GC.GetTotalPauseDuration(), GC.CollectionCount(2));
        var next = -1;
        var request = new SubmitComplaint(ComplaintKind.Complaint, ComplaintChannel.Portal, "MIN-SANTE", "HEALTH.WAIT", "Attente", "Délai d'attente trop long.",
            new SubmitComplaint.Place("Oriental", "Oujda-Angad", "Oujda"), new SubmitComplaint.Person("Bench", "B0", "0600000000", "bench@example.invalid"))
        {
            Context = new CommandContext(new Actor("bench", Role.Citizen)),
        };

        async Task Writer()
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                var due = start + (i * Stopwatch.Frequency / PerSecond);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait).ConfigureAwait(false);
                }

                var submitted = await complaints.SubmitAsync(request).ConfigureAwait(false);
                var at = Stopwatch.GetTimestamp();
                var history = await streams.ReadAsync(ComplaintIdentifiers.StreamId(submitted.Id)).ConfigureAwait(false);
                appended[i] = (history[^1].Sequence, at);
            }
        }

        // Two watchers poll every 5 ms: the complaint list's checkpoint, and the log's stable bound a raw reader sees.
        var done = false;
        async Task Watch(string sql, long[] seen)
        {
            var cursor = 0;
            while (!Volatile.Read(ref done) || cursor < count)
            {
                var position = await ScalarAsync(dataSource, sql).ConfigureAwait(false);
                var now = Stopwatch.GetTimestamp();
                for (var i = 0; i < count; i++)
                {
                    if (seen[i] == 0 && appended[i].At != 0 && appended[i].Position <= position)
                    {
                        seen[i] = now;
                    }
                }

                while (cursor < count && seen[cursor] != 0)
                {
                    cursor++;
                }

                if (Volatile.Read(ref done) && Stopwatch.GetElapsedTime(start) > settings.Duration + TimeSpan.FromSeconds(30))
                {
                    break;
                }

                await Task.Delay(5).ConfigureAwait(false);
            }
        }

        var watchers = new[]
        {
            Watch($"SELECT last_seq_id FROM {schema}.mt_event_progression WHERE name = '{ProjectionMonitor.ShardName(Idarati.Projections.Complaints.ComplaintListProjection.ProjectionName)}'", visibleToProjection),
            Watch($"SELECT coalesce(max(seq_id), 0) FROM {schema}.mt_events", visibleToRawReader),
            // The last event a signed checkpoint covers: the leaf at its size minus one.
            Watch($"SELECT coalesce((SELECT l.seq_id FROM {schema}.audit_leaves l WHERE l.leaf_index = (SELECT max(size) - 1 FROM {schema}.audit_checkpoints)), 0)", signed),
        };
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(Writer))).ConfigureAwait(false);
        Volatile.Write(ref done, true);
        await Task.WhenAll(watchers).ConfigureAwait(false);
        await daemon.StopAllAsync().ConfigureAwait(false);
        await writer.StopAsync(CancellationToken.None).ConfigureAwait(false);

        double[] Lags(long[] seen) => [.. Enumerable.Range(0, count).Where(i => seen[i] != 0).Select(i => Stopwatch.GetElapsedTime(appended[i].At, seen[i]).TotalMilliseconds).Order()];
        static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
        var projection = Lags(visibleToProjection);
        var raw = Lags(visibleToRawReader);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {count} commands at {PerSecond}/s; {projection.Length} seen in the read model, {raw.Length} by the raw reader"));
        // Where the slowest were, by second of the run: a pause hits the commands of one moment, not a spread of them.
        var worst = Enumerable.Range(0, count).Where(i => visibleToProjection[i] != 0)
            .OrderByDescending(i => Stopwatch.GetElapsedTime(appended[i].At, visibleToProjection[i])).Take(Math.Max(1, count / 100))
            .GroupBy(i => i / PerSecond).OrderBy(g => g.Key)
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"second {g.Key}: {g.Count()} up to {g.Max(i => Stopwatch.GetElapsedTime(appended[i].At, visibleToProjection[i]).TotalMilliseconds):F0} ms"));
        Console.WriteLine("    slowest 1%: " + string.Join("; ", worst));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    this process paused for garbage collection {(GC.GetTotalPauseDuration() - pausedBefore).TotalMilliseconds:F0} ms in all, {GC.CollectionCount(2) - gen2Before} full collections"));
        report.Add("lag.raw-reader.p50", Percentile(raw, 0.5), "ms");
        report.Add("lag.raw-reader.p99", Percentile(raw, 0.99), "ms");
        report.Add("lag.complaint-list.p50", Percentile(projection, 0.5), "ms", "lag.raw-reader.p50");
        report.Add("lag.complaint-list.p99", Percentile(projection, 0.99), "ms", "lag.raw-reader.p99", atMost: 250);
        var inCheckpoint = Lags(signed);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {inCheckpoint.Length} of {count} included in a signed checkpoint of the audit log"));
        report.Add("lag.signed-checkpoint.p50", Percentile(inCheckpoint, 0.5), "ms", "lag.raw-reader.p50");
        report.Add("lag.signed-checkpoint.p99", Percentile(inCheckpoint, 0.99), "ms", "lag.raw-reader.p99", atMost: 2000);
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync().ConfigureAwait(false) ?? 0L, CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
