using System.Buffers;
using System.Globalization;
using System.Text;

namespace Idarati.EventStore;

/// <summary>
/// The per-stream hash chain: hash(v) = SHA-256(hash(v-1) || canonical bytes of event v), hash(0) = 32 zero bytes.
/// The canonical bytes are the UTF-8 of the stream id, version, type name, recorded time in microseconds since the
/// Unix epoch, metadata JSON and body JSON, separated by line feeds. The database functions append_event(s) compute
/// the same bytes; the JSON texts are stored verbatim (json, not jsonb), so anyone can recompute the chain.
/// </summary>
public static class HashChain
{
    private const byte LineFeed = (byte)'\n';

    public static ReadOnlySpan<byte> Genesis => new byte[32];

    public static byte[] Next(ReadOnlySpan<byte> previous, string streamId, long version, string type, DateTime recordedAtUtc, string metadata, string data)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(data);
        var utf8 = Encoding.UTF8;
        var max = previous.Length + utf8.GetMaxByteCount(streamId.Length + type.Length + metadata.Length + data.Length) + 2 * 20 + 5;
        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            var buffer = rented.AsSpan();
            previous.CopyTo(buffer);
            var n = previous.Length;
            n += utf8.GetBytes(streamId, buffer[n..]);
            buffer[n++] = LineFeed;
            version.TryFormat(buffer[n..], out var written, default, CultureInfo.InvariantCulture);
            n += written;
            buffer[n++] = LineFeed;
            n += utf8.GetBytes(type, buffer[n..]);
            buffer[n++] = LineFeed;
            ToUnixMicroseconds(recordedAtUtc).TryFormat(buffer[n..], out written, default, CultureInfo.InvariantCulture);
            n += written;
            buffer[n++] = LineFeed;
            n += utf8.GetBytes(metadata, buffer[n..]);
            buffer[n++] = LineFeed;
            n += utf8.GetBytes(data, buffer[n..]);
            return ReusableHash.Sha256(buffer[..n]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The same link from parts already in UTF-8, written to <paramref name="destination"/> (32 bytes); the canonical
    /// bytes are assembled in <paramref name="scratch"/>, grown when too small, so an import hashes without allocating.
    /// </summary>
    internal static void Next(
        ReadOnlySpan<byte> previous, ReadOnlySpan<byte> streamId, long version, ReadOnlySpan<byte> type, long recordedAtMicros,
        ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> data, ref byte[] scratch, Span<byte> destination)
    {
        var max = previous.Length + streamId.Length + type.Length + metadata.Length + data.Length + 2 * 20 + 5;
        if (scratch.Length < max)
        {
            scratch = new byte[Math.Max(max, scratch.Length * 2)];
        }

        var buffer = scratch.AsSpan();
        previous.CopyTo(buffer);
        var n = previous.Length;
        streamId.CopyTo(buffer[n..]);
        n += streamId.Length;
        buffer[n++] = LineFeed;
        version.TryFormat(buffer[n..], out var written, default, CultureInfo.InvariantCulture);
        n += written;
        buffer[n++] = LineFeed;
        type.CopyTo(buffer[n..]);
        n += type.Length;
        buffer[n++] = LineFeed;
        recordedAtMicros.TryFormat(buffer[n..], out written, default, CultureInfo.InvariantCulture);
        n += written;
        buffer[n++] = LineFeed;
        metadata.CopyTo(buffer[n..]);
        n += metadata.Length;
        buffer[n++] = LineFeed;
        data.CopyTo(buffer[n..]);
        n += data.Length;
        ReusableHash.Sha256(buffer[..n], destination);
    }

    public static long ToUnixMicroseconds(DateTime utc) => (utc.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    /// <summary>PostgreSQL keeps microseconds: truncate before hashing or storing so both sides agree.</summary>
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);
}
