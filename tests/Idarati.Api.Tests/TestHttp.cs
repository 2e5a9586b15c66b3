using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>Shared request bodies and response checks of the API tests.</summary>
public static class TestHttp
{
    /// <summary>Asserts the status code (showing the body when it differs) and parses the body.</summary>
    public static async Task<JsonElement> Json(HttpResponseMessage response, HttpStatusCode expected)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    /// <summary>POSTs a GraphQL request and parses the answer (200, or 400 for a document that does not validate).</summary>
    public static async Task<JsonElement> Graph(HttpClient client, string query, object? variables = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.PostAsJsonAsync("/graphql", new { query, variables });
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, body.GetRawText());
        return body;
    }

    /// <summary>A GraphQL request as an Alba scenario (200, or 400 for a document that does not validate).</summary>
    public static Task<JsonElement> Graph(ScenarioCaller caller, string query, object? variables = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return caller.GraphQLAsync(query, variables);
    }

    /// <summary>A valid complaint for <paramref name="administrationId"/>; tests change what they exercise.</summary>
    public static Dictionary<string, object?> Complaint(string administrationId = "MIN-SANTE", string category = "HEALTH.WAIT", string kind = "complaint", string channel = "portal") => new()
    {
        ["kind"] = kind,
        ["channel"] = channel,
        ["administrationId"] = administrationId,
        ["categoryCode"] = category,
        ["subject"] = "Attente aux urgences",
        ["description"] = "Trois heures d'attente sans prise en charge.",
        ["location"] = new { region = "Rabat-Salé-Kénitra", province = "Rabat", commune = "Agdal-Riyad" },
        ["citizen"] = new { fullName = "Amina Benali", nationalId = "AB123456", phone = "+212600000000", email = "amina@example.ma" },
    };
}
