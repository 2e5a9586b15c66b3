using System.Security.Cryptography;
using System.Text;

namespace Idarati.GraphQL.Http;

/// <summary>
/// The documents the front ends ship, keyed by the SHA-256 of their UTF-8 text ("sha256:" and 64 lower-case hex
/// digits, as the GraphQL over HTTP persisted-documents proposal spells it). A request may name one by documentId
/// instead of sending its text; with <see cref="GraphQLHttpOptions.TrustedDocumentsOnly"/> no other is run.
/// </summary>
public sealed class TrustedDocuments
{
    private readonly Dictionary<string, (string Name, string Text)> _byId;

    public TrustedDocuments(IEnumerable<(string Name, string Text)> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        _byId = documents.ToDictionary(d => IdOf(d.Text), d => d, StringComparer.Ordinal);
    }

    /// <summary>Every document: its id and its name (the file it comes from).</summary>
    public IReadOnlyList<(string Id, string Name)> Manifest => [.. _byId.Select(d => (d.Key, d.Value.Name)).OrderBy(d => d.Name, StringComparer.Ordinal)];

    /// <summary>"sha256:" and the SHA-256 of <paramref name="text"/>'s UTF-8 bytes in lower-case hex.</summary>
    public static string IdOf(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The text of the document <paramref name="id"/> names, or null when there is none.</summary>
    public string? Find(string id) => _byId.TryGetValue(id, out var document) ? document.Text : null;

    /// <summary>Whether <paramref name="text"/> is, byte for byte, one of the documents.</summary>
    public bool Contains(string text) => _byId.ContainsKey(IdOf(text));
}
