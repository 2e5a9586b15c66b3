using System.Diagnostics;
using System.Globalization;
using Idarati.Api;
using Idarati.Application.Complaints;
using Idarati.Application.Privacy;
using Idarati.Application.Seeding;
using Idarati.Domain.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Idarati.Benchmarks;

/// <summary>
/// Personal data (docs/personal-data.md): erasing 10,000 people of a seeded store, found by their CINs, beside raw SQL
/// destroying as many keys in one statement; and what recording a staff read costs, beside a raw read of a stream.
/// </summary>
public static class PrivacyBenchmark
{
    public static async Task RunAsync(NpgsqlDataSource dataSource, string connectionString, Settings settings, Report report, double? scale)
    {
        var at = scale ?? (settings.Smoke ? 0.005 : 0.1);
        var schema = "bench_pd_" + Guid.NewGuid().ToString("N")[..8];
        var port = HttpBenchmark.FreePort();
        var app = ApiHost.Build([.. HttpBenchmark.ServiceArguments($"http://127.0.0.1:{port}", connectionString, schema), "--ReferenceData:LoadDefaults", "false"]);
        await app.StartAsync().ConfigureAwait(false);
        try
        {
            var plan = SeedPlan.AtScale(at);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"== privacy: erasure and the access log, seed at scale {at} ({plan.Complaints:N0} complaints)"));
            var store = (Marten.DocumentStore)app.Services.GetRequiredService<Marten.IDocumentStore>();
            await new SyntheticDataset(new MartenSeedSink(store, TimeProvider.System, app.Services.GetRequiredService<PersonalDataVault>()),
                new ComplaintOptions { AccessCodeSecret = "benchmark-access-code-secret-of-at-least-32-bytes" }, TimeProvider.System).SeedAsync(plan).ConfigureAwait(false);

            // Half the complaints' citizens erased by the service, the other half's keys destroyed by raw SQL.
            var people = Math.Min(settings.Smoke ? 200 : 10_000, plan.Complaints / 2);
            var erasure = app.Services.GetRequiredService<PersonalDataErasure>();
            var officer = new Actor("bench-officer", Role.DataProtectionOfficer);
            var clock = Stopwatch.StartNew();
            var streams = await erasure.FindStreamsAsync([.. Enumerable.Range(1, people).Select(i => ("cin", $"Y{i:D7}"))]).ConfigureAwait(false);
            var found = clock.Elapsed;
            var erased = await erasure.EraseStreamsAsync(streams, "benchmark", officer).ConfigureAwait(false);
            var ours = clock.Elapsed;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {people:N0} CINs found {streams.Count:N0} streams in {found.TotalSeconds:F2} s; {erased.Streams.Count:N0} erased (keys destroyed, one sealed event each) in {(ours - found).TotalSeconds:F2} s"));

            var rawClock = Stopwatch.StartNew();
            await using (var raw = dataSource.CreateCommand($$"""
                UPDATE {{schema}}.pd_subject_keys k SET wrapped = NULL, lookups = '{}', erased_at = now()
                  FROM (SELECT stream_id FROM {{schema}}.pd_subject_keys WHERE wrapped IS NOT NULL AND stream_id LIKE 'complaint-%' LIMIT $1) AS pick
                 WHERE k.stream_id = pick.stream_id
                """))
            {
                raw.Parameters.Add(new NpgsqlParameter<int> { TypedValue = erased.Streams.Count });
                await raw.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            report.Add("privacy.erase.raw-keys-destroyed.s", rawClock.Elapsed.TotalSeconds, "s");
            report.Add($"privacy.erase.{people}-people.s", ours.TotalSeconds, "s", "privacy.erase.raw-keys-destroyed.s", atMost: settings.Smoke ? null : 60);

            // The daemon catches up with the seed and the erasures first, so that it does not share the reads' CPU.
            await BenchmarkTiming.WaitForProjectionsAsync(app.Services).ConfigureAwait(false);

            // Reads: a supervisor's read of a complaint (its key opened, the read recorded), the record alone, and a raw read.
            var complaints = app.Services.GetRequiredService<ComplaintService>();
            var access = app.Services.GetRequiredService<PersonalDataAccess>();
            var ids = new List<Guid>();
            await using (var pick = dataSource.CreateCommand($"SELECT stream_id FROM {schema}.pd_subject_keys WHERE wrapped IS NOT NULL AND stream_id LIKE 'complaint-%' LIMIT 1000"))
            await using (var reader = await pick.ExecuteReaderAsync().ConfigureAwait(false))
            {
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    ids.Add(ComplaintIdentifiers.FromStreamId(reader.GetString(0))!.Value);
                }
            }

            var supervisor = new Actor("bench-supervisor", Role.Supervisor);
            var rawRead = await AppendBenchmark.MeasureAsync(8, settings.Duration, async (w, i) =>
            {
                await using var batch = dataSource.CreateBatch();
                var stream = ComplaintIdentifiers.StreamId(ids[(int)(((w * 7919) + i) % ids.Count + ids.Count) % ids.Count]);
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT data FROM {schema}.mt_events WHERE stream_id = $1 ORDER BY version") { Parameters = { new NpgsqlParameter<string> { TypedValue = stream } } });
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT wrapped FROM {schema}.pd_subject_keys WHERE stream_id = $1") { Parameters = { new NpgsqlParameter<string> { TypedValue = stream } } });
                await using var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false);
                do
                {
                    while (await reader.ReadAsync().ConfigureAwait(false))
                    {
                    }
                }
                while (await reader.NextResultAsync().ConfigureAwait(false));
            }).ConfigureAwait(false);
            report.Add("privacy.read.raw-stream-and-key.c8", rawRead, "reads/s");
            var staffRead = await AppendBenchmark.MeasureAsync(8, settings.Duration, (w, i) =>
                complaints.GetAsync(ids[(int)(((w * 7919) + i) % ids.Count + ids.Count) % ids.Count], supervisor)).ConfigureAwait(false);
            report.Add("privacy.read.staff-opened-and-recorded.c8", staffRead, "reads/s", "privacy.read.raw-stream-and-key.c8");
            string[] fields = ["citizen.email", "citizen.fullName", "citizen.nationalId", "citizen.phone", "description", "subject"];
            var recordOnly = await AppendBenchmark.MeasureAsync(8, settings.Duration, (w, i) =>
                access.RecordAsync(supervisor, [new Idarati.Domain.Privacy.StreamRead(ComplaintIdentifiers.StreamId(ids[(int)(((w * 7919) + i) % ids.Count + ids.Count) % ids.Count]), fields)])).ConfigureAwait(false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    recording a read takes {1_000_000.0 * 8 / recordOnly:F0} us of a worker at 8 at once (one access-log stream, group commit)"));
            report.Add("privacy.read.record-only.c8", recordOnly, "reads/s", "privacy.read.raw-stream-and-key.c8");
        }
        finally
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }
}
