namespace Idarati.EventStore.Tests;

/// <summary>The plain-SQL append after a head the writer has read: same rows, same hashes, same refusals.</summary>
public sealed class KnownHeadAppendTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private readonly PostgresEventStore _store = fixture.Store;

    private static string NewId() => "h-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Appending_after_known_heads_chains_like_the_general_path()
    {
        var id = NewId();
        var first = await _store.AppendAsync(id, "test", StreamHead.New, [new Opened("a")]);
        var second = await _store.AppendAsync(id, "test", first.Head!, [new Noted("b", 1), new Noted("c", 2)]);
        var third = await _store.AppendAsync(id, "test", ExpectedVersion.Exactly(3), [new Noted("d", 3)]);
        var loaded = (await _store.LoadStreamAsync(id))!;
        var fourth = await _store.AppendAsync(id, "test", loaded.Head, [new Closed("e")]);

        Assert.Equal((1L, 1L), (first.FirstVersion, first.StreamVersion));
        Assert.Equal((2L, 3L), (second.FirstVersion, second.StreamVersion));
        Assert.Equal(second.FirstPosition + 1, second.LastPosition);
        Assert.Equal(4, third.StreamVersion);
        Assert.Equal(5, fourth.StreamVersion);
        Assert.True(first.LastPosition < second.FirstPosition && second.LastPosition < third.FirstPosition && third.LastPosition < fourth.FirstPosition);
        var events = (await _store.LoadStreamAsync(id))!.Events;
        Assert.Equal([1L, 2, 3, 4, 5], events.Select(e => e.Version));
        Assert.Equal(fourth.Head!.Hash, events[^1].Hash);
        Assert.Equal(third.Head!.Hash, events[3].Hash);
        Assert.Equal(new HashChainVerification(id, true, null, 5), await _store.VerifyStreamAsync(id));
    }

    [Fact]
    public async Task A_stale_head_is_refused_and_writes_nothing()
    {
        var id = NewId();
        var first = await _store.AppendAsync(id, "test", StreamHead.New, [new Opened("a")]);
        await _store.AppendAsync(id, "test", first.Head!, [new Noted("b", 1)]);

        var stale = await Assert.ThrowsAsync<StreamConcurrencyException>(() => _store.AppendAsync(id, "test", first.Head!, [new Noted("late", 2)]));
        Assert.Equal(2, stale.ActualVersion);
        var existing = await Assert.ThrowsAsync<StreamConcurrencyException>(() => _store.AppendAsync(id, "test", StreamHead.New, [new Opened("again")]));
        Assert.Equal(2, existing.ActualVersion);
        Assert.Equal(2, (await _store.LoadStreamAsync(id))!.Events.Count);
    }

    [Fact]
    public async Task A_repeated_command_after_a_known_head_returns_the_first_result()
    {
        var id = NewId();
        var command = new AppendOptions { CommandId = Guid.NewGuid() };
        var first = await _store.AppendAsync(id, "test", StreamHead.New, [new Opened("a")], command);
        var retry = await _store.AppendAsync(id, "test", StreamHead.New, [new Opened("a")], command);

        Assert.True(retry.Duplicate);
        Assert.Equal((first.FirstVersion, first.StreamVersion, first.FirstPosition, first.LastPosition), (retry.FirstVersion, retry.StreamVersion, retry.FirstPosition, retry.LastPosition));
        Assert.Single((await _store.LoadStreamAsync(id))!.Events);
    }

    [Fact]
    public async Task Racing_writers_with_the_same_head_commit_one_and_refuse_the_others()
    {
        var id = NewId();
        var head = (await _store.AppendAsync(id, "test", StreamHead.New, [new Opened("a")])).Head!;
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(async () =>
        {
            try
            {
                await _store.AppendAsync(id, "test", head, [new Noted("race", i)]);
                return true;
            }
            catch (StreamConcurrencyException)
            {
                return false;
            }
        })));

        Assert.Single(outcomes, won => won);
        Assert.Equal(2, (await _store.LoadStreamAsync(id))!.Version);
        Assert.True((await _store.VerifyStreamAsync(id)).Valid);
    }
}
