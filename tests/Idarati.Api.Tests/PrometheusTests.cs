using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>
/// Debian's Prometheus scrapes the service's /metrics (the service in a process of its own, on a real port), and the
/// operator's first queries of the README answer: the read models' lag, request rates, appends per event type and the
/// messages waiting in Wolverine's inbox and outbox.
/// </summary>
public sealed class PrometheusTests
{
    /// <summary>The README's queries, as an operator types them.</summary>
    public static readonly string[] OperatorQueries =
    [
        "max by (read_model) (idarati_read_model_lag_seconds)",
        "sum by (http_route, http_response_status_code) (rate(http_server_request_duration_seconds_count[1m]))",
        "sum by (event_type) (increase(marten_event_append_events_total[5m]))",
        "sum by (state) (idarati_messages)",
    ];

    [Fact]
    public async Task Prometheus_scrapes_the_service_and_the_operators_first_queries_answer()
    {
        using var node = await ApiProcess.StartAsync("prom_" + Guid.NewGuid().ToString("N")[..12], new Dictionary<string, string> { ["Telemetry__LagSampleEvery"] = "00:00:01" });
        var citizen = await node.ClientAsync("citizen", subject: "scraped");
        // A first submission, so that the counters exist when Prometheus first reads them (a series it first sees at 1 shows no increase).
        await TestHttp.Json(await citizen.PostAsJsonAsync("/api/complaints", TestHttp.Complaint()), HttpStatusCode.Created);

        var port = Tools.FreePort();
        var directory = Directory.CreateTempSubdirectory("idarati-prometheus-");
        try
        {
            var config = Path.Combine(directory.FullName, "prometheus.yml");
            await File.WriteAllTextAsync(config, $"""
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: idarati
                    metrics_path: /metrics
                    static_configs:
                      - targets: ["{node.Address.Authority}"]
                """);
            var start = new ProcessStartInfo(File.Exists("/usr/bin/prometheus") ? "/usr/bin/prometheus" : "prometheus") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory.FullName, "data")}", $"--web.listen-address=127.0.0.1:{port}" })
            {
                start.ArgumentList.Add(argument);
            }

            using var prometheus = Process.Start(start)!;
            prometheus.OutputDataReceived += (_, _) => { };
            prometheus.ErrorDataReceived += (_, _) => { };
            prometheus.BeginOutputReadLine();
            prometheus.BeginErrorReadLine();
            try
            {
                using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
                // Once Prometheus scrapes the service, a citizen submits again: the rate and the increase see it.
                await Deadline.UntilAsync(async () => (await QueryAsync(http, "up{job=\"idarati\"} == 1")).GetArrayLength() == 1, 60, "Prometheus to scrape the service");
                await TestHttp.Json(await citizen.PostAsJsonAsync("/api/complaints", TestHttp.Complaint()), HttpStatusCode.Created);
                var answers = new Dictionary<string, JsonElement>();
                var waiting = Deadline.UntilAsync(async () =>
                {
                    Assert.False(prometheus.HasExited, "prometheus stopped: is Debian's prometheus installed?");
                    foreach (var query in OperatorQueries)
                    {
                        answers[query] = await QueryAsync(http, query);
                    }

                    return answers.Values.All(a => a.GetArrayLength() > 0)
                        && answers[OperatorQueries[0]].EnumerateArray().Count() >= 6
                        && answers[OperatorQueries[1]].EnumerateArray().Any(r => Label(r, "http_route") == "/api/complaints/" && Label(r, "http_response_status_code") == "201" && Value(r) > 0)
                        && answers[OperatorQueries[2]].EnumerateArray().Any(r => Label(r, "event_type") == "complaint.submitted" && Value(r) >= 1);
                }, 60, "Prometheus to answer the operator's queries");
                try
                {
                    await waiting;
                }
                catch (TimeoutException e)
                {
                    throw new TimeoutException(e.Message + " " + string.Join(" | ", answers.Select(a => $"{a.Key} => {a.Value.GetRawText()}")), e);
                }

                // The lag, per read model, from the service's own sampling; the submission counted by Marten; the POST rate.
                Assert.Contains(answers[OperatorQueries[0]].EnumerateArray(), r => Label(r, "read_model") == "complaint-list");
                Assert.Equal(["dead-letter", "incoming", "outgoing", "scheduled"], answers[OperatorQueries[3]].EnumerateArray().Select(r => Label(r, "state")).Order(StringComparer.Ordinal));
            }
            finally
            {
                prometheus.Kill();
                await prometheus.WaitForExitAsync();
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static async Task<JsonElement> QueryAsync(HttpClient http, string query)
    {
        try
        {
            var answer = await http.GetFromJsonAsync<JsonElement>($"/api/v1/query?query={Uri.EscapeDataString(query)}");
            return answer.GetProperty("data").GetProperty("result").Clone();
        }
        catch (HttpRequestException)
        {
            return JsonDocument.Parse("[]").RootElement.Clone();
        }
    }

    private static string? Label(JsonElement result, string name) => result.GetProperty("metric").TryGetProperty(name, out var value) ? value.GetString() : null;

    private static double Value(JsonElement result) => double.Parse(result.GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);

}
