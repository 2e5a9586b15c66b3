using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>
/// Sign-in through a ministry's OpenID Connect provider, a real one run locally (oidc-provider from npm,
/// tests/conformance/oidc-provider.mjs): its discovery document and JWKS are followed, its claims mapped by
/// configuration, a key rotation is followed without a restart, and the token-shape rules hold for its tokens too.
/// </summary>
public sealed class SignInTests
{
    [Fact]
    public async Task A_ministrys_provider_signs_users_in_its_claims_mapped_its_key_rotation_followed_and_odd_tokens_refused()
    {
        var directory = Directory.CreateTempSubdirectory("idarati-oidc-");
        var keys = Path.Combine(directory.FullName, "keys.json");
        var port = Tools.FreePort();
        var issuer = $"http://127.0.0.1:{port}";
        var provider = await StartProviderAsync(port, keys);
        try
        {
            await using var node = new ApiFactory
            {
                Settings =
                {
                    ["Auth:Authority"] = issuer, ["Auth:RequireHttpsMetadata"] = "false", ["Auth:Audience"] = "idarati-ministry",
                    ["Auth:Claims:Role"] = "idarati_role", ["Auth:Claims:Administration"] = "ministry_unit", ["Auth:KeysRefreshInterval"] = "00:00:01",
                },
            };
            // The service's own tokens still work beside the provider's.
            var id = (await node.As("citizen", subject: "oidc-citizen").PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
            using var client = node.CreateClient();

            // An agent of MIN-SANTE, signed in at the provider: its role and administration come from the mapped claims.
            var agent = await TokenAsync(issuer, "agent-sante");
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, HttpMethod.Post, $"/api/complaints/{id}/acknowledge", agent));
            var history = await client.SendAsync(Request(HttpMethod.Get, $"/api/complaints/{id}/history", agent));
            Assert.Contains("agent-sante", await history.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            // An analyst: indicators yes, a complaint's action no.
            var analyst = await TokenAsync(issuer, "analyst-hcp");
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, HttpMethod.Get, "/api/indicators/complaints/processing", analyst));
            Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(client, HttpMethod.Post, $"/api/complaints/{id}/answer", analyst));

            // The token-shape rules: an agent with two administrations is refused; so is a token signed by a key the provider never published.
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, HttpMethod.Get, "/api/complaints", await TokenAsync(issuer, "two-units")));
            var forged = (await Tools.NodeAsync("oidc-provider.mjs", "forge", issuer, "idarati-ministry")).Output.Trim();
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(client, HttpMethod.Get, "/api/indicators/complaints/processing", forged));

            // The provider rotates its key and restarts: its new tokens are accepted at once, by the same running service.
            provider.Kill();
            await provider.WaitForExitAsync();
            provider.Dispose();
            Assert.Equal(0, (await Tools.NodeAsync("oidc-provider.mjs", "rotate", keys)).Code);
            provider = await StartProviderAsync(port, keys);
            var rotated = await TokenAsync(issuer, "analyst-hcp");
            Assert.NotEqual(Kid(analyst), Kid(rotated));
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(client, HttpMethod.Get, "/api/indicators/complaints/processing", rotated));
        }
        finally
        {
            provider.Kill();
            await provider.WaitForExitAsync();
            provider.Dispose();
            directory.Delete(recursive: true);
        }
    }

    private static async Task<Process> StartProviderAsync(int port, string keys)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = Tools.Conformance, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "oidc-provider.mjs", "serve", port.ToString(System.Globalization.CultureInfo.InvariantCulture), keys })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var listening = false;
        process.OutputDataReceived += (_, line) => listening |= line.Data?.StartsWith("listening", StringComparison.Ordinal) == true;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await Deadline.UntilAsync(() => Task.FromResult(listening || process.HasExited), 30, "oidc-provider to listen");
        Assert.False(process.HasExited, "oidc-provider stopped (npm ci in tests/conformance?)");
        return process;
    }

    /// <summary>A token from the provider's token endpoint (client credentials: the client stands for a user).</summary>
    private static async Task<string> TokenAsync(string issuer, string clientId)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{issuer}/token") { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{clientId}:{clientId}-secret")));
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    private static string Kid(string token) =>
        JsonDocument.Parse(Convert.FromBase64String(Pad(token.Split('.')[0].Replace('-', '+').Replace('_', '/')))).RootElement.GetProperty("kid").GetString()!;

    private static string Pad(string base64) => base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');

    private static HttpRequestMessage Request(HttpMethod method, string url, string token)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (method == HttpMethod.Post)
        {
            request.Content = JsonContent.Create(new { text = "Réponse.", outcome = "favourable" });
        }

        return request;
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, HttpMethod method, string url, string token)
    {
        using var request = Request(method, url, token);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

}
