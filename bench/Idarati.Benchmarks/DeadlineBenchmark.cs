using System.Diagnostics;
using System.Globalization;
using Idarati.Api;
using Idarati.Application.Complaints;
using Idarati.Application.Handling;
using Idarati.Domain.Complaints;
using Idarati.Domain.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Wolverine;

namespace Idarati.Benchmarks;

/// <summary>
/// The answer deadlines (README, "Deadlines and annual reports"): what 10,000 pending deadlines cost at start-up and at each run of
/// the watch, beside raw SQL reading their due dates, and beside what the same deadlines would cost as Wolverine
/// scheduled messages (two envelopes each, and Wolverine's own poll of them on every node).
/// </summary>
public static class DeadlineBenchmark
{
    public static async Task RunAsync(NpgsqlDataSource dataSource, string connectionString, Settings settings, Report report)
    {
        var pending = settings.Smoke ? 200 : 10_000;
        var schema = "bench_dl_" + Guid.NewGuid().ToString("N")[..8];
        var port = HttpBenchmark.FreePort();
        // The watch's own chain runs hourly here, so that it does not share the measured runs' database.
        var app = ApiHost.Build([.. HttpBenchmark.ServiceArguments($"http://127.0.0.1:{port}", connectionString, schema), "--Complaints:Deadlines:WatchEvery", "01:00:00"]);
        await app.StartAsync().ConfigureAwait(false);
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"== deadlines: {pending:N0} complaints being processed, none due yet"));
            var submission = app.Services.GetRequiredService<ComplaintSubmission>();
            var citizen = new CommandContext(new Actor("bench-citizen", Role.Citizen));
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) <= pending)
                {
                    await submission.SubmitAsync(new SubmitComplaint(ComplaintKind.Suggestion, ComplaintChannel.Portal, "MIN-SANTE", "HEALTH.WAIT", "Attente", "Trois heures.",
                        new SubmitComplaint.Place("Rabat-Salé-Kénitra", "Rabat", "Agdal-Riyad"), null) { Context = citizen }).ConfigureAwait(false);
                }
            })).ConfigureAwait(false);
            await BenchmarkTiming.WaitForProjectionsAsync(app.Services).ConfigureAwait(false);

            await using (var analyze = dataSource.CreateCommand($"ANALYZE {schema}.rm_complaint_list"))
            {
                await analyze.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            // Start-up: the chain's first message for the current run; nothing is read per deadline.
            var deadlines = app.Services.GetRequiredService<ComplaintDeadlines>();
            var bus = app.Services.GetRequiredService<IMessageBus>();
            var start = Stopwatch.StartNew();
            await bus.PublishAsync(new DeadlineWatch(await deadlines.Runs.CurrentRunAsync().ConfigureAwait(false) + 1_000_000)).ConfigureAwait(false);
            report.Add("deadlines.start.us", start.Elapsed.TotalMicroseconds, "us");

            var runs = settings.Smoke ? 5 : 200;
            var raw = await BenchmarkTiming.MedianAsync(runs, async () =>
            {
                await using var command = dataSource.CreateCommand($"SELECT complaint_id, answer_due FROM {schema}.rm_complaint_list WHERE status IN ('received', 'acknowledged')");
                await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                }
            }).ConfigureAwait(false);
            report.Add("deadlines.raw-read-due-dates.us", raw.TotalMicroseconds, "us");
            var ours = await BenchmarkTiming.MedianAsync(runs, async () =>
            {
                var sweep = await deadlines.SweepAsync().ConfigureAwait(false);
                if (sweep.Reminded + sweep.Overdue != 0)
                {
                    throw new InvalidOperationException("A deadline came due during the benchmark.");
                }
            }).ConfigureAwait(false);
            report.Add("deadlines.run-none-due.us", ours.TotalMicroseconds, "us", "deadlines.raw-read-due-dates.us");

            // The same deadlines as Wolverine scheduled messages: a reminder and an overdue per complaint, scheduled
            // through the bus (each stored at once), then Wolverine's own poll statement, which every node runs.
            var scheduling = Stopwatch.StartNew();
            for (var i = 0; i < 2 * pending; i++)
            {
                await bus.ScheduleAsync(new DeadlineWatch(-1 - i), TimeSpan.FromDays(45 + (i % 15))).ConfigureAwait(false);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {2 * pending:N0} Wolverine scheduled envelopes stored in {scheduling.Elapsed.TotalSeconds:F1} s"));
            var theirs = await BenchmarkTiming.MedianAsync(runs, async () =>
            {
                await using var command = dataSource.CreateCommand(
                    $"SELECT * FROM {schema}.wolverine_incoming_envelopes WHERE status = 'Scheduled' AND execution_time <= $1 ORDER BY execution_time LIMIT 100");
                command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = TimeProvider.System.GetUtcNow() });
                await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                }
            }).ConfigureAwait(false);
            report.Add("deadlines.wolverine-poll-of-envelopes.us", theirs.TotalMicroseconds, "us", "deadlines.raw-read-due-dates.us");
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
