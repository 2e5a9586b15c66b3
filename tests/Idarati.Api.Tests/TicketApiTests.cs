using System.Net;

namespace Idarati.Api.Tests;

/// <summary>The 3737 call centre's routes, driven by Alba scenarios (each request states the status it must answer).</summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class TicketApiTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private ScenarioCaller CallCenterAgent() => factory.As("agent", "CENTRE-3737");

    private static async Task<Guid> OpenAsync(ScenarioCaller agent)
    {
        var opened = await agent.PostAsync("/api/call-center/tickets", new { channel = "phone", categoryCode = "PROCEDURES", topic = "Renouvellement du passeport", language = "arabic" }, HttpStatusCode.Created);
        Assert.Equal("open", opened.GetProperty("status").GetString());
        return opened.GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task A_ticket_is_opened_answered_and_closed()
    {
        var agent = CallCenterAgent();
        var id = await OpenAsync(agent);
        var answered = await agent.PostAsync($"/api/call-center/tickets/{id}/answer", new { answer = "Prenez rendez-vous en ligne." }, HttpStatusCode.OK);
        Assert.Equal("answered", answered.GetProperty("status").GetString());
        var closed = await agent.PostAsync($"/api/call-center/tickets/{id}/close", null, HttpStatusCode.OK);
        Assert.Equal("closed", closed.GetProperty("status").GetString());
        Assert.Equal(3, closed.GetProperty("version").GetInt64());
        var refused = await agent.PostAsync($"/api/call-center/tickets/{id}/answer", new { answer = "x" }, HttpStatusCode.Conflict);
        Assert.Equal("closed", refused.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Escalation_creates_the_complaint_and_links_both_ways_once()
    {
        var agent = CallCenterAgent();
        var id = await OpenAsync(agent);
        object Request() => new
        {
            administrationId = "CNSS",
            categoryCode = "HR.RETIREMENT",
            subject = "Pension non versée",
            description = "Aucun versement depuis trois mois.",
            location = new { region = "Casablanca-Settat", province = "Casablanca", commune = "Anfa" },
            citizen = new { fullName = "Youssef Alaoui", nationalId = "BE765432", phone = "+212611111111", email = "y.alaoui@example.ma" },
        };

        var escalation = await agent.PostAsync($"/api/call-center/tickets/{id}/escalate", Request(), HttpStatusCode.OK);
        var complaintId = escalation.GetProperty("complaint").GetProperty("id").GetGuid();
        Assert.Equal(complaintId, escalation.GetProperty("ticket").GetProperty("complaintId").GetGuid());
        Assert.Equal("escalated", escalation.GetProperty("ticket").GetProperty("status").GetString());

        var again = await agent.PostAsync($"/api/call-center/tickets/{id}/escalate", Request(), HttpStatusCode.OK);
        Assert.Equal(complaintId, again.GetProperty("complaint").GetProperty("id").GetGuid());

        var cnss = factory.As("agent", "CNSS");
        var complaint = await cnss.GetAsync($"/api/complaints/{complaintId}", HttpStatusCode.OK);
        Assert.Equal("callCenter", complaint.GetProperty("channel").GetString());
        Assert.Equal(id.ToString(), complaint.GetProperty("sourceTicketId").GetString());
        Assert.Equal(1, complaint.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Only_the_call_centre_and_supervisors_handle_tickets_and_bad_input_is_refused()
    {
        var agent = CallCenterAgent();
        var id = await OpenAsync(agent);
        var ministry = factory.As("agent", "MIN-SANTE");
        var analyst = factory.As("analyst");
        var before = await factory.CountEventsAsync();

        await ministry.GetAsync($"/api/call-center/tickets/{id}", HttpStatusCode.NotFound);
        await analyst.GetAsync($"/api/call-center/tickets/{id}", HttpStatusCode.Forbidden);
        var forbidden = await ministry.PostAsync("/api/call-center/tickets", new { channel = "email", categoryCode = "OTHER", topic = "x", language = "french" }, HttpStatusCode.Conflict);
        Assert.Equal("forbidden", forbidden.GetProperty("rule").GetString());
        var badChannel = await agent.PostAsync("/api/call-center/tickets", new { channel = "fax", categoryCode = "OTHER", topic = "x", language = "french" }, HttpStatusCode.BadRequest);
        Assert.True(badChannel.GetProperty("errors").TryGetProperty("channel", out _));
        var badCategory = await agent.PostAsync("/api/call-center/tickets", new { channel = "email", categoryCode = "NOPE", topic = "x", language = "french" }, HttpStatusCode.BadRequest);
        Assert.True(badCategory.GetProperty("errors").TryGetProperty("categoryCode", out _));
        Assert.Equal(before, await factory.CountEventsAsync());

        var auditor = factory.As("auditor");
        var history = await auditor.GetAsync($"/api/call-center/tickets/{id}/history", HttpStatusCode.OK);
        Assert.Equal("ticket.opened", history[0].GetProperty("type").GetString());
    }
}
