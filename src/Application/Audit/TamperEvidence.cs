using System.Buffers;
using System.Text;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace Idarati.Application.Audit;

/// <summary>A stream's chain checked: valid, or the first version whose hash its stored event does not reproduce.</summary>
/// <summary>A history checked twice: its hash chain, and its events against the audit log and its signed checkpoint.</summary>
public sealed record HistoryVerification(HashChainVerification Chain, LogVerification Log)
{
    public bool Valid => Chain.Valid && Log.Valid;
}

public sealed record HashChainVerification(string StreamId, bool Valid, long? FirstInvalidVersion, long EventCount);

/// <summary>Who and what an event was recorded for: sealed beside its data by <see cref="TamperEvidence.FormV2"/>.</summary>
public readonly record struct EventEnvelope(string? Actor, string? Administration, string? Causation, string? Command, string? Correlation);

/// <summary>
/// Tamper evidence on Marten, our thin layer over its events: each event's header "hash" is SHA-256(previous hash ||
/// RFC 8785 canonical form of the event), the first previous hash 32 zero bytes, every hash lowercase hexadecimal.
/// Two forms, named by the event's "form" header (docs/audit.md lists their members):
/// <list type="bullet">
/// <item><c>idarati-event-v2</c>, every event since it exists: {"actor", "administration", "causation", "command",
/// "correlation", "data", "form", "stream", "timestamp", "type", "version"}: who acted, for which command and which
/// administration, beside what was recorded;</item>
/// <item>v1, the events stored before (no "form" header), which keep verifying as they were sealed:
/// {"data", "stream", "timestamp", "type", "version"}.</item>
/// </list>
/// The timestamp is the event's time in microseconds since 1970 (PostgreSQL keeps no finer). Marten keeps bodies as
/// jsonb, which reorders keys and respells numbers: the canonical form survives that, so anyone can recompute the chain
/// from the stored rows.
/// </summary>
public static class TamperEvidence
{
    public const string HashHeader = "hash";

    /// <summary>The header naming the canonical form an event was sealed with (absent: v1).</summary>
    public const string FormHeader = "form";

    public const string FormV2 = "idarati-event-v2";

    /// <summary>The header holding the administration the event's stream concerns after it (sealed by v2).</summary>
    public const string AdministrationHeader = "administration";

    /// <summary>The header holding the command id (sealed by v2).</summary>
    public const string CommandHeader = "commandId";

    public static string Genesis { get; } = new('0', 64);

    /// <summary>
    /// Seals the events of an append to a stream at <paramref name="expectedVersion"/> (0 for a new stream; Marten's own
    /// expected version is the one after the append), after <paramref name="previousHash"/> (<see cref="Genesis"/> for
    /// a new stream), in <see cref="FormV2"/>: each gets its time (truncated to microseconds, as stored), its form and
    /// hash headers; its actor, causation, correlation and its command and administration headers are sealed as set.
    /// </summary>
    /// <summary>
    /// Seals events appended in <paramref name="session"/>: first gives each the session's actor, correlation and
    /// causation where it has none, as Marten would when it commits, so that the seal covers what is stored.
    /// </summary>
    public static void Seal(IDocumentSession session, IReadOnlyList<IEvent> events, string stream, long expectedVersion, string previousHash, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            e.UserName ??= session.LastModifiedBy;
            e.CorrelationId ??= session.CorrelationId;
            e.CausationId ??= session.CausationId;
        }

