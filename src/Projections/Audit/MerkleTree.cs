using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace Idarati.Projections.Audit;

/// <summary>Where the hashes of complete subtrees come from: level L, index i covers the leaves [i·2^L, (i+1)·2^L).</summary>
public interface ISubtrees
{
    byte[] Get(int level, long index);
}

/// <summary>
/// RFC 9162's Merkle tree (Certificate Transparency): SHA-256, leaves hashed with a 0x00 prefix, interior nodes with
/// 0x01, a tree of n leaves split at the largest power of two below n. Hashes, inclusion and consistency proofs are
/// computed from complete subtrees only, so a log keeps each complete subtree's hash once and answers any proof.
/// </summary>
public static class MerkleTree
{
    /// <summary>The root of the empty tree: SHA-256 of nothing.</summary>
    public static byte[] EmptyRoot { get; } = SHA256.HashData([]);

    public static byte[] LeafHash(ReadOnlySpan<byte> data)
    {
        var input = new byte[data.Length + 1];
        data.CopyTo(input.AsSpan(1));
        return SHA256.HashData(input);
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> input = stackalloc byte[65];
        input[0] = 1;
        left.CopyTo(input[1..]);
        right.CopyTo(input[33..]);
        return SHA256.HashData(input);
    }

    /// <summary>
    /// A leaf of the service's log (form 1): 0x01, the event's global sequence and its version (8 bytes each, big-endian),
    /// its tamper-evidence hash (32 bytes), then its stream id in UTF-8 to the end.
    /// </summary>
    public static byte[] LeafData(long sequence, long version, string eventHashHex, string streamId)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        var stream = Encoding.UTF8.GetBytes(streamId);
        var data = new byte[1 + 8 + 8 + 32 + stream.Length];
        data[0] = 1;
        BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(1), sequence);
        BinaryPrimitives.WriteInt64BigEndian(data.AsSpan(9), version);
        if (eventHashHex is { Length: 64 } && Convert.FromHexString(eventHashHex, data.AsSpan(17, 32), out _, out var written) == System.Buffers.OperationStatus.Done && written == 32)
        {
            stream.CopyTo(data.AsSpan(49));
            return data;
        }

        // An event without a well-formed hash still takes its place, with 32 zero bytes: the chain names it as broken.
        data.AsSpan(17, 32).Clear();
        stream.CopyTo(data.AsSpan(49));
        return data;
    }

    /// <summary>The hash of the leaves [start, start + count): MTH of RFC 9162.</summary>
    public static byte[] Hash(ISubtrees nodes, long start, long count)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (count == 0)
        {
            return EmptyRoot;
        }

        if (BitOperations.IsPow2(count) && start % count == 0)
        {
            return nodes.Get(BitOperations.Log2((ulong)count), start / count);
        }

        var k = Split(count);
        return NodeHash(Hash(nodes, start, k), Hash(nodes, start + k, count - k));
    }

    /// <summary>The inclusion proof of leaf <paramref name="index"/> in the tree of <paramref name="size"/> leaves: PATH of RFC 9162.</summary>
    public static IReadOnlyList<byte[]> InclusionProof(ISubtrees nodes, long index, long size)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, size);
        var proof = new List<byte[]>();
        Path(nodes, index, 0, size, proof);
        return proof;
    }

    private static void Path(ISubtrees nodes, long m, long start, long n, List<byte[]> proof)
    {
        if (n <= 1)
        {
            return;
        }

        var k = Split(n);
        if (m < k)
        {
            Path(nodes, m, start, k, proof);
            proof.Add(Hash(nodes, start + k, n - k));
        }
        else
        {
            Path(nodes, m - k, start + k, n - k, proof);
            proof.Add(Hash(nodes, start, k));
        }
    }

    /// <summary>The proof that the tree of <paramref name="second"/> leaves extends the one of <paramref name="first"/>: PROOF of RFC 9162.</summary>
    public static IReadOnlyList<byte[]> ConsistencyProof(ISubtrees nodes, long first, long second)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(first, second);
        var proof = new List<byte[]>();
        if (first > 0 && first < second)
        {
            SubProof(nodes, first, 0, second, true, proof);
        }

        return proof;
    }

    private static void SubProof(ISubtrees nodes, long m, long start, long n, bool whole, List<byte[]> proof)
    {
        if (m == n)
        {
            if (!whole)
            {
                proof.Add(Hash(nodes, start, n));
            }

            return;
        }

        var k = Split(n);
        if (m <= k)
        {
            SubProof(nodes, m, start, k, whole, proof);
            proof.Add(Hash(nodes, start + k, n - k));
        }
        else
        {
            SubProof(nodes, m - k, start + k, n - k, false, proof);
            proof.Add(Hash(nodes, start, k));
        }
    }

    /// <summary>Checks an inclusion proof as RFC 9162 (2.1.3.2) says.</summary>
    public static bool VerifyInclusion(ReadOnlySpan<byte> leafHash, long index, long size, IReadOnlyList<byte[]> proof, ReadOnlySpan<byte> root)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (index < 0 || index >= size || leafHash.Length != 32 || root.Length != 32)
        {
            return false;
        }

        var (fn, sn) = (index, size - 1);
        var r = leafHash.ToArray();
        foreach (var p in proof)
        {
            if (sn == 0 || p.Length != 32)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    (fn, sn) = (fn >> 1, sn >> 1);
                }
            }
            else
            {
                r = NodeHash(r, p);
            }

            (fn, sn) = (fn >> 1, sn >> 1);
        }

        return sn == 0 && r.AsSpan().SequenceEqual(root);
    }

    /// <summary>Checks a consistency proof as RFC 9162 (2.1.4.2) says.</summary>
    public static bool VerifyConsistency(long first, long second, ReadOnlySpan<byte> firstRoot, ReadOnlySpan<byte> secondRoot, IReadOnlyList<byte[]> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        if (first < 0 || first > second || firstRoot.Length != 32 || secondRoot.Length != 32)
        {
            return false;
        }

        if (first == second)
        {
            return proof.Count == 0 && firstRoot.SequenceEqual(secondRoot);
        }

        if (first == 0)
        {
            return proof.Count == 0;
        }

        var path = BitOperations.IsPow2(first) ? [firstRoot.ToArray(), .. proof] : proof.ToList();
        if (path.Count == 0 || path.Any(p => p.Length != 32))
        {
            return false;
        }

        var (fn, sn) = (first - 1, second - 1);
        while ((fn & 1) == 1)
        {
            (fn, sn) = (fn >> 1, sn >> 1);
        }

        var (fr, sr) = (path[0], path[0]);
        foreach (var c in path.Skip(1))
        {
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    (fn, sn) = (fn >> 1, sn >> 1);
                }
            }
            else
            {
                sr = NodeHash(sr, c);
            }

            (fn, sn) = (fn >> 1, sn >> 1);
        }

        return sn == 0 && fr.AsSpan().SequenceEqual(firstRoot) && sr.AsSpan().SequenceEqual(secondRoot);
    }

    /// <summary>The largest power of two strictly below <paramref name="n"/> (n &gt; 1).</summary>
    private static long Split(long n) => (long)BitOperations.RoundUpToPowerOf2((ulong)n) >> 1;
}
