using System.Diagnostics;
using System.Globalization;
using Idarati.Api;
using Idarati.Api.Infrastructure;
using Idarati.Application.Complaints;
using Idarati.Application.Seeding;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Idarati.Benchmarks;

/// <summary>
/// What the analysts' dashboard asks the service for when it is drawn (its ten requests at once, as the page sends
/// them), on a database seeded at scale 1, beside the raw baseline of its slowest query: the response-time percentiles
/// over the complaint list, run directly with Npgsql. The page draws within 1.5 s of sign-in if its requests answer
/// well within that. Then a department's annual report (its busiest administration, 2019), beside the raw SQL of its
/// slowest part: the response-time percentiles of that department's year.
/// </summary>
public static class DashboardBenchmark
{
    private static readonly string[] Requests =
    [
        "/api/indicators?asOf=2020-03-02", "/api/indicators/complaints/processing?groupBy=month&asOf=2020-03-02", "/api/indicators/complaints/processing?groupBy=administration&asOf=2020-03-02",
        "/api/indicators/complaints/response-times?groupBy=category&asOf=2020-03-02", "/api/indicators/call-center?groupBy=category&asOf=2020-03-02", "/api/indicators/call-center?groupBy=channel&asOf=2020-03-02",
        "/api/indicators/employment?asOf=2020-03-02", "/api/administrations", "/api/categories", "/api/call-center/categories",
    ];

    public static async Task RunAsync(NpgsqlDataSource dataSource, string connectionString, Settings settings, Report report, double? scale)
    {
        var at = scale ?? (settings.Smoke ? 0.01 : 1);
        var schema = "bench_dash_" + Guid.NewGuid().ToString("N")[..8];
        var port = HttpBenchmark.FreePort();
        var app = ApiHost.Build([.. HttpBenchmark.ServiceArguments($"http://127.0.0.1:{port}", connectionString, schema), "--ReferenceData:LoadDefaults", "false"]);
        await app.StartAsync().ConfigureAwait(false);
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"== dashboard: its ten requests at once, seed at scale {at}"));
            var store = (Marten.DocumentStore)app.Services.GetRequiredService<Marten.IDocumentStore>();
            await new SyntheticDataset(new MartenSeedSink(store, TimeProvider.System, app.Services.GetRequiredService<Idarati.Application.Privacy.PersonalDataVault>()), new ComplaintOptions { AccessCodeSecret = "benchmark-access-code-secret-of-at-least-32-bytes" }, TimeProvider.System)
                .SeedAsync(SeedPlan.AtScale(at)).ConfigureAwait(false);
            var caughtUp = Stopwatch.StartNew();
            await BenchmarkTiming.WaitForProjectionsAsync(app.Services).ConfigureAwait(false);

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    (untimed) projections caught up in {caughtUp.Elapsed.TotalSeconds:F1} s"));
            var token = Auth.Issue(app.Services.GetRequiredService<SymmetricSecurityKey>(), "bench-analyst", Auth.Roles.Analyst, null, TimeProvider.System);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            var rounds = settings.Smoke ? 1 : 7;

            var page = await BenchmarkTiming.MedianAsync(rounds, async () => await Task.WhenAll(Requests.Select(async r => (await http.GetAsync(r).ConfigureAwait(false)).EnsureSuccessStatusCode())).ConfigureAwait(false), warmUp: true).ConfigureAwait(false);
            var raw = await BenchmarkTiming.MedianAsync(rounds, async () =>
            {
                await using var command = dataSource.CreateCommand($"""
                    SELECT category_code, percentile_cont(0.5) WITHIN GROUP (ORDER BY date_part('epoch', answered_at - submitted_at)),
                           percentile_cont(0.9) WITHIN GROUP (ORDER BY date_part('epoch', answered_at - submitted_at))
                      FROM {schema}.rm_complaint_list GROUP BY GROUPING SETS ((category_code), ())
                    """);
                await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                }
            }, warmUp: true).ConfigureAwait(false);
            report.Add("dashboard.raw-slowest-query.ms", raw.TotalMilliseconds, "ms");
            report.Add("dashboard.requests.ms", page.TotalMilliseconds, "ms", "dashboard.raw-slowest-query.ms", atMost: settings.Smoke ? null : 1500);

            string busiest;
            await using (var pick = dataSource.CreateCommand($"SELECT administration_id FROM {schema}.rm_complaint_list GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"))
            {
                busiest = (string)(await pick.ExecuteScalarAsync().ConfigureAwait(false))!;
            }

            var annualRaw = await BenchmarkTiming.MedianAsync(rounds, async () =>
            {
                await using var command = dataSource.CreateCommand($"""
                    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY date_part('epoch', answered_at - submitted_at)),
                           percentile_cont(0.9) WITHIN GROUP (ORDER BY date_part('epoch', answered_at - submitted_at))
                      FROM {schema}.rm_complaint_list
                     WHERE administration_id = $1 AND submitted_at > '2018-12-31T23:59:59.999999+01' AND submitted_at <= '2019-12-31T23:59:59.999999+01'
                    """);
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = busiest });
                await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                }
            }, warmUp: true).ConfigureAwait(false);
            var annual = await BenchmarkTiming.MedianAsync(rounds, async () => (await http.GetAsync($"/api/indicators/annual-report?administrationId={busiest}&year=2019").ConfigureAwait(false)).EnsureSuccessStatusCode(), warmUp: true)
                .ConfigureAwait(false);
            report.Add("annual-report.raw-slowest-part.ms", annualRaw.TotalMilliseconds, "ms");
            report.Add("annual-report.ms", annual.TotalMilliseconds, "ms", "annual-report.raw-slowest-part.ms", atMost: settings.Smoke ? null : 1000);
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
