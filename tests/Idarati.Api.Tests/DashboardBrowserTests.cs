using System.Text.Json;
using Idarati.Application.Complaints;
using Idarati.Application.Seeding;
using Idarati.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace Idarati.Api.Tests;

/// <summary>
/// The analysts' dashboard in a real headless browser (Debian's Chromium, driven by playwright-core from
/// tests/conformance/dashboard.mjs) against the service on a real port, on a database seeded at a small scale, with
/// every request that would leave the machine refused and recorded; and a department's printable annual report, and
/// its PDF as the service prints it with the same Chromium.
/// </summary>
public sealed class DashboardBrowserTests
{
    private static string Chromium() =>
        new[] { Environment.GetEnvironmentVariable("CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("Chromium is missing: ./test.sh installs Debian's chromium package (apt-get install chromium).");

    [Fact]
    public async Task An_analyst_sees_every_chart_with_the_apis_numbers_in_french_and_arabic_and_nothing_leaves_the_machine()
    {
        await WithServiceAsync("dash_", ["--ReferenceData:LoadDefaults", "false"], async (app, output) =>
        {
            var plan = SeedPlan.AtScale(0.01);
            await TestStores.SeedAsync((Marten.DocumentStore)app.Services.GetRequiredService<Marten.IDocumentStore>(), plan);
            var monitor = app.Services.GetRequiredService<Idarati.Projections.ProjectionMonitor>();
            await Deadline.UntilAsync(async () => (await monitor.StatusAsync()).All(p => p.LagEvents == 0 && p.State == Idarati.Projections.ProjectionState.Running), 120, "every projection to catch up with the seed");

            // As of the report's date the processing indicator counts exactly what the tracking report publishes.
            using (var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) })
            {
                var key = app.Services.GetRequiredService<Microsoft.IdentityModel.Tokens.SymmetricSecurityKey>();
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Infrastructure.Auth.Issue(key, "analyst", "analyst", null, TimeProvider.System));
                var total = JsonDocument.Parse(await http.GetStringAsync("/api/indicators/complaints/processing?asOf=2020-03-02")).RootElement.GetProperty("total");
                Assert.Equal((plan.Complaints, plan.Processed), (total.GetProperty("received").GetInt64(), total.GetProperty("processed").GetInt64()));
                var before = JsonDocument.Parse(await http.GetStringAsync("/api/indicators/complaints/processing?asOf=2018-12-31")).RootElement.GetProperty("total");
                Assert.InRange(before.GetProperty("received").GetInt64(), 1, plan.Complaints - 1);
            }

            var (code, stdout, stderr) = await Tools.NodeAsync("dashboard.mjs", app.Urls.Single(), Chromium(), output.FullName);
            var result = stdout.Trim();
            Assert.True(code == 0, result + stderr);
            var summary = JsonDocument.Parse(result.Split('\n')[^1]).RootElement;
            Assert.Equal(0, summary.GetProperty("outside").GetInt32());
            Assert.Equal(7, summary.GetProperty("charts").GetInt32());
            Assert.True(File.Exists(Path.Combine(output.FullName, "dashboard-fr.png")) && File.Exists(Path.Combine(output.FullName, "dashboard-ar.png")));
            Console.WriteLine($"dashboard: drawn {summary.GetProperty("drawnMs").GetInt32()} ms after sign-in (seed at scale 0.01: {plan.Complaints} complaints)");

            // The busiest administration's annual report for 2019, as its printable page, then as the PDF the service prints.
            string busiest;
            await using (var dataSource = Npgsql.NpgsqlDataSource.Create(ApiFactory.TestDatabase))
            await using (var pick = dataSource.CreateCommand($"SELECT administration_id FROM {app.Configuration["EventStore:Schema"]}.rm_complaint_list GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"))
            {
                busiest = (string)(await pick.ExecuteScalarAsync())!;
            }

            var (reportCode, reportOut, reportErr) = await Tools.NodeAsync("annual-report.mjs", app.Urls.Single(), Chromium(), output.FullName, busiest, "2019");
            Assert.True(reportCode == 0, reportOut + reportErr);
            Assert.Equal(0, JsonDocument.Parse(reportOut.Trim().Split('\n')[^1]).RootElement.GetProperty("outside").GetInt32());
            using var pdfClient = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) };
            pdfClient.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
                Infrastructure.Auth.Issue(app.Services.GetRequiredService<Microsoft.IdentityModel.Tokens.SymmetricSecurityKey>(), "analyst", "analyst", null, TimeProvider.System));
            foreach (var lang in new[] { "fr", "ar" })
            {
                using var pdf = await pdfClient.GetAsync($"/api/indicators/annual-report.pdf?administrationId={busiest}&year=2019&lang={lang}");
                Assert.Equal(System.Net.HttpStatusCode.OK, pdf.StatusCode);
                Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
                var bytes = await pdf.Content.ReadAsByteArrayAsync();
                Assert.Equal("%PDF-", System.Text.Encoding.ASCII.GetString(bytes, 0, 5));
                Assert.True(bytes.Length > 20_000, $"a {bytes.Length}-byte PDF");
                await File.WriteAllBytesAsync(Path.Combine(output.FullName, $"annual-report-{lang}.pdf"), bytes);
            }

            using var refused = await pdfClient.GetAsync($"/api/indicators/annual-report.pdf?administrationId={busiest}&year=2019&lang=en");
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("\"lang\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task While_the_read_models_lag_the_dashboard_marks_the_figures_provisional_and_says_by_itself_when_they_are_final()
    {
        await WithServiceAsync("fresh_", [], async (app, output) =>
        {
            var monitor = app.Services.GetRequiredService<Idarati.Projections.ProjectionMonitor>();
            // Caught up means at the head of the log: the dashboard's count of waiting events is the head less the read
            // models' position, which passes the administrations' events registered at start only once a batch closes.
            await Deadline.UntilAsync(async () =>
            {
                var head = await monitor.HeadAsync();
                return (await monitor.LeaderAsync()).Node is not null && (await monitor.StatusAsync()).All(p => p.LagEvents == 0 && p.Position >= head);
            }, 60, "the read models to reach the head of the log");
            var coordinator = app.Services.GetRequiredService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>();
            await coordinator.PauseAsync();
            using (var http = new HttpClient { BaseAddress = new Uri(app.Urls.Single()) })
            {
                var key = app.Services.GetRequiredService<Microsoft.IdentityModel.Tokens.SymmetricSecurityKey>();
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Infrastructure.Auth.Issue(key, "fresh-citizen", "citizen", null, TimeProvider.System));
                for (var i = 0; i < 3; i++)
                {
                    using var body = System.Net.Http.Json.JsonContent.Create(TestHttp.Complaint());
                    Assert.Equal(System.Net.HttpStatusCode.Created, (await http.PostAsync(new Uri("/api/complaints", UriKind.Relative), body)).StatusCode);
                }
            }

            var browser = Tools.NodeAsync("dashboard-freshness.mjs", app.Urls.Single(), Chromium(), output.FullName);
            var provisional = Path.Combine(output.FullName, "provisional");
            await Deadline.UntilAsync(() => Task.FromResult(File.Exists(provisional) || browser.IsCompleted), 60, "the dashboard to show provisional figures");
            await coordinator.ResumeAsync();
            var (code, stdout, stderr) = await browser;
            Assert.True(code == 0, stdout + stderr);
            Assert.Contains("3 événements", File.ReadAllText(provisional), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task GraphiQL_runs_the_queue_subscription_and_shows_each_change_as_it_is_committed()
    {
        await WithServiceAsync("giql_", [], async (app, _) =>
        {
            var (code, stdout, stderr) = await Tools.NodeAsync("graphiql.mjs", app.Urls.Single(), Chromium(), Path.Combine(Tools.Repository, "docs", "queries"));
            Assert.True(code == 0, stdout + stderr);
            var summary = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]).RootElement;
            Assert.Equal(0, summary.GetProperty("outside").GetInt32());
        });
    }

    /// <summary>The service on a real port, in a schema of its own (dropped after), with development tokens; a temporary folder for the browser's files.</summary>
    private static async Task WithServiceAsync(string prefix, string[] settings, Func<Microsoft.AspNetCore.Builder.WebApplication, DirectoryInfo, Task> test)
    {
        var schema = prefix + Guid.NewGuid().ToString("N")[..12];
        var app = ApiHost.Build(
        [
            "--urls", "http://127.0.0.1:0", "--IDARATI_DB", ApiFactory.TestDatabase, "--EventStore:Schema", schema,
            "--Auth:SigningKey", "integration-tests-signing-key-of-at-least-32-bytes", "--Complaints:AccessCodeSecret", ApiFactory.AccessCodeSecret, "--Audit:CheckpointKey", ApiFactory.CheckpointKey, "--PersonalData:MasterKey", ApiFactory.MasterKey,
            "--Auth:DevTokens", "true", "--Logging:LogLevel:Default", "Warning", .. settings,
        ]);
        await app.StartAsync();
        var output = Directory.CreateTempSubdirectory("idarati-browser-");
        try
        {
            await test(app, output);
        }
        finally
        {
            output.Delete(recursive: true);
            await app.StopAsync();
            await app.DisposeAsync();
            await using var dataSource = Npgsql.NpgsqlDataSource.Create(ApiFactory.TestDatabase);
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }
}
