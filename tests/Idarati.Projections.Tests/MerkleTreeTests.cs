using Idarati.Projections.Audit;

namespace Idarati.Projections.Tests;

/// <summary>RFC 9162's tree on the published Certificate Transparency vectors, and every proof of every small tree checked both ways.</summary>
public sealed class MerkleTreeTests
{
    private static readonly byte[][] CtEntries = [.. new[] { "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f" }.Select(Convert.FromHexString)];

    private static readonly string[] CtRoots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4", "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c", "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    /// <summary>Complete subtrees over leaf hashes, in memory.</summary>
    private sealed class Subtrees(IReadOnlyList<byte[]> leaves) : ISubtrees
    {
        public byte[] Get(int level, long index) =>
            level == 0 ? leaves[(int)index] : MerkleTree.NodeHash(Get(level - 1, 2 * index), Get(level - 1, (2 * index) + 1));
    }

    private static string Hex(byte[] b) => Convert.ToHexStringLower(b);

    [Fact]
    public void The_roots_of_the_certificate_transparency_vectors_are_the_published_ones()
    {
        var leaves = CtEntries.Select(e => MerkleTree.LeafHash(e)).ToList();
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Hex(MerkleTree.Hash(new Subtrees(leaves), 0, 0)));
        for (var n = 1; n <= 8; n++)
        {
            Assert.Equal(CtRoots[n - 1], Hex(MerkleTree.Hash(new Subtrees(leaves), 0, n)));
        }
    }

    [Theory]
    [InlineData(0, 8, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7,5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]
    [InlineData(5, 8, "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b,ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0,d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    public void Inclusion_proofs_are_the_published_ones(long index, long size, string expected)
    {
        var leaves = CtEntries.Select(e => MerkleTree.LeafHash(e)).ToList();
        var proof = MerkleTree.InclusionProof(new Subtrees(leaves), index, size);
        Assert.Equal(expected, string.Join(',', proof.Select(Hex)));
        Assert.True(MerkleTree.VerifyInclusion(leaves[(int)index], index, size, proof, Convert.FromHexString(CtRoots[size - 1])));
    }

    [Theory]
    [InlineData(6, 8, "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a,ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0,d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    [InlineData(2, 5, "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e,bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]
    public void Consistency_proofs_are_the_published_ones(long first, long second, string expected)
    {
        var leaves = CtEntries.Select(e => MerkleTree.LeafHash(e)).ToList();
        var proof = MerkleTree.ConsistencyProof(new Subtrees(leaves), first, second);
        Assert.Equal(expected, string.Join(',', proof.Select(Hex)));
        Assert.True(MerkleTree.VerifyConsistency(first, second, Convert.FromHexString(CtRoots[first - 1]), Convert.FromHexString(CtRoots[second - 1]), proof));
    }

    [Fact]
    public void Every_proof_of_every_tree_up_to_40_leaves_verifies_and_a_changed_one_does_not()
    {
        var leaves = Enumerable.Range(0, 40).Select(i => MerkleTree.LeafHash(BitConverter.GetBytes(i))).ToList();
        var nodes = new Subtrees(leaves);
        var roots = Enumerable.Range(0, 41).Select(n => MerkleTree.Hash(nodes, 0, n)).ToList();
        for (var n = 1; n <= 40; n++)
        {
            Assert.Equal(Hex(Naive(leaves.Take(n).ToList())), Hex(roots[n]));
            for (var i = 0; i < n; i++)
            {
                var proof = MerkleTree.InclusionProof(nodes, i, n);
                Assert.True(MerkleTree.VerifyInclusion(leaves[i], i, n, proof, roots[n]), $"inclusion {i}/{n}");
                Assert.True(proof.Count <= Math.Ceiling(Math.Log2(n)), $"{proof.Count} hashes for {n} leaves");
                Assert.False(MerkleTree.VerifyInclusion(leaves[(i + 1) % n], i, n, proof, roots[n]) && n > 1, $"another leaf at {i}/{n}");
                if (proof.Count > 0)
                {
                    Assert.False(MerkleTree.VerifyInclusion(leaves[i], i, n, [.. proof.Take(proof.Count - 1)], roots[n]), $"truncated {i}/{n}");
                }
            }

            for (var m = 0; m <= n; m++)
            {
                var proof = MerkleTree.ConsistencyProof(nodes, m, n);
                Assert.True(MerkleTree.VerifyConsistency(m, n, roots[m], roots[n], proof), $"consistency {m}->{n}");
                if (m > 0 && m < n)
                {
                    Assert.False(MerkleTree.VerifyConsistency(m, n, roots[m], roots[n - 1] is var other && n - 1 > m ? other : roots[0], proof), $"wrong second root {m}->{n}");
                }
            }
        }
    }

    /// <summary>RFC 9162's MTH written out directly over a list, to check the tree against.</summary>
    private static byte[] Naive(List<byte[]> leaves)
    {
        if (leaves.Count == 1)
        {
            return leaves[0];
        }

        var k = 1;
        while (k * 2 < leaves.Count)
        {
            k *= 2;
        }

        return MerkleTree.NodeHash(Naive(leaves.Take(k).ToList()), Naive(leaves.Skip(k).ToList()));
    }
}
