using System.Net;
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
