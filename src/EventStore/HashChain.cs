using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Idarati.EventStore;

/// <summary>
/// The per-stream hash chain: hash(v) = SHA-256(hash(v-1) || canonical bytes of event v), hash(0) = 32 zero bytes.
/// The canonical bytes are the UTF-8 of the stream id, version, type name, recorded time in microseconds since the
/// Unix epoch, metadata JSON and body JSON, separated by line feeds. The database function append_events computes
/// the same bytes; the JSON texts are stored verbatim (json, not jsonb), so anyone can recompute the chain.
/// </summary>
public static class HashChain
{
    public static ReadOnlySpan<byte> Genesis => new byte[32];

    public static byte[] Next(ReadOnlySpan<byte> previous, string streamId, long version, string type, DateTime recordedAtUtc, string metadata, string data)
    {
        var canonical = string.Join('\n',
            streamId,
            version.ToString(CultureInfo.InvariantCulture),
            type,
            ToUnixMicroseconds(recordedAtUtc).ToString(CultureInfo.InvariantCulture),
            metadata,
            data);
        var byteCount = Encoding.UTF8.GetByteCount(canonical);
        var buffer = byteCount + previous.Length <= 4096 ? stackalloc byte[previous.Length + byteCount] : new byte[previous.Length + byteCount];
        previous.CopyTo(buffer);
        Encoding.UTF8.GetBytes(canonical, buffer[previous.Length..]);
        return SHA256.HashData(buffer);
    }

    public static long ToUnixMicroseconds(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    /// <summary>PostgreSQL keeps microseconds: truncate before hashing or storing so both sides agree.</summary>
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);
}
