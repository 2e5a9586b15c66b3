using System.Text.Json;
using Idarati.EventStore;

namespace Idarati.Application.Complaints;

/// <summary>One event of an exported history: what it says, who did it, and the exact bytes its hash covers.</summary>
public sealed record ExportedEvent(
    long Version, long Position, string Type, DateTimeOffset RecordedAt, long RecordedAtMicros, string? Actor,
    JsonElement Metadata, JsonElement Data, string MetadataJson, string DataJson, string Hash);

/// <summary>The verdict on the chain, as the service computed it when exporting.</summary>
public sealed record ExportVerification(bool Valid, long? FirstInvalidVersion, long EventCount);

/// <summary>
/// A complaint's whole history as one self-contained document: anyone can check its hash chain from this file alone
/// (scripts/verify-export.mjs), without the service. <see cref="CanonicalForm"/> says how each hash is computed.
/// </summary>
public sealed record ComplaintHistoryExport(
    string Format, string CanonicalForm, Guid ComplaintId, string StreamId, IReadOnlyList<ExportedEvent> Events, ExportVerification Verification)
{
    public const string FormatV1 = "idarati-history-v1";

    public const string CanonicalFormV1 =
        "hash(0) = 32 zero bytes; hash(v) = SHA-256(hash(v-1) || UTF-8(streamId LF version LF type LF recordedAtMicros LF metadataJson LF dataJson)), " +
        "LF a line feed, version and recordedAtMicros (microseconds since 1970-01-01T00:00:00Z) in decimal, metadataJson and dataJson the exact " +
        "stored texts given in this document; every hash in lowercase hexadecimal.";

    /// <summary>Builds the document from a stream's stored rows and the store's verdict on them.</summary>
    public static ComplaintHistoryExport From(Guid complaintId, string streamId, IReadOnlyList<RawEvent> events, HashChainVerification verification)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(verification);
        var exported = events.Select(e =>
        {
            using var metadata = JsonDocument.Parse(e.Metadata);
            using var data = JsonDocument.Parse(e.Data);
            var actor = metadata.RootElement.TryGetProperty("actor", out var a) ? a.GetString() : null;
            return new ExportedEvent(e.Version, e.Position, e.Type, e.RecordedAt, HashChain.ToUnixMicroseconds(e.RecordedAt.UtcDateTime), actor,
                metadata.RootElement.Clone(), data.RootElement.Clone(), e.Metadata, e.Data, Convert.ToHexStringLower(e.Hash));
        }).ToList();
        return new ComplaintHistoryExport(FormatV1, CanonicalFormV1, complaintId, streamId, exported,
            new ExportVerification(verification.Valid, verification.FirstInvalidVersion, verification.EventCount));
    }
}
