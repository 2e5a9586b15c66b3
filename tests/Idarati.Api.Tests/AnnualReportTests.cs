using System.Net;
using System.Text.Json;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>
/// A department's annual report on a seeded store: every figure is the indicators API's for the same year and
/// administration, transfers agree with the event log, both doors answer alike, and only analysts, supervisors and
/// admins read it.
/// </summary>
public sealed class AnnualReportTests
{
    private const string Year = "after=2018-12-31&asOf=2019-12-31";

    [Fact]
    public async Task The_annual_report_of_a_department_is_the_indicators_of_its_year_in_one_snapshot()
    {
        var schema = await TestStores.SeededSchemaAsync("annual", 0.05);
        await using var node = new ApiFactory { Schema = schema };
        await node.WaitForProjectionsAsync();
        var analyst = node.As("analyst");
        var busiest = (await analyst.GetAsync($"/api/indicators/complaints/processing?groupBy=administration&{Year}", HttpStatusCode.OK)).GetProperty("rows")
            .EnumerateArray().OrderByDescending(r => r.GetProperty("received").GetInt64()).First().GetProperty("group").GetString()!;
        var report = await analyst.GetAsync($"/api/indicators/annual-report?administrationId={busiest}&year=2019", HttpStatusCode.OK);
        Assert.Equal((busiest, 2019), (report.GetProperty("administrationId").GetString(), report.GetProperty("year").GetInt32()));
        Assert.True(report.GetProperty("total").GetProperty("received").GetInt64() > 100);

        // The indicators for the same scope: per kind, per month, per category, and the response times.
        var scope = $"{Year}&administrationId={busiest}";
        var byKind = await analyst.GetAsync($"/api/indicators/complaints/processing?groupBy=kind&{scope}", HttpStatusCode.OK);
        Assert.Equal(Json(byKind.GetProperty("rows")), Json(report.GetProperty("byKind")));
        Assert.Equal(Json(byKind.GetProperty("total")), Json(report.GetProperty("total")));
        Assert.Equal(3, report.GetProperty("byKind").GetArrayLength());
        var months = await analyst.GetAsync($"/api/indicators/complaints/processing?groupBy=month&{scope}", HttpStatusCode.OK);
        Assert.Equal(Json(months.GetProperty("rows")), Json(report.GetProperty("months")));
        Assert.Equal(12, report.GetProperty("months").GetArrayLength());
        var categories = (await analyst.GetAsync($"/api/indicators/complaints/processing?groupBy=category&{scope}", HttpStatusCode.OK)).GetProperty("rows").EnumerateArray()
            .OrderByDescending(r => r.GetProperty("received").GetInt64()).ThenBy(r => r.GetProperty("group").GetString(), StringComparer.Ordinal).Take(10);
        Assert.Equal(JsonSerializer.Serialize(categories), Json(report.GetProperty("topCategories")));
        var times = await analyst.GetAsync($"/api/indicators/complaints/response-times?groupBy=none&{scope}", HttpStatusCode.OK);
        Assert.Equal(Json(times.GetProperty("total")), Json(report.GetProperty("responseTimes")));
        Assert.True(report.GetProperty("responseTimes").GetProperty("answerMedianDays").GetDouble() > 0);

        // Rejections (by the year's end) and transfers, against the list and the event log themselves; the year's bounds
        // are the ends of 31 December in Morocco (UTC+1).
        var rejected = report.GetProperty("rejectionsByReason").EnumerateArray().Sum(r => r.GetProperty("count").GetInt64());
        Assert.Equal(await node.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.rm_complaint_list WHERE administration_id = '{busiest}' AND submitted_at > '2018-12-31T23:59:59.999999+01' AND submitted_at <= '2019-12-31T23:59:59.999999+01' AND rejected_at <= '2019-12-31T23:59:59.999999+01'"), rejected);
        Assert.True(rejected > 0);
        const string InYear = "(data->>'transferredAt')::timestamptz > '2018-12-31T23:59:59.999999+01' AND (data->>'transferredAt')::timestamptz <= '2019-12-31T23:59:59.999999+01'";
        Assert.Equal(await node.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.mt_events WHERE type = 'complaint.transferred' AND data->>'toAdministrationId' = '{busiest}' AND {InYear}"), report.GetProperty("transfersIn").GetInt64());
        Assert.Equal(await node.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.mt_events WHERE type = 'complaint.transferred' AND data->>'fromAdministrationId' = '{busiest}' AND {InYear}"), report.GetProperty("transfersOut").GetInt64());

        // One log position for every figure, final, and the same over GraphQL.
        Assert.Equal(byKind.GetProperty("position").GetInt64(), report.GetProperty("position").GetInt64());
        Assert.True(report.GetProperty("freshness").GetProperty("final").GetBoolean());
        var graph = (await TestHttp.Graph(analyst, """
            query ($id: ID!) { indicators { annualReport(administrationId: $id, year: 2019) {
              total { received processed processingRate answered answeredWithinDeadlinePercent wentOverdue reopened }
              responseTimes { answerMedianDays answerP90Days } rejectionsByReason { key count } transfersIn transfersOut position } } }
            """, new { id = busiest })).GetProperty("data").GetProperty("indicators").GetProperty("annualReport");
        Assert.Equal(report.GetProperty("total").GetProperty("received").GetInt64(), graph.GetProperty("total").GetProperty("received").GetInt64());
        Assert.Equal(report.GetProperty("total").GetProperty("processingRate").GetDouble(), graph.GetProperty("total").GetProperty("processingRate").GetDouble());
        Assert.Equal(report.GetProperty("responseTimes").GetProperty("answerP90Days").GetDouble(), graph.GetProperty("responseTimes").GetProperty("answerP90Days").GetDouble());
        Assert.Equal(Json(report.GetProperty("rejectionsByReason")), Json(graph.GetProperty("rejectionsByReason")));
        Assert.Equal(report.GetProperty("position").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), graph.GetProperty("position").GetString());

        // Who may read it, and what a wrong request gets.
        await node.As("supervisor").GetAsync($"/api/indicators/annual-report?administrationId={busiest}&year=2019", HttpStatusCode.OK);
        await node.As("admin").GetAsync($"/api/indicators/annual-report?administrationId={busiest}&year=2019", HttpStatusCode.OK);
        await node.As("agent", busiest).GetAsync($"/api/indicators/annual-report?administrationId={busiest}&year=2019", HttpStatusCode.Forbidden);
        await node.As("citizen").GetAsync($"/api/indicators/annual-report?administrationId={busiest}&year=2019", HttpStatusCode.Forbidden);
        await analyst.GetAsync("/api/indicators/annual-report?administrationId=NO-SUCH&year=2019", HttpStatusCode.NotFound);
        var badYear = await analyst.ProblemAsync(HttpMethod.Get, $"/api/indicators/annual-report?administrationId={busiest}&year=1999", null, HttpStatusCode.BadRequest);
        Assert.True(badYear.GetProperty("errors").TryGetProperty("year", out _));
        var noYear = await analyst.ProblemAsync(HttpMethod.Get, $"/api/indicators/annual-report?administrationId={busiest}", null, HttpStatusCode.BadRequest);
        Assert.True(noYear.GetProperty("errors").TryGetProperty("year", out _));
        var backwards = await analyst.ProblemAsync(HttpMethod.Get, "/api/indicators/complaints/processing?after=2019-12-31&asOf=2019-01-01", null, HttpStatusCode.BadRequest);
        Assert.True(backwards.GetProperty("errors").TryGetProperty("after", out _));
    }

    private static string Json(JsonElement element) => element.GetRawText().Replace(" ", string.Empty, StringComparison.Ordinal);
}
