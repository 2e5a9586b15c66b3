using System.Net;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>
/// One caller of the API (a role, an agent's administration, a citizen's subject) sending Alba scenarios: each request
/// states the status it must answer (Alba fails the test with the response otherwise) and gives back the JSON answer.
/// </summary>
public sealed class ScenarioCaller(ApiFactory factory, string? role, string? administrationId = null, string? subject = null)
{
    public Task<JsonElement> GetAsync(string url, HttpStatusCode expected) => SendAsync(HttpMethod.Get, url, null, expected);

    public Task<JsonElement> PostAsync(string url, object? body, HttpStatusCode expected) => SendAsync(HttpMethod.Post, url, body, expected);

    private async Task<JsonElement> SendAsync(HttpMethod method, string url, object? body, HttpStatusCode expected)
    {
        var result = await factory.ScenarioAsync(role, s =>
        {
            if (method == HttpMethod.Get)
            {
                s.Get.Url(url);
            }
            else if (body is null)
            {
                s.Post.Url(url);
            }
            else
            {
                s.Post.Json(body).ToUrl(url);
            }

            s.StatusCodeShouldBe(expected);
        }, administrationId, subject);
        var text = await result.ReadAsTextAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
