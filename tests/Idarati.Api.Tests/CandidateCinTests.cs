using System.Net;
using System.Net.Http.Json;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>
/// One candidate account per national identity, as emploi-public.ma keeps it: the CIN is a unique key claimed with the
/// account's first event (as its lookup hash), normalised once, refused with 409 naming the field on both doors.
/// </summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class CandidateCinTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private ScenarioCaller Citizen() => factory.As("citizen", subject: "cin-" + Guid.NewGuid().ToString("N")[..10]);

    private static string Email() => $"{Guid.NewGuid():N}@example.invalid";

    [Fact]
    public async Task A_second_account_for_the_same_CIN_however_it_is_spelt_gets_409_naming_the_field()
    {
        var owner = Citizen();
        var first = await owner.PostAsync("/api/candidates", new { fullName = "Salma Idrissi", nationalId = " cd 112\u00a0233 ", email = Email() }, HttpStatusCode.Created);
        var account = await owner.GetAsync($"/api/candidates/{first.GetProperty("id").GetGuid()}", HttpStatusCode.OK);
        Assert.Equal("CD112233", account.GetProperty("nationalId").GetString());

        foreach (var spelling in new[] { "CD112233", "cd112233", "Cd 11 22 33", "\u200bCD112233" })
        {
            var refused = await Citizen().ProblemAsync(HttpMethod.Post, "/api/candidates", new { fullName = "Autre Personne", nationalId = spelling, email = Email() }, HttpStatusCode.Conflict);
            Assert.Equal(409, refused.GetProperty("status").GetInt32());
            Assert.Equal("unique-nationalId", refused.GetProperty("rule").GetString());
            Assert.True(refused.GetProperty("errors").TryGetProperty("nationalId", out _), refused.GetRawText());
            Assert.False(refused.GetProperty("errors").TryGetProperty("email", out _));
        }

        // The e-mail is the other unique key, refused the same way.
        var email = Email();
        await Citizen().PostAsync("/api/candidates", new { fullName = "Karim Alaoui", nationalId = "EE445566", email }, HttpStatusCode.Created);
        var sameEmail = await Citizen().ProblemAsync(HttpMethod.Post, "/api/candidates", new { fullName = "Karim Alaoui", nationalId = "EE445567", email = email.ToUpperInvariant() }, HttpStatusCode.Conflict);
        Assert.True(sameEmail.GetProperty("errors").TryGetProperty("email", out _), sameEmail.GetRawText());

        // Refusals claim nothing: the refused CINs are still free for their own holders.
        Assert.Equal(2L, await factory.ScalarAsync<long>("SELECT count(*) FROM {s}.mt_doc_streamkeyclaim WHERE id LIKE 'candidate-cin:%'"));
        Assert.Equal(2L, await factory.ScalarAsync<long>("SELECT count(*) FROM {s}.mt_streams WHERE id LIKE 'candidate-%'"));
    }

    [Fact]
    public async Task The_CIN_is_claimed_as_a_keyed_hash_never_in_clear()
    {
        await Citizen().PostAsync("/api/candidates", new { fullName = "Nadia Berrada", nationalId = "JK765432", email = Email() }, HttpStatusCode.Created);
        var claims = await factory.ScalarAsync<string>("SELECT string_agg(id || ' ' || data::text, ' ') FROM {s}.mt_doc_streamkeyclaim WHERE id LIKE 'candidate-%'");
        Assert.Contains("candidate-cin:", claims, StringComparison.Ordinal);
        Assert.DoesNotContain("JK765432", claims, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Two_accounts_racing_for_one_CIN_end_as_one_account_and_one_409()
    {
        var cin = "RC" + Random.Shared.Next(100_000, 999_999);
        var clients = new List<HttpClient>();
        for (var i = 0; i < 6; i++)
        {
            clients.Add(await factory.ClientAsync("citizen", subject: "race-" + Guid.NewGuid().ToString("N")[..8]));
        }

        var statuses = await Task.WhenAll(clients.Select(async client =>
        {
            using var response = await client.PostAsJsonAsync("/api/candidates", new { fullName = "Même Personne", nationalId = cin, email = Email() });
            return response.StatusCode;
        }));
        clients.ForEach(c => c.Dispose());
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(5, statuses.Count(s => s == HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task GraphQL_answers_the_second_account_in_its_payload_with_the_code_and_the_field()
    {
        const string Create = "mutation ($c: String!, $e: String!) { createCandidate(input: { fullName: \"Yassine Tazi\", nationalId: $c, email: $e }) { candidate { id } errors { code field rule } } }";
        var created = await TestHttp.Graph(Citizen(), Create, new { c = "gh 998877", e = Email() });
        Assert.Equal(System.Text.Json.JsonValueKind.Object, created.GetProperty("data").GetProperty("createCandidate").GetProperty("candidate").ValueKind);

        var again = (await TestHttp.Graph(Citizen(), Create, new { c = "GH998877", e = Email() })).GetProperty("data").GetProperty("createCandidate");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, again.GetProperty("candidate").ValueKind);
        var error = again.GetProperty("errors")[0];
        Assert.Equal(("ALREADY_EXISTS", "nationalId", "unique-nationalId"), (error.GetProperty("code").GetString(), error.GetProperty("field").GetString(), error.GetProperty("rule").GetString()));
    }

    [Fact]
    public async Task The_seed_claims_one_CIN_per_candidate_and_the_service_refuses_a_seeded_CIN()
    {
        var schema = await TestStores.SeededSchemaAsync("cinseed", 0.01);

        await using var seeded = new ApiFactory { Schema = schema };
        var candidates = await seeded.ScalarAsync<long>("SELECT count(*) FROM {s}.mt_streams WHERE id LIKE 'candidate-%'");
        Assert.True(candidates > 0);
        Assert.Equal(candidates, await seeded.ScalarAsync<long>("SELECT count(DISTINCT id) FROM {s}.mt_doc_streamkeyclaim WHERE id LIKE 'candidate-cin:%'"));

        var refused = await seeded.As("citizen", subject: "cin-seeded").ProblemAsync(HttpMethod.Post, "/api/candidates",
            new { fullName = "Candidat synthétique 000001", nationalId = "c0000001", email = Email() }, HttpStatusCode.Conflict);
        Assert.True(refused.GetProperty("errors").TryGetProperty("nationalId", out _), refused.GetRawText());
    }
}
