using System.Security.Cryptography;

namespace Idarati.Application;

/// <summary>
/// SHA-256 and HMAC-SHA-256 with one hash object per thread. The one-shot APIs (SHA256.HashData, HMACSHA256.HashData)
/// set up and free an OpenSSL context at every call, which costs more than hashing the few hundred bytes of an event.
/// </summary>
public static class ReusableHash
{
    [ThreadStatic]
    private static IncrementalHash? _sha256;

    [ThreadStatic]
    private static (byte[] Key, IncrementalHash Hmac)? _hmac;

    public static byte[] Sha256(ReadOnlySpan<byte> data)
    {
        var hash = new byte[32];
        Sha256(data, hash);
        return hash;
    }

    /// <summary>The SHA-256 of <paramref name="data"/> written to <paramref name="destination"/> (32 bytes): no allocation.</summary>
    public static void Sha256(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var sha256 = _sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha256.AppendData(data);
        sha256.GetHashAndReset(destination);
    }

    /// <summary>HMAC-SHA-256 of <paramref name="data"/>; the thread keeps the object of the last key it used.</summary>
    public static byte[] HmacSha256(byte[] key, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_hmac is not { } cached || !cached.Key.AsSpan().SequenceEqual(key))
        {
            _hmac?.Hmac.Dispose();
            cached = (key.ToArray(), IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key));
            _hmac = cached;
        }

        cached.Hmac.AppendData(data);
        return cached.Hmac.GetHashAndReset();
    }
}
