using System.Text.Json;
using Idarati.Application.Audit;
using Idarati.Application.Streams;
using Idarati.Projections.Audit;

namespace Idarati.Application.Complaints;

/// <summary>One event of an exported history: what it says, who did it, when, and its hash.</summary>
public sealed record ExportedEvent(
    long Version, long Sequence, string Type, DateTimeOffset RecordedAt, long RecordedAtMicros, string? Actor, string? CorrelationId,
    string? CausationId, JsonElement Headers, JsonElement Data, string Hash, long? LeafIndex, IReadOnlyList<string>? Inclusion);

/// <summary>The verdict on the chain and on the events against the audit log, as the service computed them when exporting.</summary>
public sealed record ExportVerification(bool Valid, long? FirstInvalidVersion, long EventCount, LogVerification Log);

/// <summary>
/// A complaint's whole history as one self-contained document: anyone can check its hash chain from this file alone
/// (scripts/verify-export.mjs), without the service. <see cref="CanonicalForm"/> says how each hash is computed.
/// </summary>
public sealed record ComplaintHistoryExport(
    string Format, string CanonicalForm, Guid ComplaintId, string StreamId, IReadOnlyList<ExportedEvent> Events, ExportVerification Verification,
    string? Checkpoint, string LogForm)
{
    public const string FormatV3 = "idarati-history-v3";

    public const string LogFormV1 =
        "Each event is leaf leafIndex of the audit log, an RFC 9162 Merkle tree (SHA-256; leaf hash = SHA-256(0x00 || leaf), node hash = SHA-256(0x01 " +
        "|| left || right)); leaf = 0x01 || sequence (8 bytes, big-endian) || version (8 bytes, big-endian) || hash (its 32 bytes) || UTF-8 of streamId. " +
        "inclusion is the RFC 9162 inclusion proof (base64 hashes) of that leaf in the tree of the checkpoint's size; checkpoint is the C2SP signed " +
        "note (origin, size, base64 root, signing time, Ed25519 signature), checked with a verifier key from GET /api/audit/checkpoint-keys.";

    public const string CanonicalFormV3 =
        "hash(0) = 32 zero bytes; hash(v) = SHA-256(hash(v-1) || UTF-8(JCS(e))), JCS the JSON Canonicalization Scheme (RFC 8785), hash(v-1) as its " +
        "32 bytes, every hash in lowercase hexadecimal. An event whose headers.form is \"idarati-event-v2\": e = {\"actor\": actor, \"administration\": " +
        "headers.administration, \"causation\": causationId, \"command\": headers.commandId, \"correlation\": correlationId, \"data\": data, " +
        "\"form\": \"idarati-event-v2\", \"stream\": streamId, \"timestamp\": recordedAtMicros, \"type\": type, \"version\": version}, each " +
        "missing value as null; an event without headers.form (stored before v2): e = {\"data\": data, \"stream\": streamId, \"timestamp\": " +
        "recordedAtMicros, \"type\": type, \"version\": version}; recordedAtMicros the microseconds since 1970-01-01T00:00:00Z.";

    /// <summary>Builds the document from a stream's stored rows and the verdict on them.</summary>
    public static ComplaintHistoryExport From(
        Guid complaintId, string streamId, IReadOnlyList<StoredEvent> events, HashChainVerification verification, StreamInLog log, Checkpoint? checkpoint)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(verification);
        ArgumentNullException.ThrowIfNull(log);
        var exported = events.Select((e, i) =>
        {
            using var headers = JsonDocument.Parse(e.HeadersJson);
            using var data = JsonDocument.Parse(e.DataJson);
            var place = log.Events[i];
            return new ExportedEvent(e.Version, e.Sequence, e.Type, e.Timestamp, TamperEvidence.Micros(e.Timestamp), e.Actor, e.CorrelationId,
                e.CausationId, headers.RootElement.Clone(), data.RootElement.Clone(), e.Hash, place?.LeafIndex, place?.Inclusion);
        }).ToList();
        return new ComplaintHistoryExport(FormatV3, CanonicalFormV3, complaintId, streamId, exported,
            new ExportVerification(verification.Valid && log.Verification.Valid, verification.FirstInvalidVersion, verification.EventCount, log.Verification),
            checkpoint?.Note, LogFormV1);
    }
}
