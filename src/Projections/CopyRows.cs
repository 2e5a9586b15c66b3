using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Npgsql;

namespace Idarati.Projections;

/// <summary>
/// Rows in PostgreSQL's binary COPY format (a 16-bit field count per row, then each field as a 32-bit length and its
/// bytes in the type's binary representation), built in memory so that several threads can encode parts of one import
/// while the database is busy, and sent as they are. Npgsql's row-by-row importer costs an async call per value; an
/// import of a million events spent more time there than the server spent storing them. Projections use it too, to
/// write the new rows of a batch (a COPY costs the server a fraction of an INSERT ... SELECT FROM unnest).
/// Each row must write exactly the fields its <see cref="StartRow"/> announced, in the COPY's column order.
/// </summary>
public sealed class CopyRows(int capacity = 64 * 1024) : IDisposable
{
    private static readonly long PostgresEpochTicks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    // Pooled: an import encodes megabytes per batch, and fresh large arrays would each cost a full collection.
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(capacity);

    public int Length { get; private set; }

    public int Rows { get; private set; }

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, Length);

    public void StartRow(short fields)
    {
        BinaryPrimitives.WriteInt16BigEndian(Reserve(2), fields);
        Rows++;
    }

    public void Int64(long value)
    {
        var span = Reserve(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], value);
    }

    public void Int32(int value)
    {
        var span = Reserve(8);
        BinaryPrimitives.WriteInt32BigEndian(span, 4);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], value);
    }

    public void Boolean(bool value)
    {
        var span = Reserve(5);
        BinaryPrimitives.WriteInt32BigEndian(span, 1);
        span[4] = value ? (byte)1 : (byte)0;
    }

    /// <summary>SQL NULL, for a column of any type.</summary>
    public void Null() => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), -1);

    public void Boolean(bool? value)
    {
        if (value is { } v)
        {
            Boolean(v);
        }
        else
        {
            Null();
        }
    }

    public void Timestamp(DateTimeOffset? value)
    {
        if (value is { } v)
        {
            Timestamp(v.UtcDateTime);
        }
        else
        {
            Null();
        }
    }

    /// <summary>A timestamptz: microseconds since 2000-01-01 UTC.</summary>
    public void Timestamp(DateTime utc) => Int64((utc.Ticks - PostgresEpochTicks) / 10);

    public void Uuid(Guid value)
    {
        var span = Reserve(20);
        BinaryPrimitives.WriteInt32BigEndian(span, 16);
        value.TryWriteBytes(span[4..], bigEndian: true, out _);
    }

    /// <summary>text, or json (whose binary form is its text), as UTF-8; null writes SQL NULL.</summary>
    public void Text(string? value)
    {
        if (value is null)
        {
            Null();
            return;
        }

        var span = Reserve(4 + Encoding.UTF8.GetMaxByteCount(value.Length));
        var written = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32BigEndian(span, written);
        Length -= span.Length - 4 - written;
    }

    /// <summary>bytea, or text and json already in UTF-8.</summary>
    public void Bytes(ReadOnlySpan<byte> value)
    {
        var span = Reserve(4 + value.Length);
        BinaryPrimitives.WriteInt32BigEndian(span, value.Length);
        value.CopyTo(span[4..]);
    }

    private Span<byte> Reserve(int count)
    {
        if (Length + count > _buffer.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(Length + count, _buffer.Length * 2));
            _buffer.AsSpan(0, Length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }

        var span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        Length = 0;
    }

    // The binary COPY header: signature, flags (no OIDs), no header extension; the trailer is a field count of -1.
    private static readonly byte[] Header = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];
    private static readonly byte[] Trailer = [0xFF, 0xFF];

    /// <summary>Copies the parts' rows, in order, into a table's columns in one COPY; returns the number of rows.</summary>
    public static async Task<int> CopyAsync(NpgsqlConnection connection, string table, string columns, IReadOnlyList<CopyRows> parts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(parts);
        var rows = parts.Sum(p => p.Rows);
        if (rows == 0)
        {
            return 0;
        }

        await using var copy = await connection.BeginRawBinaryCopyAsync($"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        await copy.WriteAsync(Header, cancellationToken).ConfigureAwait(false);
        foreach (var part in parts)
        {
            await copy.WriteAsync(part.Written, cancellationToken).ConfigureAwait(false);
        }

        await copy.WriteAsync(Trailer, cancellationToken).ConfigureAwait(false);
        return rows;
    }
}
