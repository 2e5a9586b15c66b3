using System.Net;
using System.Text.Json;

using static Idarati.Api.Tests.TestHttp;

namespace Idarati.Api.Tests;

[Collection(ApiWithReferenceData.Collection)]
public sealed class IndicatorTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Processing_indicators_count_what_happened_grouped_as_asked_without_personal_data()
    {
        var citizen = factory.As("citizen", subject: "indicator-citizen");
        var sante = factory.As("agent", "MIN-SANTE");
        var dgi = factory.As("agent", "DGI");
        async Task<Guid> Submit(string administration, string category) =>
            (await citizen.PostAsync("/api/complaints", Complaint(administration, category), HttpStatusCode.Created)).GetProperty("id").GetGuid();

        var answered = await Submit("MIN-SANTE", "HEALTH.WAIT");
        var rejected = await Submit("MIN-SANTE", "HEALTH.CARE");
        await Submit("MIN-SANTE", "HEALTH.WAIT");
        var dgiAnswered = await Submit("DGI", "TAX.REFUND");
        await sante.PostAsync($"/api/complaints/{answered}/acknowledge", null, HttpStatusCode.OK);
        await sante.PostAsync($"/api/complaints/{answered}/answer", new { text = "ok", outcome = "favourable" }, HttpStatusCode.OK);
        await citizen.PostAsync($"/api/complaints/{answered}/feedback", new { satisfied = true }, HttpStatusCode.OK);
        await sante.PostAsync($"/api/complaints/{rejected}/reject", new { reason = "outsideCompetence" }, HttpStatusCode.OK);
        await dgi.PostAsync($"/api/complaints/{dgiAnswered}/acknowledge", null, HttpStatusCode.OK);
        var last = await dgi.PostAsync($"/api/complaints/{dgiAnswered}/answer", new { text = "non", outcome = "unfavourable" }, HttpStatusCode.OK);

        var analyst = factory.As("analyst");
        var auditor = factory.As("auditor");
        var history = await auditor.GetAsync($"/api/complaints/{dgiAnswered}/history", HttpStatusCode.OK);
        var lastPosition = history.EnumerateArray().Max(e => e.GetProperty("position").GetInt64());
        Assert.Equal(3, last.GetProperty("version").GetInt64());

        JsonElement report = default;
        await factory.WaitForProjectionsAsync();
        report = await analyst.GetAsync("/api/indicators/complaints/processing?groupBy=administration", HttpStatusCode.OK);

        Assert.True(report.GetProperty("position").GetInt64() >= lastPosition, report.GetRawText());
        var rows = report.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("group").GetString()!);
        var s = rows["MIN-SANTE"];
        Assert.Equal((3L, 2L, 66.67, 1L, 1L, 0L, 1L), (s.GetProperty("received").GetInt64(), s.GetProperty("processed").GetInt64(), s.GetProperty("processingRate").GetDouble(),
            s.GetProperty("favourable").GetInt64(), s.GetProperty("satisfied").GetInt64(), s.GetProperty("unsatisfied").GetInt64(), s.GetProperty("inProgress").GetInt64()));
        Assert.Equal((1L, 1L, 100.0), (rows["DGI"].GetProperty("received").GetInt64(), rows["DGI"].GetProperty("processed").GetInt64(), rows["DGI"].GetProperty("processingRate").GetDouble()));
        Assert.Equal(4, report.GetProperty("total").GetProperty("received").GetInt64());
        Assert.DoesNotContain("Hind", report.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("C445566", report.GetRawText(), StringComparison.Ordinal);

        var byKind = await analyst.GetAsync("/api/indicators/complaints/processing?groupBy=administrationKind", HttpStatusCode.OK);
        var kinds = byKind.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("group").GetString()!, r => r.GetProperty("received").GetInt64());
        Assert.Equal(3, kinds["ministry"]);
        Assert.Equal(1, kinds["publicEstablishment"]);
        var byCategory = await analyst.GetAsync("/api/indicators/complaints/processing?groupBy=category", HttpStatusCode.OK);
        Assert.Equal(2, byCategory.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("group").GetString() == "HEALTH.WAIT").GetProperty("received").GetInt64());

        Assert.True((await analyst.GetAsync("/api/indicators/complaints/processing?groupBy=planet", HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("groupBy", out _));

        var times = await analyst.GetAsync("/api/indicators/complaints/response-times?groupBy=administration", HttpStatusCode.OK);
        var dgiTimes = times.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("group").GetString() == "DGI");
        Assert.Equal((1L, 100.0), (dgiTimes.GetProperty("answered").GetInt64(), dgiTimes.GetProperty("answeredWithinDeadlinePercent").GetDouble()));
        Assert.True(times.GetProperty("position").GetInt64() >= lastPosition);
        // The total covers every group (one scan computes both), and each median lies between zero and its 90th percentile.
        var timeRows = times.GetProperty("rows").EnumerateArray().ToList();
        var totalTimes = times.GetProperty("total");
        Assert.Equal("total", totalTimes.GetProperty("group").GetString());
        Assert.Equal(timeRows.Sum(r => r.GetProperty("answered").GetInt64()), totalTimes.GetProperty("answered").GetInt64());
        Assert.Equal(timeRows.Sum(r => r.GetProperty("acknowledged").GetInt64()), totalTimes.GetProperty("acknowledged").GetInt64());
        Assert.All(timeRows.Append(totalTimes).Where(r => r.GetProperty("answered").GetInt64() > 0), r =>
            Assert.InRange(r.GetProperty("answerMedianDays").GetDouble(), 0, r.GetProperty("answerP90Days").GetDouble()));
        var overall = await analyst.GetAsync("/api/indicators/complaints/response-times?groupBy=none", HttpStatusCode.OK);
        Assert.Equal("all", overall.GetProperty("rows").EnumerateArray().Single().GetProperty("group").GetString());
        Assert.Equal(totalTimes.GetProperty("answered").GetInt64(), overall.GetProperty("total").GetProperty("answered").GetInt64());
        await analyst.GetAsync("/api/indicators/complaints/response-times?groupBy=channel", HttpStatusCode.BadRequest);
        await citizen.GetAsync("/api/indicators/complaints/processing", HttpStatusCode.Forbidden);
        await sante.GetAsync("/api/indicators/complaints/processing", HttpStatusCode.Forbidden);
    }
}
