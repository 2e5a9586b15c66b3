using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Idarati.Projections.Audit;
using NSec.Cryptography;

namespace Idarati.Application.Audit;

/// <summary>
/// The key that signs the audit log's checkpoints: Ed25519, written as a C2SP signed-note key. The signer key
/// (Audit:CheckpointKey) is "PRIVATE+KEY+&lt;name&gt;+&lt;key hash&gt;+&lt;base64(0x01 ‖ 32-byte seed)&gt;"; the verifier key anyone may hold
/// is "&lt;name&gt;+&lt;key hash&gt;+&lt;base64(0x01 ‖ 32-byte public key)&gt;", the key hash being the first four bytes of
/// SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key), in hexadecimal. Go's golang.org/x/mod/sumdb/note reads both.
/// </summary>
public sealed class CheckpointKey : IDisposable
{
    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;
    private readonly Key _key;

    private CheckpointKey(string name, Key key)
    {
        Name = name;
        _key = key;
        PublicKey = key.PublicKey.Export(KeyBlobFormat.RawPublicKey);
        KeyHash = Hash(name, PublicKey);
    }

    public string Name { get; }

    public byte[] PublicKey { get; }

    public uint KeyHash { get; }

    /// <summary>The verifier key to publish.</summary>
    public string VerifierKey => $"{Name}+{KeyHash:x8}+{Convert.ToBase64String([1, .. PublicKey])}";

    /// <summary>The signer key, as Audit:CheckpointKey holds it.</summary>
    public string SignerKey(byte[] seed) => $"PRIVATE+KEY+{Name}+{KeyHash:x8}+{Convert.ToBase64String([1, .. seed])}";

    /// <summary>A key from its 32-byte seed.</summary>
    public static CheckpointKey FromSeed(string name, byte[] seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        if (string.IsNullOrEmpty(name) || name.Any(c => c is '+' or ' ' or '\n' or '\u2014'))
        {
            throw new FormatException("A checkpoint key's name is a non-empty word without '+', spaces or dashes.");
        }

        return new CheckpointKey(name, Key.Import(Ed25519, seed, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.None }));
    }

    /// <summary>Reads a signer key; <see cref="FormatException"/> naming what is wrong.</summary>
    public static CheckpointKey Parse(string signerKey)
    {
        var parts = (signerKey ?? "").Split('+', 5);
        if (parts is not ["PRIVATE", "KEY", var name, var hash, var blob])
        {
            throw new FormatException("Audit:CheckpointKey is not a signer key: PRIVATE+KEY+<name>+<key hash>+<base64 key>.");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(blob);
        }
        catch (FormatException)
        {
            throw new FormatException("Audit:CheckpointKey's key is not base64.");
        }

        if (bytes is not [1, ..] || bytes.Length != 33)
        {
            throw new FormatException("Audit:CheckpointKey is not an Ed25519 key (0x01 and a 32-byte seed).");
        }

        var key = FromSeed(name, bytes[1..]);
        if (!string.Equals(hash, key.KeyHash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
        {
            key.Dispose();
            throw new FormatException("Audit:CheckpointKey's key hash does not match its name and key.");
        }

        return key;
    }

    /// <summary>The public development key (Development only, where nothing real is protected): seed SHA-256 of a fixed phrase.</summary>
    public static string DevelopmentSignerKey { get; } = Development();

    private static string Development() => SignerKeyFor("idarati-development", SHA256.HashData("idarati development checkpoint key, public, never for production"u8));

    /// <summary>The signer key of the key named <paramref name="name"/> with the 32-byte <paramref name="seed"/>.</summary>
    public static string SignerKeyFor(string name, byte[] seed)
    {
        using var key = FromSeed(name, seed);
        return key.SignerKey(seed);
    }

    /// <summary>Signs a note's text (which ends with a newline) and returns the signed note.</summary>
    public string Sign(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var signature = Ed25519.Sign(_key, Encoding.UTF8.GetBytes(text));
        var line = new byte[4 + signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(line, KeyHash);
        signature.CopyTo(line, 4);
        return $"{text}\n\u2014 {Name} {Convert.ToBase64String(line)}\n";
    }

    /// <summary>
    /// The text of a signed note if a line of it is a valid signature by the verifier key <paramref name="verifierKey"/>;
    /// null otherwise (another key, a changed text, a malformed note).
    /// </summary>
    public static string? Verify(string note, string verifierKey)
    {
        if (note is null || verifierKey?.Split('+', 3) is not [var name, var hashText, var blob])
        {
            return null;
        }

        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            return null;
        }

        var text = note[..(split + 1)];
        try
        {
            var key = Convert.FromBase64String(blob);
            if (key is not [1, ..] || key.Length != 33 || !uint.TryParse(hashText, System.Globalization.NumberStyles.HexNumber, null, out var keyHash) || Hash(name, key[1..]) != keyHash)
            {
                return null;
            }

            var publicKey = NSec.Cryptography.PublicKey.Import(Ed25519, key[1..], KeyBlobFormat.RawPublicKey);
            foreach (var line in note[(split + 2)..].Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.Split(' ') is ["\u2014", var signer, var signature] && signer == name
                    && Convert.FromBase64String(signature) is { Length: 68 } bytes && BinaryPrimitives.ReadUInt32BigEndian(bytes) == keyHash
                    && Ed25519.Verify(publicKey, Encoding.UTF8.GetBytes(text), bytes.AsSpan(4)))
                {
                    return text;
                }
            }
        }
        catch (FormatException)
        {
            return null;
        }

        return null;
    }

    private static uint Hash(string name, byte[] publicKey) =>
        BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData([.. Encoding.UTF8.GetBytes(name), (byte)'\n', 1, .. publicKey]));

    public void Dispose() => _key.Dispose();
}

/// <summary>
/// The checkpoint's text: C2SP's tlog-checkpoint body (the log's origin, its size, its root in base64), with one
/// extension line giving when it was signed.
/// </summary>
public static class CheckpointText
{
    public const string Origin = "idarati.ma/audit-log";

    public static string Body(long size, byte[] root, DateTimeOffset signedAt) =>
        FormattableString.Invariant($"{Origin}\n{size}\n{Convert.ToBase64String(root)}\nsigned-at {signedAt.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ}\n");

    /// <summary>The size and root a checkpoint's text states, or null when it is not one of this log.</summary>
    public static (long Size, byte[] Root)? Read(string text)
    {
        var lines = (text ?? "").Split('\n');
        if (lines.Length < 4 || lines[0] != Origin || !long.TryParse(lines[1], System.Globalization.CultureInfo.InvariantCulture, out var size))
        {
            return null;
        }

        try
        {
            var root = Convert.FromBase64String(lines[2]);
            return root.Length == 32 ? (size, root) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Signs the tree's current state as a checkpoint.</summary>
    public static Checkpoint Sign(CheckpointKey key, long size, byte[] root, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(key);
        var signedAt = new DateTimeOffset(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        return new Checkpoint(size, root, signedAt, key.Name, key.Sign(Body(size, root, signedAt)));
    }
}
