using System.Diagnostics;
using System.Globalization;
using Idarati.Api;
using Idarati.Api.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using NpgsqlTypes;

namespace Idarati.Benchmarks;

/// <summary>
/// POST /api/complaints through the real host (Kestrel on loopback, JWT, JSON, validation, command path) at 8 concurrent
/// connections, beside the raw-SQL baseline of the append benchmark (one stream row and one event row per transaction).
/// </summary>
public static class HttpBenchmark
{
    /// <summary>The complaint every POST of the benchmarks sends.</summary>
    internal static string ComplaintPayload { get; } = System.Text.Json.JsonSerializer.Serialize(new
    {
        kind = "complaint",
        channel = "portal",
        administrationId = "MIN-SANTE",
        categoryCode = "HEALTH.WAIT",
        subject = "Attente aux urgences",
        description = "Trois heures d'attente sans prise en charge.",
        location = new { region = "Rabat-Salé-Kénitra", province = "Rabat", commune = "Agdal-Riyad" },
        citizen = new { fullName = "Amina Benali", nationalId = "AB123456", phone = "+212600000000", email = "amina@example.ma" },
    });

    /// <summary>The same complaint as JSON content, owned by <paramref name="administrationId"/>.</summary>
    internal static StringContent Complaint(string administrationId) =>
        new(ComplaintPayload.Replace("\"MIN-SANTE\"", System.Text.Json.JsonSerializer.Serialize(administrationId), StringComparison.Ordinal), System.Text.Encoding.UTF8, "application/json");

    /// <summary>The benchmarks' signing key (a node in a process of its own is handed it, and tokens are made with it).</summary>
    internal const string SigningKey = "benchmark-signing-key-of-at-least-32-bytes!";

    /// <summary>Removes a benchmark's schema and everything in it.</summary>
    internal static async Task DropSchemaAsync(string connectionString, string schema)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
        await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>The service's command line in a benchmark: its own schema, fixed secrets, warnings only, mail to the sink.</summary>
    internal static string[] ServiceArguments(string url, string connectionString, string schema) =>
    [
        "--urls", url,
        "--IDARATI_DB", connectionString,
        "--EventStore:Schema", schema,
        "--Auth:SigningKey", SigningKey, "--Complaints:AccessCodeSecret", "benchmark-access-code-secret-of-at-least-32-bytes",
        "--Audit:CheckpointKey", Idarati.Application.Audit.CheckpointKey.DevelopmentSignerKey,
        "--PersonalData:MasterKey", Idarati.Application.Privacy.MasterKeys.DevelopmentKey,
        "--Logging:LogLevel:Default", "Warning", "--Notifications:Sender", "sink",
        // The GraphQL scenarios send their own documents (TrustedDocumentTests covers the trusted-documents gate).
        "--GraphQL:TrustedDocumentsOnly", "false",
    ];

