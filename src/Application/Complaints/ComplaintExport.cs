using System.Text.Json;
using Idarati.Application.Audit;
using Idarati.Application.Streams;

namespace Idarati.Application.Complaints;

/// <summary>One event of an exported history: what it says, who did it, when, and its hash.</summary>
public sealed record ExportedEvent(
    long Version, long Sequence, string Type, DateTimeOffset RecordedAt, long RecordedAtMicros, string? Actor, string? CorrelationId,
    string? CausationId, JsonElement Headers, JsonElement Data, string Hash);

/// <summary>The verdict on the chain, as the service computed it when exporting.</summary>
public sealed record ExportVerification(bool Valid, long? FirstInvalidVersion, long EventCount);

/// <summary>
/// A complaint's whole history as one self-contained document: anyone can check its hash chain from this file alone
/// (scripts/verify-export.mjs), without the service. <see cref="CanonicalForm"/> says how each hash is computed.
/// </summary>
public sealed record ComplaintHistoryExport(
    string Format, string CanonicalForm, Guid ComplaintId, string StreamId, IReadOnlyList<ExportedEvent> Events, ExportVerification Verification)
{
    public const string FormatV3 = "idarati-history-v3";

    public const string CanonicalFormV3 =
        "hash(0) = 32 zero bytes; hash(v) = SHA-256(hash(v-1) || UTF-8(JCS(e))), JCS the JSON Canonicalization Scheme (RFC 8785), hash(v-1) as its " +
        "32 bytes, every hash in lowercase hexadecimal. An event whose headers.form is \"idarati-event-v2\": e = {\"actor\": actor, \"administration\": " +
        "headers.administration, \"causation\": causationId, \"command\": headers.commandId, \"correlation\": correlationId, \"data\": data, " +
        "\"form\": \"idarati-event-v2\", \"stream\": streamId, \"timestamp\": recordedAtMicros, \"type\": type, \"version\": version}, each " +
        "missing value as null; an event without headers.form (stored before v2): e = {\"data\": data, \"stream\": streamId, \"timestamp\": " +
        "recordedAtMicros, \"type\": type, \"version\": version}; recordedAtMicros the microseconds since 1970-01-01T00:00:00Z.";

    /// <summary>Builds the document from a stream's stored rows and the verdict on them.</summary>
    public static ComplaintHistoryExport From(Guid complaintId, string streamId, IReadOnlyList<StoredEvent> events, HashChainVerification verification)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(verification);
        var exported = events.Select(e =>
        {
            using var headers = JsonDocument.Parse(e.HeadersJson);
            using var data = JsonDocument.Parse(e.DataJson);
            return new ExportedEvent(e.Version, e.Sequence, e.Type, e.Timestamp, TamperEvidence.Micros(e.Timestamp), e.Actor, e.CorrelationId,
                e.CausationId, headers.RootElement.Clone(), data.RootElement.Clone(), e.Hash);
        }).ToList();
        return new ComplaintHistoryExport(FormatV3, CanonicalFormV3, complaintId, streamId, exported,
            new ExportVerification(verification.Valid, verification.FirstInvalidVersion, verification.EventCount));
    }
}
