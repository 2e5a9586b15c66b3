using Idarati.Application;
using System.Security.Cryptography;
using System.Text;

namespace Idarati.Application.Complaints;

/// <summary>
/// A complaint's ids, derived so that a retried submission (same Idempotency-Key) gets the same id, tracking number and
/// access code as the first one. Tracking numbers use Crockford's base 32 (no I, L, O, U) so they read aloud safely.
/// </summary>
public static class ComplaintIdentifiers
{
    private const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public const string TrackingKeyKind = "complaint-tracking-number";

    public static string StreamId(Guid complaintId) => $"complaint-{complaintId:N}";

    public static Guid? FromStreamId(string streamId) =>
        streamId.StartsWith("complaint-", StringComparison.Ordinal) && Guid.TryParseExact(streamId["complaint-".Length..], "N", out var id) ? id : null;

    /// <summary>A complaint id for a command id: the same command always names the same complaint.</summary>
    public static Guid FromCommand(Guid commandId)
    {
        var hash = ReusableHash.Sha256(Encoding.UTF8.GetBytes($"complaint:{commandId:N}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16));
    }

    /// <summary>CHK-YYYY-XXXXX-XXXXX; <paramref name="attempt"/> picks another number in the rare case of a collision.</summary>
    public static string TrackingNumber(Guid complaintId, int year, int attempt = 0)
    {
        var hash = ReusableHash.Sha256(Encoding.UTF8.GetBytes($"tracking:{complaintId:N}:{attempt}"));
        var code = Base32(hash, 10);
        return $"CHK-{year:D4}-{code[..5]}-{code[5..]}";
    }

    public static string AccessCode(Guid complaintId, string secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            throw new InvalidOperationException("Complaints:AccessCodeSecret is not set.");
        }

        var hash = ReusableHash.HmacSha256(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"access:{complaintId:N}"));
        return Base32(hash, 8);
    }

    /// <summary>Only the hash is stored: the history never reveals the code.</summary>
    public static string HashAccessCode(string accessCode) =>
        Convert.ToHexStringLower(ReusableHash.Sha256(Encoding.UTF8.GetBytes(accessCode.Trim().ToUpperInvariant())));

    public static bool AccessCodeMatches(string? presented, string storedHash) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(HashAccessCode(presented)), Encoding.ASCII.GetBytes(storedHash));

    private static string Base32(byte[] bytes, int length)
    {
        var chars = new char[length];
        ulong buffer = BitConverter.ToUInt64(bytes, 0);
        for (var i = 0; i < length; i++)
        {
            chars[i] = Crockford[(int)(buffer & 31)];
            buffer >>= 5;
        }

        return new string(chars);
    }
}