    public static async Task RunAsync(NpgsqlDataSource dataSource, string connectionString, Settings settings, Report report)
    {
        const int Concurrency = 8;
        var schema = "bench_http_" + Guid.NewGuid().ToString("N")[..8];
        var port = FreePort();
        var app = ApiHost.Build(ServiceArguments($"http://127.0.0.1:{port}", connectionString, schema));
        await app.StartAsync().ConfigureAwait(false);
        try
        {
            var key = app.Services.GetRequiredService<SymmetricSecurityKey>();
            var token = Auth.Issue(key, "bench-citizen", Auth.Roles.Citizen, null, TimeProvider.System);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);

            // The baseline's tables mirror the store's (same columns and unique keys, no foreign key), as in the append benchmark.
            await using (var create = dataSource.CreateCommand($"CREATE TABLE {schema}.raw_streams (id text PRIMARY KEY, type text NOT NULL, version bigint NOT NULL, created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL); CREATE TABLE {schema}.raw_events (position bigserial PRIMARY KEY, stream_id text NOT NULL, version bigint NOT NULL, type text NOT NULL, data json NOT NULL, metadata json NOT NULL, recorded_at timestamptz NOT NULL, hash bytea NOT NULL, UNIQUE (stream_id, version));"))
            {
                await create.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            var payload = ComplaintPayload;
            Console.WriteLine($"== http: POST /api/complaints, {Concurrency} connections, {settings.Duration.TotalSeconds:F1} s per figure");
            var raw = Operations(Concurrency, async () =>
            {
                var id = $"raw-{Guid.NewGuid():N}";
                var now = TimeProvider.System.GetUtcNow().UtcDateTime;
                await using var batch = dataSource.CreateBatch();
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"INSERT INTO {schema}.raw_streams (id, type, version, created_at, updated_at) VALUES ($1, 'complaint', 1, $2, $2)")
                { Parameters = { new NpgsqlParameter<string> { TypedValue = id }, new NpgsqlParameter<DateTime> { TypedValue = now } } });
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"INSERT INTO {schema}.raw_events (stream_id, version, type, data, metadata, recorded_at, hash) VALUES ($1, 1, 'complaint.submitted', $2, '{{}}', $3, $4)")
                {
                    Parameters =
                    {
                        new NpgsqlParameter<string> { TypedValue = id },
                        new NpgsqlParameter<string> { TypedValue = payload, NpgsqlDbType = NpgsqlDbType.Json },
                        new NpgsqlParameter<DateTime> { TypedValue = now },
                        new NpgsqlParameter<byte[]> { TypedValue = new byte[32] },
                    },
                });
                await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
            });

            var target = $"http://127.0.0.1:{port}";
            using (var post = new HttpLoad(http, target, HttpMethod.Post, "/api/complaints", payload, token, Concurrency))
            {
                // The figure and its baseline in alternating slices, so that both see the same machine (see PairedAsync).
                var (rawRate, postRate) = await PairedAsync("raw SQL", raw, "POST /api/complaints", post.RunAsync, settings.Duration).ConfigureAwait(false);
                var groups = app.Services.GetRequiredService<Idarati.Application.Handling.CommandHandler>().Group.Counts;
                Console.WriteLine($"    group commit: {groups.Members:N0} new streams in {groups.Groups:N0} transactions ({(double)groups.Members / Math.Max(1, groups.Groups):F1} each), {groups.Failed} failed groups");
                report.Add("http.raw-sql.c8", rawRate, "commands/s");
                // Issue 14 on Marten: floor 0.35 of raw SQL (goal 0.6).
                report.Add("http.post-complaints.c8", postRate, "commands/s", "http.raw-sql.c8", 0.35);
            }

            // The HTTP stack alone on this machine (Kestrel, loopback), to show where time goes.
            using (var live = new HttpLoad(http, target, HttpMethod.Get, "/health/live", null, token, Concurrency))
            {
                report.Add("http.get-health-live.c8", await SteadyAsync(live.RunAsync, settings.Duration).ConfigureAwait(false), "requests/s");
            }

            // Issue 5: the same page of the complaint list through REST and through GraphQL, on the complaints just posted.
            var supervisor = Auth.Issue(key, "bench-supervisor", Auth.Roles.Supervisor, null, TimeProvider.System);
            await GraphQLBenchmark.WaitForListAsync(http, supervisor).ConfigureAwait(false);
            using (var rest = new HttpLoad(http, target, HttpMethod.Get, "/api/complaints?limit=20", null, supervisor, Concurrency))
            using (var graph = new HttpLoad(http, target, HttpMethod.Post, "/graphql", GraphQLBenchmark.PageRequest, supervisor, Concurrency))
            {
                var (restRate, graphRate) = await PairedAsync("REST page", rest.RunAsync, "GraphQL page", graph.RunAsync, settings.Duration).ConfigureAwait(false);
                report.Add("http.rest-complaints-page.c8", restRate, "requests/s");
                report.Add("http.graphql-complaints-page.c8", graphRate, "requests/s", "http.rest-complaints-page.c8", 0.8);
            }

            await GraphQLBenchmark.EngineAsync(app.Services, settings, report).ConfigureAwait(false);
        }
        finally
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The in-process GraphQL figures alone (parse, validate, execute), over a host with 40 complaints in its list.</summary>
    public static async Task RunEngineOnlyAsync(string connectionString, Settings settings, Report report)
    {
        var schema = "bench_graphql_" + Guid.NewGuid().ToString("N")[..8];
        var port = FreePort();
        var app = ApiHost.Build(ServiceArguments($"http://127.0.0.1:{port}", connectionString, schema));
        await app.StartAsync().ConfigureAwait(false);
        try
        {
            var key = app.Services.GetRequiredService<SymmetricSecurityKey>();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Auth.Issue(key, "bench-citizen", Auth.Roles.Citizen, null, TimeProvider.System));
            for (var i = 0; i < 40; i++)
            {
                using var response = await http.PostAsync("/api/complaints", new StringContent(System.Text.Json.JsonSerializer.Serialize(new
                {
                    kind = "complaint", channel = "portal", administrationId = "MIN-SANTE", categoryCode = "HEALTH.WAIT", subject = "Attente", description = "Trop long.",
                    location = new { region = "Oriental", province = "Oujda-Angad", commune = "Oujda" },
                    citizen = new { fullName = "Amina Benali", nationalId = "AB123456", phone = "+212600000000", email = "amina@example.ma" },
                }), System.Text.Encoding.UTF8, "application/json")).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
            }

            await GraphQLBenchmark.WaitForListAsync(http, Auth.Issue(key, "bench-supervisor", Auth.Roles.Supervisor, null, TimeProvider.System)).ConfigureAwait(false);
            await GraphQLBenchmark.EngineAsync(app.Services, settings, report).ConfigureAwait(false);
        }
        finally
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A figure and its baseline measured in alternating slices (baseline, figure, baseline, figure...) after each has
    /// warmed up, each rate being its operations over its own time. This VM's speed drifts by 10-15% within minutes;
    /// measured one after the other, the two figures of a ratio would not see the same machine. A smoke run measures
    /// one short slice of each.
    /// </summary>
    internal static async Task<(double Baseline, double Figure)> PairedAsync(string baselineName, Load baseline, string figureName, Load figure, TimeSpan duration)
    {
        await WarmUpAsync(duration, baseline).ConfigureAwait(false);
        await WarmUpAsync(duration, figure).ConfigureAwait(false);
        var rounds = duration < TimeSpan.FromSeconds(2) ? 1 : Math.Max(1, (int)Math.Round(duration.TotalSeconds / 2));
        var slice = duration / rounds;
        var (a, b) = (new Tally(), new Tally());
        var line = new System.Text.StringBuilder();
        for (var round = 0; round < rounds; round++)
        {
            var x = await baseline(slice).ConfigureAwait(false);
            var y = await figure(slice).ConfigureAwait(false);
            a.Add(x);
            b.Add(y);
            line.Append(CultureInfo.InvariantCulture, $" {x.Rate:F0}/{y.Rate:F0}");
        }

        Console.WriteLine($"    {rounds} alternating slices of {slice.TotalSeconds:F1} s, {baselineName}/{figureName} per second:{line}");
        return (a.Rate, b.Rate);
    }

    /// <summary>One figure alone: warm up, then one measured run of <paramref name="duration"/>.</summary>
    internal static async Task<double> SteadyAsync(Load load, TimeSpan duration)
    {
        await WarmUpAsync(duration, load).ConfigureAwait(false);
        return (await load(duration).ConfigureAwait(false)).Rate;
    }

    /// <summary>Runs a load for about the given time and says how many operations completed in how long.</summary>
    internal delegate Task<Slice> Load(TimeSpan span);

    internal readonly record struct Slice(long Operations, TimeSpan Elapsed)
    {
        public double Rate => Operations / Elapsed.TotalSeconds;
    }

    private sealed class Tally
    {
        private long _operations;
        private TimeSpan _elapsed;

        public double Rate => _operations / _elapsed.TotalSeconds;

        public void Add(Slice slice) => (_operations, _elapsed) = (_operations + slice.Operations, _elapsed + slice.Elapsed);
    }

    /// <summary>
    /// An HTTP load at a fixed number of connections, driven by wrk (a C load generator from Debian's packages, light
    /// on the 2 cores the server shares) when it is installed, otherwise by HttpClient. Any answer but 2xx fails the
    /// benchmark.
    /// </summary>
    internal sealed class HttpLoad : IDisposable
    {
        private readonly string? _wrk = new[] { "/usr/bin/wrk", "/usr/local/bin/wrk" }.FirstOrDefault(File.Exists);
        private readonly string? _script;
        private readonly Load _fallback;
        private readonly string _url;
        private readonly int _concurrency;
        private readonly string _name;

        public HttpLoad(HttpClient http, string target, HttpMethod method, string path, string? body, string token, int concurrency)
        {
            (_url, _concurrency, _name) = ($"{target}{path}", concurrency, $"{method} {path}");
            _fallback = Operations(concurrency, async () =>
            {
                using var request = new HttpRequestMessage(method, path);
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
                if (body is not null)
                {
                    request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
                }

                using var response = await http.SendAsync(request).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"{_name} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
                }
            });
            if (_wrk is null)
            {
                Console.WriteLine($"    (wrk not installed: HttpClient drives {_name} and shares the CPU with the server)");
                return;
            }

            _script = Path.GetTempFileName();
            File.WriteAllText(_script, $$"""
                wrk.method = "{{method.Method}}"
                wrk.headers["Authorization"] = "Bearer {{token}}"
                wrk.headers["Content-Type"] = "application/json"
                {{(body is null ? string.Empty : $"wrk.body = [==[{body}]==]")}}
                """);
        }

        public async Task<Slice> RunAsync(TimeSpan span)
        {
            if (_wrk is null)
            {
                return await _fallback(span).ConfigureAwait(false);
            }

            var seconds = Math.Max(1, (int)Math.Round(span.TotalSeconds));
            using var process = Process.Start(new ProcessStartInfo(_wrk, $"-t2 -c{_concurrency} -d{seconds}s -s {_script} {_url}") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = await process.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
            await process.WaitForExitAsync().ConfigureAwait(false);
            if (output.Contains("Non-2xx", StringComparison.Ordinal) || output.Contains("Socket errors", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{_name} under load did not always succeed:\n{output}");
            }

            // "  27359 requests in 10.00s, 9.35MB read": the count and wrk's own measure of the time.
            var summary = System.Text.RegularExpressions.Regex.Match(output, @"(\d+) requests in ([\d.]+)(us|ms|s|m)\b");
            if (!summary.Success)
            {
                throw new InvalidOperationException($"wrk said nothing of {_name}:\n{output}");
            }

            var value = double.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture);
            var elapsed = summary.Groups[3].Value switch
            {
                "us" => TimeSpan.FromMicroseconds(value),
                "ms" => TimeSpan.FromMilliseconds(value),
                "m" => TimeSpan.FromMinutes(value),
                _ => TimeSpan.FromSeconds(value),
            };
            return new Slice(long.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture), elapsed);
        }

        public void Dispose()
        {
            if (_script is not null)
            {
                File.Delete(_script);
            }
        }
    }

    /// <summary>
    /// Drives the load until the JIT has settled: a fresh process spends most of its first minute of load compiling
    /// (tiered compilation rewrites hot methods twice), so a figure taken at once measures the compiler, not the path.
    /// A full run repeats 3-second slices until one compiles fewer than 20 methods (at most two minutes); a smoke run
    /// warms for a second only.
    /// </summary>
    private static async Task WarmUpAsync(TimeSpan duration, Load load)
    {
        if (duration < TimeSpan.FromSeconds(2))
        {
            await load(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            return;
        }

        var clock = Stopwatch.StartNew();
        var slices = 0;
        long compiled;
        do
        {
            var before = System.Runtime.JitInfo.GetCompiledMethodCount();
            await load(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
            compiled = System.Runtime.JitInfo.GetCompiledMethodCount() - before;
            slices++;
        }
        while (compiled >= 20 && clock.Elapsed < TimeSpan.FromMinutes(2));

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    warmed for {clock.Elapsed.TotalSeconds:F0} s ({slices} slices; the last compiled {compiled} methods)"));
    }

    /// <summary>A load of <paramref name="concurrency"/> workers each repeating <paramref name="operation"/>.</summary>
    private static Load Operations(int concurrency, Func<Task> operation) => async span =>
    {
        long total = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            long n = 0;
            while (clock.Elapsed < span)
            {
                await operation().ConfigureAwait(false);
                n++;
            }

            Interlocked.Add(ref total, n);
        }))).ConfigureAwait(false);
        return new Slice(total, clock.Elapsed);
    };

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
