using System.Security.Cryptography;
using System.Text;

namespace Idarati.EventStore.Tests;

/// <summary>The per-thread hash objects give the one-shot APIs' answers, call after call, key after key, thread after thread.</summary>
public sealed class ReusableHashTests
{
    [Fact]
    public async Task Reused_hashes_match_the_one_shot_apis_on_every_thread_and_for_every_key()
    {
        var (first, second) = ("secret-one"u8.ToArray(), "another secret"u8.ToArray());
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                var data = Encoding.UTF8.GetBytes($"tracking:{t}:{i}:" + new string('x', i));
                Assert.Equal(SHA256.HashData(data), ReusableHash.Sha256(data));
                var key = i % 3 == 0 ? second : first;
                Assert.Equal(HMACSHA256.HashData(key, data), ReusableHash.HmacSha256(key, data));
            }
        })));
        Assert.Equal(SHA256.HashData([]), ReusableHash.Sha256([]));
    }
}
