using System.Net;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>Who reads personal data: administrators never; after a transfer, the receiver reads every version and the sender none.</summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class PersonalDataTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_admin_reads_and_verifies_a_candidate_account_without_its_identity()
    {
        var citizen = factory.As("citizen", subject: "candidate-pd-1");
        var email = $"pd-{Guid.NewGuid():N}@example.invalid";
        var created = await citizen.PostAsync("/api/candidates", new { fullName = "Candidat Fictif", nationalId = "ZZ000001", email }, HttpStatusCode.Created);
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal(email, created.GetProperty("email").GetString());

        var admin = factory.As("admin");
        foreach (var answer in new[] { await admin.GetAsync($"/api/candidates/{id}", HttpStatusCode.OK), await admin.PostAsync($"/api/candidates/{id}/verify", null, HttpStatusCode.OK) })
        {
            var body = answer.GetRawText();
            Assert.DoesNotContain(email, body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("ZZ000001", body, StringComparison.Ordinal);
            Assert.DoesNotContain("Candidat Fictif", body, StringComparison.Ordinal);
        }

        var auditor = await factory.As("auditor").GetAsync($"/api/candidates/{id}", HttpStatusCode.OK);
        Assert.Equal("ZZ000001", auditor.GetProperty("nationalId").GetString());
        Assert.True(auditor.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task After_a_transfer_the_former_owner_reads_no_version_and_the_receiver_reads_every_one()
    {
        var citizen = factory.As("citizen", subject: "citizen-pd-2");
        var submitted = await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created);
        var id = submitted.GetProperty("id").GetGuid();
        var sender = factory.As("agent", "MIN-SANTE");
        var receiver = factory.As("agent", "MIN-EDUCATION");
        await sender.PostAsync($"/api/complaints/{id}/acknowledge", null, HttpStatusCode.OK);
        var asOf = Uri.EscapeDataString(TimeProvider.System.GetUtcNow().ToString("O"));
        await sender.PostAsync($"/api/complaints/{id}/transfer", new { toAdministrationId = "MIN-EDUCATION", reason = "Compétence" }, HttpStatusCode.OK);

        foreach (var query in new[] { "?version=1", "?version=2", "?version=3", $"?asOf={asOf}", "" })
        {
            await sender.ProblemAsync(HttpMethod.Get, $"/api/complaints/{id}{query}", null, HttpStatusCode.NotFound);
            var seen = await receiver.GetAsync($"/api/complaints/{id}{query}", HttpStatusCode.OK);
            Assert.Equal("Amina Benali", seen.GetProperty("citizen").GetProperty("fullName").GetString());
        }

        var first = await receiver.GetAsync($"/api/complaints/{id}?version=1", HttpStatusCode.OK);
        Assert.Equal("MIN-SANTE", first.GetProperty("administrationId").GetString());
        var history = await TestHttp.Graph(receiver, "query($id: ID!) { complaint(id: $id) { stateAsOf(at: \"2000-01-01T00:00:00Z\") { version } } }", new { id });
        Assert.Equal("NOT_FOUND", history.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString());
        var before = await TestHttp.Graph(sender, "query($id: ID!) { complaint(id: $id) { id } }", new { id });
        Assert.Equal(JsonValueKind.Null, before.GetProperty("data").GetProperty("complaint").ValueKind);
    }
}
