using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Idarati.Api.Infrastructure;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Idarati.Benchmarks;

/// <summary>
/// A soak, not a test: two nodes in processes of their own on one database for --minutes (30 by default; the
/// smoke, 30 seconds), 50 complaints and 20 GraphQL pages a second spread over both, node B killed with SIGKILL at a
/// third of the run and started again five seconds later, the database restarted at two thirds. Per minute: p50 and
/// p99 of both, answers by status, each node's resident memory, the complaint list's lag; at the end, the complaints
/// acknowledged (201) beside those stored. The baseline is the first minute's own figures.
/// </summary>
internal static class SoakBenchmark
{
    private const int CommandsPerSecond = 50;
    private const int ReadsPerSecond = 20;
    private const string Page = "{ complaints(first: 20) { nodes { id status administration { nameFr } } } }";

    private sealed class Minute
    {
        public ConcurrentBag<double> Commands { get; } = [];

        public ConcurrentBag<double> Reads { get; } = [];

        public ConcurrentDictionary<string, int> Statuses { get; } = new(StringComparer.Ordinal);

        public long[] Memory { get; } = new long[2];

        public long Lag { get; set; } = -1;

        public List<string> Faults { get; } = [];
    }

    public static async Task RunAsync(string connectionString, Settings settings, Report report, double? minutesAsked)
    {
        var duration = TimeSpan.FromMinutes(minutesAsked ?? (settings.Smoke ? 0.5 : 30));
        var bucket = settings.Smoke ? TimeSpan.FromSeconds(10) : TimeSpan.FromMinutes(1);
        var schema = "bench_soak_" + Guid.NewGuid().ToString("N")[..8];
        Console.WriteLine($"== soak: two nodes, {CommandsPerSecond} complaints/s and {ReadsPerSecond} GraphQL pages/s for {duration.TotalMinutes:0.#} min; node B killed at a third, the database restarted at two thirds");
        var a = await NodeProcess.StartAsync(connectionString, schema, "--Projections:NodeName", "soak-a").ConfigureAwait(false);
        var b = await NodeProcess.StartAsync(connectionString, schema, "--Projections:NodeName", "soak-b", "--ReferenceData:LoadDefaults", "false").ConfigureAwait(false);
        var nodes = new[] { a, b };
        var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(HttpBenchmark.SigningKey));
        var citizen = Auth.Issue(key, "soak-citizen", Auth.Roles.Citizen, null, TimeProvider.System);
        var supervisor = Auth.Issue(key, "soak-supervisor", Auth.Roles.Supervisor, null, TimeProvider.System);
        var buckets = Enumerable.Range(0, (int)Math.Ceiling(duration / bucket) + 1).Select(_ => new Minute()).ToArray();
        var acknowledged = new ConcurrentBag<Guid>();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, PooledConnectionLifetime = TimeSpan.FromSeconds(10) }) { Timeout = TimeSpan.FromSeconds(30) };
        var start = Stopwatch.GetTimestamp();
        Minute At(TimeSpan elapsed) => buckets[Math.Clamp((int)(elapsed / bucket), 0, buckets.Length - 1)];
        Minute Now() => At(Stopwatch.GetElapsedTime(start));
        try
        {
            using var stop = new CancellationTokenSource(duration);
            var load = Task.WhenAll(
                PacedAsync(CommandsPerSecond, stop.Token, async i =>
                {
                    var at = Stopwatch.GetTimestamp();
                    var (status, body) = await SendAsync(http, nodes[i % 2].Url + "/api/complaints", citizen, HttpBenchmark.Complaint("MIN-SANTE")).ConfigureAwait(false);
                    var minute = Now();
                    minute.Statuses.AddOrUpdate($"POST {status}", 1, (_, n) => n + 1);
                    if (status == "201")
                    {
                        acknowledged.Add(JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid());
                        minute.Commands.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                    }
                }),
                PacedAsync(ReadsPerSecond, stop.Token, async i =>
                {
                    var at = Stopwatch.GetTimestamp();
                    var (status, _) = await SendAsync(http, nodes[i % 2].Url + "/graphql", supervisor, JsonContent.Create(new { query = Page })).ConfigureAwait(false);
                    var minute = Now();
                    minute.Statuses.AddOrUpdate($"GraphQL {status}", 1, (_, n) => n + 1);
                    if (status == "200")
                    {
                        minute.Reads.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                    }
                }),
                // Sampled at each bucket's end, into the bucket that ends.
                SampleAsync(connectionString, schema, nodes, () => At(Stopwatch.GetElapsedTime(start) - TimeSpan.FromMilliseconds(100)), bucket, stop.Token),
                FaultsAsync(connectionString, b, start, duration, Now, stop.Token));
            await load.ConfigureAwait(false);

            // Stored: the streams of the acknowledged complaints, once every node is up again.
            await a.ReadyAsync().ConfigureAwait(false);
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var count = dataSource.CreateCommand($"SELECT count(*) FROM {schema}.mt_streams WHERE id = ANY($1)");
            count.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. acknowledged.Select(Idarati.Application.Complaints.ComplaintIdentifiers.StreamId)] });
            var stored = Convert.ToInt64(await count.ExecuteScalarAsync().ConfigureAwait(false), CultureInfo.InvariantCulture);
            Print(buckets, bucket);
            var first = buckets[0];
            report.Add("soak.first-minute.command.p99", Percentile(first.Commands, 0.99), "ms");
            report.Add("soak.worst-minute.command.p99", buckets.Where(m => !m.Commands.IsEmpty).Max(m => Percentile(m.Commands, 0.99)), "ms", "soak.first-minute.command.p99");
            report.Add("soak.first-minute.read.p99", Percentile(first.Reads, 0.99), "ms");
            report.Add("soak.worst-minute.read.p99", buckets.Where(m => !m.Reads.IsEmpty).Max(m => Percentile(m.Reads, 0.99)), "ms", "soak.first-minute.read.p99");
            report.Add("soak.acknowledged", acknowledged.Count, "complaints");
            report.Add("soak.stored", stored, "complaints", "soak.acknowledged", goal: 1.0);
        }
        finally
        {
            a.Dispose();
            b.Dispose();
            await HttpBenchmark.DropSchemaAsync(connectionString, schema).ConfigureAwait(false);
        }
    }

    private static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    /// <summary>A POST with the bearer token: its status ("refused" when no connection could be made) and body.</summary>
    private static async Task<(string Status, string Body)> SendAsync(HttpClient http, string url, string token, HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await http.SendAsync(request).ConfigureAwait(false);
            return (((int)response.StatusCode).ToString(CultureInfo.InvariantCulture), await response.Content.ReadAsStringAsync().ConfigureAwait(false));
        }
        catch (HttpRequestException)
        {
            return ("refused", "");
        }
        catch (TaskCanceledException)
        {
            return ("timeout", "");
        }
    }

    /// <summary>Calls <paramref name="send"/> <paramref name="perSecond"/> times a second until stopped, each on its own task.</summary>
    private static async Task PacedAsync(int perSecond, CancellationToken stop, Func<int, Task> send)
    {
        var start = Stopwatch.GetTimestamp();
        var running = new List<Task>();
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), start + (i * Stopwatch.Frequency / perSecond));
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            running.Add(send(i));
            running.RemoveAll(t => t.IsCompleted);
        }

        await Task.WhenAll(running).ConfigureAwait(false);
    }

    /// <summary>Each bucket's end: both nodes' resident memory and the complaint list's lag behind the log.</summary>
    private static async Task SampleAsync(string connectionString, string schema, NodeProcess[] nodes, Func<Minute> now, TimeSpan every, CancellationToken stop)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                var minute = now();
                for (var n = 0; n < nodes.Length; n++)
                {
                    minute.Memory[n] = nodes[n].Resident();
                }

                try
                {
                    await using var lag = dataSource.CreateCommand(
                        $"SELECT (SELECT coalesce(max(seq_id), 0) FROM {schema}.mt_events) - coalesce((SELECT last_seq_id FROM {schema}.mt_event_progression WHERE name = 'complaint-list:All'), 0)");
                    minute.Lag = Convert.ToInt64(await lag.ExecuteScalarAsync(stop).ConfigureAwait(false), CultureInfo.InvariantCulture);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The database is down or restarting: no figure for this bucket.
                    minute.Lag = -1;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Node B killed at a third and started again 5 s later; the database restarted (pg_ctl, as its owner) at two thirds.</summary>
    private static async Task FaultsAsync(string connectionString, NodeProcess b, long start, TimeSpan duration, Func<Minute> now, CancellationToken stop)
    {
        async Task Until(TimeSpan at)
        {
            var wait = at - Stopwatch.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, stop).ConfigureAwait(false);
            }
        }

        try
        {
            await Until(duration / 3).ConfigureAwait(false);
            b.Kill();
            now().Faults.Add("node B killed (SIGKILL)");
            await Until((duration / 3) + TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            await b.RestartAsync().ConfigureAwait(false);
            now().Faults.Add("node B ready again");
            await Until(duration * 2 / 3).ConfigureAwait(false);
            now().Faults.Add(await RestartDatabaseAsync(connectionString).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<string> RestartDatabaseAsync(string connectionString)
    {
        string directory;
        await using (var dataSource = NpgsqlDataSource.Create(connectionString))
        await using (var show = dataSource.CreateCommand("SHOW data_directory"))
        {
            directory = (string)(await show.ExecuteScalarAsync().ConfigureAwait(false))!;
        }

        var repository = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(repository, "scripts", "pg.sh")))
        {
            repository = Path.GetDirectoryName(repository.TrimEnd('/')) ?? throw new InvalidOperationException("scripts/pg.sh was not found.");
        }

        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = repository };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"source scripts/pg.sh && pg_as_owner \"$(pg_bindir)/pg_ctl\" -D '{directory}' -m fast -w -t 60 restart");
        using var restart = Process.Start(start)!;
        var error = await restart.StandardError.ReadToEndAsync().ConfigureAwait(false);
        await restart.WaitForExitAsync().ConfigureAwait(false);
        return restart.ExitCode == 0 ? "database restarted (pg_ctl restart -m fast)" : $"database restart failed: {error.Trim()}";
    }

    private static void Print(Minute[] buckets, TimeSpan bucket)
    {
        Console.WriteLine("    from  commands p50/p99 ms  pages p50/p99 ms   memory A/B MiB   list lag  answers; faults");
        for (var i = 0; i < buckets.Length; i++)
        {
            var m = buckets[i];
            if (m.Commands.IsEmpty && m.Reads.IsEmpty && m.Statuses.IsEmpty && m.Faults.Count == 0)
            {
                continue;
            }

            var statuses = string.Join(", ", m.Statuses.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}: {s.Value}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    {(i * bucket).TotalMinutes,4:0.#}  {Percentile(m.Commands, 0.5),7:F0}/{Percentile(m.Commands, 0.99),-7:F0}  {Percentile(m.Reads, 0.5),7:F0}/{Percentile(m.Reads, 0.99),-7:F0}  {m.Memory[0] / 1048576.0,6:F0}/{m.Memory[1] / 1048576.0,-6:F0}  {m.Lag,8}  {statuses}{(m.Faults.Count > 0 ? "; " + string.Join("; ", m.Faults) : "")}"));
        }
    }
}
