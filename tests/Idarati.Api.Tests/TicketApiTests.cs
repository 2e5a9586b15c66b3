using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using static Idarati.Api.Tests.TestHttp;

namespace Idarati.Api.Tests;

[Collection(ApiWithReferenceData.Collection)]
public sealed class TicketApiTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private Task<HttpClient> CallCenterAgent() => factory.ClientAsync("agent", "CENTRE-3737");

    private async Task<Guid> OpenAsync(HttpClient agent)
    {
        var opened = await Json(await agent.PostAsJsonAsync("/api/call-center/tickets", new { channel = "phone", categoryCode = "PROCEDURES", topic = "Renouvellement du passeport", language = "arabic" }), HttpStatusCode.Created);
        Assert.Equal("open", opened.GetProperty("status").GetString());
        return opened.GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task A_ticket_is_opened_answered_and_closed()
    {
        var agent = await CallCenterAgent();
        var id = await OpenAsync(agent);
        var answered = await Json(await agent.PostAsJsonAsync($"/api/call-center/tickets/{id}/answer", new { answer = "Prenez rendez-vous en ligne." }), HttpStatusCode.OK);
        Assert.Equal("answered", answered.GetProperty("status").GetString());
        var closed = await Json(await agent.PostAsync($"/api/call-center/tickets/{id}/close", null), HttpStatusCode.OK);
        Assert.Equal("closed", closed.GetProperty("status").GetString());
        Assert.Equal(3, closed.GetProperty("version").GetInt64());
        var refused = await Json(await agent.PostAsJsonAsync($"/api/call-center/tickets/{id}/answer", new { answer = "x" }), HttpStatusCode.Conflict);
        Assert.Equal("closed", refused.GetProperty("rule").GetString());
    }

    [Fact]
    public async Task Escalation_creates_the_complaint_and_links_both_ways_once()
    {
        var agent = await CallCenterAgent();
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

        var escalation = await Json(await agent.PostAsJsonAsync($"/api/call-center/tickets/{id}/escalate", Request()), HttpStatusCode.OK);
        var complaintId = escalation.GetProperty("complaint").GetProperty("id").GetGuid();
        Assert.Equal(complaintId, escalation.GetProperty("ticket").GetProperty("complaintId").GetGuid());
        Assert.Equal("escalated", escalation.GetProperty("ticket").GetProperty("status").GetString());

        var again = await Json(await agent.PostAsJsonAsync($"/api/call-center/tickets/{id}/escalate", Request()), HttpStatusCode.OK);
        Assert.Equal(complaintId, again.GetProperty("complaint").GetProperty("id").GetGuid());

        var cnss = await factory.ClientAsync("agent", "CNSS");
        var complaint = await Json(await cnss.GetAsync($"/api/complaints/{complaintId}"), HttpStatusCode.OK);
        Assert.Equal("callCenter", complaint.GetProperty("channel").GetString());
        Assert.Equal(id.ToString(), complaint.GetProperty("sourceTicketId").GetString());
        Assert.Equal(1, complaint.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Only_the_call_centre_and_supervisors_handle_tickets_and_bad_input_is_refused()
    {
        var agent = await CallCenterAgent();
        var id = await OpenAsync(agent);
        var ministry = await factory.ClientAsync("agent", "MIN-SANTE");
        var analyst = await factory.ClientAsync("analyst");
        var before = await factory.CountEventsAsync();

        await Json(await ministry.GetAsync($"/api/call-center/tickets/{id}"), HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Forbidden, (await analyst.GetAsync($"/api/call-center/tickets/{id}")).StatusCode);
        var forbidden = await Json(await ministry.PostAsJsonAsync("/api/call-center/tickets", new { channel = "email", categoryCode = "OTHER", topic = "x", language = "french" }), HttpStatusCode.Conflict);
        Assert.Equal("forbidden", forbidden.GetProperty("rule").GetString());
        var badChannel = await Json(await agent.PostAsJsonAsync("/api/call-center/tickets", new { channel = "fax", categoryCode = "OTHER", topic = "x", language = "french" }), HttpStatusCode.BadRequest);
        Assert.True(badChannel.GetProperty("errors").TryGetProperty("channel", out _));
        var badCategory = await Json(await agent.PostAsJsonAsync("/api/call-center/tickets", new { channel = "email", categoryCode = "NOPE", topic = "x", language = "french" }), HttpStatusCode.BadRequest);
        Assert.True(badCategory.GetProperty("errors").TryGetProperty("categoryCode", out _));
        Assert.Equal(before, await factory.CountEventsAsync());

        var auditor = await factory.ClientAsync("auditor");
        var history = await Json(await auditor.GetAsync($"/api/call-center/tickets/{id}/history"), HttpStatusCode.OK);
        Assert.Equal("ticket.opened", history[0].GetProperty("type").GetString());
    }
}
