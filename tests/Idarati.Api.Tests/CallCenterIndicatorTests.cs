using System.Net;

namespace Idarati.Api.Tests;

[Collection(ApiWithReferenceData.Collection)]
public sealed class CallCenterIndicatorTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Questions_per_category_and_channel_with_shares_and_answers()
    {
        var agent = factory.As("agent", "CENTRE-3737");
        async Task<Guid> Open(string channel, string category) =>
            (await agent.PostAsync("/api/call-center/tickets", new { channel, categoryCode = category, topic = "Question", language = "french" }, HttpStatusCode.Created)).GetProperty("id").GetGuid();

        var first = await Open("phone", "PROCEDURES");
        await Open("phone", "PROCEDURES");
        var last = await Open("email", "GENERAL_GUIDANCE");
        await agent.PostAsync($"/api/call-center/tickets/{first}/answer", new { answer = "Voici la procédure." }, HttpStatusCode.OK);
        var auditor = factory.As("auditor");
        var positions = new List<long>();
        foreach (var id in new[] { first, last })
        {
            var history = await auditor.GetAsync($"/api/call-center/tickets/{id}/history", HttpStatusCode.OK);
            positions.AddRange(history.EnumerateArray().Select(e => e.GetProperty("position").GetInt64()));
        }

        var analyst = factory.As("analyst");
        await factory.WaitForProjectionsAsync();
        var report = await analyst.GetAsync("/api/indicators/call-center?groupBy=category", HttpStatusCode.OK);
        // The report covers the tickets' histories: its position is past their last events (Marten's sequence).
        Assert.True(report.GetProperty("position").GetInt64() >= positions.Max(), report.GetRawText());

        Assert.Equal(3, report.GetProperty("total").GetInt64());
        var rows = report.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("group").GetString()!);
        Assert.Equal((2L, 66.67, 1L), (rows["PROCEDURES"].GetProperty("questions").GetInt64(), rows["PROCEDURES"].GetProperty("sharePercent").GetDouble(), rows["PROCEDURES"].GetProperty("answered").GetInt64()));
        Assert.Equal(33.33, rows["GENERAL_GUIDANCE"].GetProperty("sharePercent").GetDouble());
        var byChannel = await analyst.GetAsync("/api/indicators/call-center?groupBy=channel", HttpStatusCode.OK);
        Assert.Equal(2, byChannel.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("group").GetString() == "phone").GetProperty("questions").GetInt64());
        await analyst.GetAsync("/api/indicators/call-center?groupBy=language", HttpStatusCode.BadRequest);
        await agent.GetAsync("/api/indicators/call-center", HttpStatusCode.Forbidden);
    }
}
