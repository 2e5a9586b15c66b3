using Idarati.GraphQL.Http;

namespace Idarati.Api.GraphQL;

/// <summary>
/// The front ends' GraphQL documents (docs/queries/*.graphql), embedded in the assembly at build time: the trusted
/// documents, keyed by the SHA-256 of their text. tests/conformance/queries.mjs validates each against the schema in
/// ./test.sh, and TrustedDocumentTests runs them by id.
/// </summary>
public static class FrontEndDocuments
{
    private const string Prefix = "Idarati.Api.queries.";

    /// <summary>GET /graphql/documents: every trusted document's id and name.</summary>
    public sealed record Manifest(IReadOnlyList<Entry> Documents);

    public sealed record Entry(string Id, string Name);

    public static TrustedDocuments Load()
    {
        var assembly = typeof(FrontEndDocuments).Assembly;
        var documents = assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".graphql", StringComparison.Ordinal))
            .Select(n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
                return (Name: n[Prefix.Length..^".graphql".Length], Text: reader.ReadToEnd());
            })
            .ToList();
        return documents.Count > 0 ? new TrustedDocuments(documents) : throw new InvalidOperationException("No trusted document is embedded: docs/queries/*.graphql were not built in.");
    }
}