        Seal(session.DocumentStore.Options.Serializer(), events, stream, expectedVersion, previousHash, at);
    }

    public static void Seal(ISerializer serializer, IReadOnlyList<IEvent> events, string stream, long expectedVersion, string previousHash, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(events);
        var previous = previousHash;
        var time = new DateTimeOffset(at.UtcTicks - (at.UtcTicks % 10), TimeSpan.Zero);
        var body = Buffers.Body;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            e.Timestamp = time;
            e.SetHeader(FormHeader, FormV2);
            body.ResetWrittenCount();
            serializer.WriteTo(body, e.Data);
            var envelope = new EventEnvelope(e.UserName, e.GetHeader(AdministrationHeader)?.ToString(), e.CausationId, e.GetHeader(CommandHeader)?.ToString(), e.CorrelationId);
            previous = Link(previous, stream, expectedVersion + i + 1, e.EventTypeName, Micros(time), body.WrittenMemory, envelope);
            e.SetHeader(HashHeader, previous);
        }
    }

    /// <summary>The hash after <paramref name="previous"/> of one event, from its parts as stored; v1 when <paramref name="envelope"/> is null.</summary>
    public static string Link(string previous, string stream, long version, string type, long timestampMicros, string dataJson, EventEnvelope? envelope = null)
    {
        ArgumentNullException.ThrowIfNull(dataJson);
        return Link(previous, stream, version, type, timestampMicros, Encoding.UTF8.GetBytes(dataJson), envelope);
    }

    /// <summary>The hash after <paramref name="previous"/> of one event whose body is <paramref name="dataUtf8"/>; v1 when <paramref name="envelope"/> is null.</summary>
    public static string Link(string previous, string stream, long version, string type, long timestampMicros, ReadOnlyMemory<byte> dataUtf8, EventEnvelope? envelope = null)
    {
        ArgumentNullException.ThrowIfNull(previous);
        // The previous hash's 32 bytes, then the members in RFC 8785's order (their names sorted), each in canonical
        // form, written as UTF-8 into one reused buffer and hashed with one reused SHA-256 object.
        var form = Buffers.Form;
        form.ResetWrittenCount();
        if (Convert.FromHexString(previous, form.GetSpan(32), out _, out var written) != OperationStatus.Done || written != 32)
        {
            throw new FormatException("A previous hash is 64 hexadecimal digits.");
        }

        form.Advance(32);
        if (envelope is { } v2)
        {
            form.Write("{\"actor\":"u8);
            WriteNullable(form, v2.Actor);
            form.Write(",\"administration\":"u8);
            WriteNullable(form, v2.Administration);
            form.Write(",\"causation\":"u8);
            WriteNullable(form, v2.Causation);
            form.Write(",\"command\":"u8);
            WriteNullable(form, v2.Command);
            form.Write(",\"correlation\":"u8);
            WriteNullable(form, v2.Correlation);
            form.Write(",\"data\":"u8);
        }
        else
        {
            form.Write("{\"data\":"u8);
        }

        using (var data = JsonDocument.Parse(dataUtf8))
        {
            CanonicalJson.Write(form, data.RootElement);
        }

        if (envelope is not null)
        {
            form.Write(",\"form\":"u8);
            CanonicalJson.WriteString(form, FormV2);
        }

        form.Write(",\"stream\":"u8);
        CanonicalJson.WriteString(form, stream);
        form.Write(",\"timestamp\":"u8);
        CanonicalJson.WriteNumber(form, timestampMicros);
        form.Write(",\"type\":"u8);
        CanonicalJson.WriteString(form, type);
        form.Write(",\"version\":"u8);
        CanonicalJson.WriteNumber(form, version);
        form.Write("}"u8);
        Span<byte> hash = stackalloc byte[32];
        ReusableHash.Sha256(form.WrittenSpan, hash);
        return Convert.ToHexStringLower(hash);
    }

    private static void WriteNullable(ArrayBufferWriter<byte> form, string? value)
    {
        if (value is null)
        {
            form.Write("null"u8);
        }
        else
        {
            CanonicalJson.WriteString(form, value);
        }
    }

    public static long Micros(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>One body buffer and one canonical-form buffer per thread, reused from event to event.</summary>
    private static class Buffers
    {
        [ThreadStatic]
        private static ArrayBufferWriter<byte>? _body;

        [ThreadStatic]
        private static ArrayBufferWriter<byte>? _form;

        public static ArrayBufferWriter<byte> Body => _body ??= new ArrayBufferWriter<byte>(1024);

        public static ArrayBufferWriter<byte> Form => _form ??= new ArrayBufferWriter<byte>(1024);
    }
}
