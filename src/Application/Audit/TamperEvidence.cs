using System.Buffers;
using System.Text;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace Idarati.Application.Audit;

/// <summary>A stream's chain checked: valid, or the first version whose hash its stored event does not reproduce.</summary>
public sealed record HashChainVerification(string StreamId, bool Valid, long? FirstInvalidVersion, long EventCount);

/// <summary>
/// Tamper evidence on Marten, our thin layer over its events: each event's header "hash" is
/// SHA-256(previous hash || RFC 8785 canonical form of {"data", "stream", "timestamp", "type", "version"}), where
/// timestamp is the event's time in microseconds since 1970 (PostgreSQL keeps no finer), the first previous hash 32
/// zero bytes, and every hash lowercase hexadecimal. Marten keeps bodies as jsonb, which reorders keys and respells
/// numbers: the canonical form survives that, so anyone can recompute the chain from the stored rows.
/// </summary>
public static class TamperEvidence
{
    public const string HashHeader = "hash";

    public static string Genesis { get; } = new('0', 64);

    /// <summary>
    /// Seals the events of an append to a stream at <paramref name="expectedVersion"/> (0 for a new stream; Marten's own
    /// expected version is the one after the append), after <paramref name="previousHash"/> (<see cref="Genesis"/> for
    /// a new stream): each gets its time (truncated to microseconds, as stored) and its hash header.
    /// </summary>
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
            body.ResetWrittenCount();
            serializer.WriteTo(body, e.Data);
            previous = Link(previous, stream, expectedVersion + i + 1, e.EventTypeName, Micros(time), body.WrittenMemory);
            e.SetHeader(HashHeader, previous);
        }
    }

    /// <summary>The hash after <paramref name="previous"/> of one event, from its parts as stored.</summary>
    public static string Link(string previous, string stream, long version, string type, long timestampMicros, string dataJson)
    {
        ArgumentNullException.ThrowIfNull(dataJson);
        return Link(previous, stream, version, type, timestampMicros, Encoding.UTF8.GetBytes(dataJson));
    }

    /// <summary>The hash after <paramref name="previous"/> of one event whose body is <paramref name="dataUtf8"/>.</summary>
    public static string Link(string previous, string stream, long version, string type, long timestampMicros, ReadOnlyMemory<byte> dataUtf8)
    {
        ArgumentNullException.ThrowIfNull(previous);
        // The previous hash's 32 bytes, then the members in RFC 8785's order (data, stream, timestamp, type, version),
        // each in canonical form, written as UTF-8 into one reused buffer and hashed with one reused SHA-256 object.
        var form = Buffers.Form;
        form.ResetWrittenCount();
        if (Convert.FromHexString(previous, form.GetSpan(32), out _, out var written) != OperationStatus.Done || written != 32)
        {
            throw new FormatException("A previous hash is 64 hexadecimal digits.");
        }

        form.Advance(32);
        form.Write("{\"data\":"u8);
        using (var data = JsonDocument.Parse(dataUtf8))
        {
            CanonicalJson.Write(form, data.RootElement);
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
