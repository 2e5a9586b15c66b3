using System.Net;
using System.Text.Json;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>
/// The right of access and the access log: a person's export holds every stream that names them (complaint, ticket,
/// candidate account, application) in clear and every recorded read of them by staff; auditors query the log.
/// </summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class SubjectAccessTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_access_export_of_a_person_holds_every_stream_that_names_them_and_every_read_of_them()
    {
        const string Name = "Karima Accès-Testée";
        const string Cin = "KA445566";
        var person = new { fullName = Name, nationalId = Cin, phone = "0611445566", email = "karima.acces@example.ma" };
        var citizen = factory.As("citizen", subject: "access-citizen-1");
        var complaint = TestHttp.Complaint();
        complaint["citizen"] = person;
        var submitted = await citizen.PostAsync("/api/complaints", complaint, HttpStatusCode.Created);
        var complaintStream = $"complaint-{submitted.GetProperty("id").GetGuid():N}";
        var ticket = await factory.As("agent", "CENTRE-3737").PostAsync("/api/call-center/tickets",
            new { channel = "phone", categoryCode = "PROCEDURES", topic = "Suivi de sa réclamation", language = "arabic", caller = person }, HttpStatusCode.Created);
        var ticketStream = $"ticket-{ticket.GetProperty("id").GetGuid():N}";
        var ministry = factory.As("agent", "MIN-FINANCES");
        var competition = await ministry.PostAsync("/api/competitions", new
        {
            administrationId = "MIN-FINANCES", title = "Techniciens", grade = "Technicien 3e grade", posts = 5,
            applicationDeadline = TimeProvider.System.GetUtcNow().AddDays(30), acceptsElectronicApplications = true,
        }, HttpStatusCode.Created);
        var candidate = await citizen.PostAsync("/api/candidates", new { fullName = Name, nationalId = Cin, email = "karima.candidate@example.ma" }, HttpStatusCode.Created);
        var candidateId = candidate.GetProperty("id").GetGuid();
        await citizen.PostAsync($"/api/candidates/{candidateId}/verify", null, HttpStatusCode.OK);
        var application = await citizen.PostAsync("/api/applications", new { competitionId = competition.GetProperty("id").GetGuid(), candidateId }, HttpStatusCode.Created);

        // Staff read the complaint and the ticket: on record (the call centre's agent read the ticket too, in the answer to its opening).
        await factory.As("agent", "MIN-SANTE", subject: "agent-reader").GetAsync($"/api/complaints/{submitted.GetProperty("id").GetGuid()}", HttpStatusCode.OK);
        await factory.As("supervisor", subject: "supervisor-reader").GetAsync($"/api/call-center/tickets/{ticket.GetProperty("id").GetGuid()}", HttpStatusCode.OK);
        var auditor = factory.As("auditor");
        await Deadline.UntilAsync(async () => (await auditor.GetAsync($"/api/personal-data/reads?streamId={ticketStream}", HttpStatusCode.OK)).GetProperty("reads").EnumerateArray()
            .Any(r => r.GetProperty("readBy").GetString() == "Supervisor:supervisor-reader"), 30, "the supervisor's read of the ticket in the access log");
        var byAgent = await auditor.GetAsync("/api/personal-data/reads?readBy=Agent:agent-reader@MIN-SANTE", HttpStatusCode.OK);
        var row = Assert.Single(byAgent.GetProperty("reads").EnumerateArray());
        Assert.Equal((complaintStream, "GET /api/complaints/{id:guid}"), (row.GetProperty("streamId").GetString(), row.GetProperty("route").GetString()));
        Assert.Contains("citizen.nationalId", row.GetProperty("fields").EnumerateArray().Select(f => f.GetString()));

        // The officer's export: the four streams, in clear, and both reads.
        var dpo = factory.As("dpo", subject: "officer");
        var export = await dpo.PostAsync("/api/personal-data/access-requests", new { nationalId = Cin }, HttpStatusCode.OK);
        Assert.Equal("idarati-subject-access-v1", export.GetProperty("format").GetString());
        var streams = export.GetProperty("streams").EnumerateArray().ToDictionary(s => s.GetProperty("streamId").GetString()!);
        Assert.Equal([$"application-{application.GetProperty("id").GetGuid():N}", $"candidate-{candidateId:N}", complaintStream, ticketStream], streams.Keys.Order());
        Assert.Equal(Name, streams[complaintStream].GetProperty("events")[0].GetProperty("data").GetProperty("citizen").GetProperty("fullName").GetString());
        Assert.Equal(Cin, streams[ticketStream].GetProperty("events")[0].GetProperty("data").GetProperty("caller").GetProperty("nationalId").GetString());
        Assert.Equal(Name, streams[$"candidate-{candidateId:N}"].GetProperty("events")[0].GetProperty("data").GetProperty("identity").GetProperty("fullName").GetString());
        var reads = export.GetProperty("reads").EnumerateArray().Select(r => (r.GetProperty("streamId").GetString(), r.GetProperty("readBy").GetString())).ToList();
        Assert.Contains((complaintStream, "Agent:agent-reader@MIN-SANTE"), reads);
        Assert.Contains((ticketStream, "Supervisor:supervisor-reader"), reads);

        // The officer's read is on record too.
        await Deadline.UntilAsync(async () => (await auditor.GetAsync("/api/personal-data/reads?readBy=DataProtectionOfficer:officer", HttpStatusCode.OK)).GetProperty("reads").GetArrayLength() >= 3, 30, "the officer's read in the access log");

        // The citizen's door: the complaint they hold the code of, and its reads; a wrong code finds nothing.
        var tracking = submitted.GetProperty("trackingNumber").GetString();
        var mine = await factory.As(null).GetAsync($"/api/personal-data/by-tracking/{tracking}?accessCode={submitted.GetProperty("accessCode").GetString()}", HttpStatusCode.OK);
        Assert.Equal(complaintStream, Assert.Single(mine.GetProperty("streams").EnumerateArray()).GetProperty("streamId").GetString());
        Assert.Equal(Name, mine.GetProperty("streams")[0].GetProperty("events")[0].GetProperty("data").GetProperty("citizen").GetProperty("fullName").GetString());
        Assert.Contains(mine.GetProperty("reads").EnumerateArray(), r => r.GetProperty("readBy").GetString() == "Agent:agent-reader@MIN-SANTE");
        await factory.As(null).ProblemAsync(HttpMethod.Get, $"/api/personal-data/by-tracking/{tracking}?accessCode=WRONG123", null, HttpStatusCode.NotFound);

        // Who may ask.
        await factory.As("analyst").ProblemAsync(HttpMethod.Get, "/api/personal-data/reads", null, HttpStatusCode.Forbidden);
        await factory.As("auditor").ProblemAsync(HttpMethod.Post, "/api/personal-data/access-requests", new { nationalId = Cin }, HttpStatusCode.Forbidden);
        await factory.As("admin").ProblemAsync(HttpMethod.Post, "/api/personal-data/erasures", new { nationalId = Cin, reason = "x" }, HttpStatusCode.Forbidden);
        var bad = await dpo.ProblemAsync(HttpMethod.Post, "/api/personal-data/access-requests", new { nationalId = "not a CIN" }, HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("nationalId", out _));
        var none = await dpo.ProblemAsync(HttpMethod.Post, "/api/personal-data/erasures", new { reason = "x" }, HttpStatusCode.BadRequest);
        Assert.True(none.GetProperty("errors").TryGetProperty("nationalId", out _));
    }

    [Fact]
    public async Task Over_graphql_the_officer_erases_a_person_and_auditors_read_the_access_log()
    {
        var complaint = TestHttp.Complaint();
        complaint["citizen"] = new { fullName = "Youssef Graphé", nationalId = "YG101010", phone = "0612121212", email = "youssef.graphe@example.ma" };
        var submitted = await factory.As("citizen", subject: "graph-citizen").PostAsync("/api/complaints", complaint, HttpStatusCode.Created);
        var id = submitted.GetProperty("id").GetGuid();
        var agent = factory.As("agent", "MIN-SANTE", subject: "graph-agent");
        const string Read = "query($id: ID!) { complaint(id: $id) { subject description personalDataErasedAt status } }";
        var before = await TestHttp.Graph(agent, Read, new { id });
        Assert.Equal("Attente aux urgences", before.GetProperty("data").GetProperty("complaint").GetProperty("subject").GetString());

        var refused = await TestHttp.Graph(factory.As("supervisor"), "mutation { erasePersonalData(input: { nationalId: \"YG101010\", reason: \"x\" }) { erasure { streams } } }");
        Assert.Equal("FORBIDDEN", refused.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        var invalid = await TestHttp.Graph(factory.As("dpo"), "mutation { erasePersonalData(input: { reason: \"x\" }) { erasure { streams } errors { field message } } }");
        Assert.Equal("nationalId", invalid.GetProperty("data").GetProperty("erasePersonalData").GetProperty("errors")[0].GetProperty("field").GetString());
        var erased = await TestHttp.Graph(factory.As("dpo"), "mutation($t: String!) { erasePersonalData(input: { trackingNumber: $t, reason: \"Demande\" }) { erasure { streams erasedAt } errors { field } } }",
            new { t = submitted.GetProperty("trackingNumber").GetString() });
        Assert.Equal($"complaint-{id:N}", erased.GetProperty("data").GetProperty("erasePersonalData").GetProperty("erasure").GetProperty("streams")[0].GetString());

        var after = await TestHttp.Graph(agent, Read, new { id });
        Assert.False(after.TryGetProperty("errors", out _), after.GetRawText());
        var shown = after.GetProperty("data").GetProperty("complaint");
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null, JsonValueKind.String), (shown.GetProperty("subject").ValueKind, shown.GetProperty("description").ValueKind, shown.GetProperty("personalDataErasedAt").ValueKind));

        // The first read revealed fields and is on record; the one after the erasure revealed none and is not.
        const string Log = "query($s: String) { personalDataReads(streamId: $s) { reads { readBy route fields } next freshness { final } } }";
        JsonElement reads = default;
        await Deadline.UntilAsync(async () =>
        {
            reads = (await TestHttp.Graph(factory.As("auditor"), Log, new { s = $"complaint-{id:N}" })).GetProperty("data").GetProperty("personalDataReads");
            return reads.GetProperty("freshness").GetProperty("final").GetBoolean() && reads.GetProperty("reads").GetArrayLength() > 0;
        }, 30, "the access log's read model");
        var row = Assert.Single(reads.GetProperty("reads").EnumerateArray());
        Assert.Equal(("Agent:graph-agent@MIN-SANTE", "POST /graphql"), (row.GetProperty("readBy").GetString(), row.GetProperty("route").GetString()));
        var analyst = await TestHttp.Graph(factory.As("analyst"), Log, new { s = "x" });
        Assert.Equal("FORBIDDEN", analyst.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());

        // A caller who says who they are, over GraphQL: sealed like any person, opened for the centre, erased with them (the ticket read over REST: GraphQL lists tickets without their text).
        var centre = factory.As("agent", "CENTRE-3737");
        var opened = await TestHttp.Graph(centre, """
            mutation { openTicket(input: { channel: PHONE, categoryCode: "PROCEDURES", topic: "Rappel demandé", language: FRENCH,
              caller: { fullName: "Samir Appelant", nationalId: "SA303030", phone: "0613131313", email: "samir.appelant@example.ma" } }) {
              ticket { id topic caller { fullName nationalId } personalDataErasedAt } errors { field } } }
            """);
        var ticket = opened.GetProperty("data").GetProperty("openTicket").GetProperty("ticket");
        Assert.Equal(("Rappel demandé", "SA303030"), (ticket.GetProperty("topic").GetString(), ticket.GetProperty("caller").GetProperty("nationalId").GetString()));
        await TestHttp.Graph(factory.As("dpo"), "mutation { erasePersonalData(input: { nationalId: \"SA303030\", reason: \"Demande\" }) { erasure { streams } } }");
        var erasedTicket = await centre.GetAsync($"/api/call-center/tickets/{ticket.GetProperty("id").GetString()}", HttpStatusCode.OK);
        Assert.Equal((JsonValueKind.Null, JsonValueKind.Null, JsonValueKind.String),
            (erasedTicket.GetProperty("topic").ValueKind, erasedTicket.GetProperty("caller").GetProperty("fullName").ValueKind, erasedTicket.GetProperty("personalDataErasedAt").ValueKind));
    }
}
