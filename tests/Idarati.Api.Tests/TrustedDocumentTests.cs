using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Idarati.Api.Tests;

/// <summary>
/// Trusted documents: the front ends' documents (docs/queries) are listed by the SHA-256 of their text, a request may
/// name one by documentId, and with GraphQL:TrustedDocumentsOnly any other text is refused before it is parsed.
/// </summary>
public sealed class TrustedDocumentTests
{
    private static string Id(string text) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static readonly string TrackingReport = File.ReadAllText(Path.Combine(Tools.Repository, "docs", "queries", "trackingReport.graphql"));

    [Fact]
    public async Task The_manifest_lists_every_front_end_document_by_the_sha256_of_its_text_and_a_request_may_send_its_id_instead_of_its_text()
    {
        await using var node = new ApiFactory();
        var files = Directory.GetFiles(Path.Combine(Tools.Repository, "docs", "queries"), "*.graphql");
        var manifest = (await node.As(null).GetAsync("/graphql/documents", HttpStatusCode.OK)).GetProperty("documents").EnumerateArray()
            .ToDictionary(d => d.GetProperty("name").GetString()!, d => d.GetProperty("id").GetString()!);
        Assert.Equal(files.Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal), manifest.Keys.Order(StringComparer.Ordinal));
        Assert.All(files, f => Assert.Equal(Id(File.ReadAllText(f)), manifest[Path.GetFileNameWithoutExtension(f)]));

        using var analyst = await node.ClientAsync("analyst");
        var byPost = await PostAsync(analyst, new { documentId = Id(TrackingReport) });
        Assert.Equal(HttpStatusCode.OK, byPost.Status);
        Assert.True(byPost.Body.GetProperty("data").GetProperty("indicators").GetProperty("report").GetProperty("sections").GetArrayLength() > 0, byPost.Body.GetRawText());
        var byGet = await analyst.GetAsync($"/graphql?documentId={Uri.EscapeDataString(Id(TrackingReport))}");
        Assert.Equal(HttpStatusCode.OK, byGet.StatusCode);
        Assert.Contains("\"sections\"", await byGet.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Off by default outside Production: any document runs.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(analyst, new { query = "{ indicators { report { position } } }" })).Status);
    }

    [Fact]
    public async Task With_trusted_documents_only_any_other_text_is_refused_before_parsing_and_a_wrong_id_is_named()
    {
        await using var node = new ApiFactory { Settings = { ["GraphQL:TrustedDocumentsOnly"] = "true" } };
        using var analyst = await node.ClientAsync("analyst");

        // Not a trusted document, not even GraphQL: refused for what it is, not for its syntax.
        foreach (var text in new[] { "{ indicators { report { position } } }", "{{{ not graphql" })
        {
            var refused = await PostAsync(analyst, new { query = text });
            Assert.Equal((HttpStatusCode.BadRequest, "PERSISTED_QUERY_REQUIRED"), (refused.Status, Code(refused.Body)));
            Assert.Contains("GraphQL:TrustedDocumentsOnly", refused.Body.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.False(refused.Body.TryGetProperty("data", out _));
        }

        // A trusted document runs by its id, or by its exact text.
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(analyst, new { documentId = Id(TrackingReport) })).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(analyst, new { query = TrackingReport })).Status);

        var unknown = await PostAsync(analyst, new { documentId = "sha256:" + new string('0', 64) });
        Assert.Equal((HttpStatusCode.BadRequest, "PERSISTED_QUERY_NOT_FOUND"), (unknown.Status, Code(unknown.Body)));
        var mismatch = await PostAsync(analyst, new { documentId = Id(TrackingReport), query = "{ __typename }" });
        Assert.Equal((HttpStatusCode.BadRequest, "BAD_USER_INPUT"), (mismatch.Status, Code(mismatch.Body)));
        var neither = await PostAsync(analyst, new { variables = new { } });
        Assert.Equal(HttpStatusCode.BadRequest, neither.Status);
        Assert.Contains("documentId", neither.Body.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static string? Code(JsonElement body) => body.GetProperty("errors")[0].GetProperty("extensions").GetProperty("code").GetString();

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/graphql") { Content = JsonContent.Create(body) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/graphql-response+json"));
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
