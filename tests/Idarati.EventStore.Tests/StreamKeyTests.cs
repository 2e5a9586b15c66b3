namespace Idarati.EventStore.Tests;

public sealed class StreamKeyTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private readonly PostgresEventStore _store = fixture.Store;

    private static string NewId() => "k-" + Guid.NewGuid().ToString("N");

    private static AppendOptions Claim(string value, Guid? command = null) =>
        new() { CommandId = command, Keys = [new StreamKey("tracking", value)] };

    [Fact]
    public async Task A_key_belongs_to_the_stream_that_claimed_it_first_on_every_append_path()
    {
        var value = Guid.NewGuid().ToString("N");
        var owner = NewId();
        await _store.AppendAsync(owner, "test", StreamHead.New, [new Opened("a")], Claim(value));
        Assert.Equal(owner, await _store.FindStreamIdAsync("tracking", value));

        var viaHead = await Assert.ThrowsAsync<DuplicateStreamKeyException>(() => _store.AppendAsync(NewId(), "test", StreamHead.New, [new Opened("b")], Claim(value)));
        var viaFunction = await Assert.ThrowsAsync<DuplicateStreamKeyException>(() => _store.AppendAsync(NewId(), "test", ExpectedVersion.NoStream, [new Opened("c"), new Noted("c", 1)], Claim(value)));
        var viaBulk = await Assert.ThrowsAsync<DuplicateStreamKeyException>(() => _store.BulkAppendAsync([new BulkStream(NewId(), "test", ExpectedVersion.NoStream, [new Opened("d")], Claim(value))]));

        Assert.Equal(new StreamKey("tracking", value), viaHead.Key);
        Assert.Equal(new StreamKey("tracking", value), viaFunction.Key);
        Assert.NotNull(viaBulk);
        Assert.Equal(1, await fixture.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.stream_keys WHERE value = '{value}'"));
        Assert.Equal(0, await fixture.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.events e JOIN {{s}}.streams s ON s.id = e.stream_id WHERE e.data::text LIKE '%\"b\"%' OR e.data::text LIKE '%\"c\"%' OR e.data::text LIKE '%\"d\"%'"));
    }

    [Fact]
    public async Task A_repeated_command_that_claimed_a_key_returns_its_first_result()
    {
        var value = Guid.NewGuid().ToString("N");
        var command = Guid.NewGuid();
        var id = NewId();
        var first = await _store.AppendAsync(id, "test", StreamHead.New, [new Opened("a")], Claim(value, command));
        var retry = await _store.AppendAsync(id, "test", StreamHead.New, [new Opened("a")], Claim(value, command));
        Assert.True(retry.Duplicate);
        Assert.Equal(first.FirstPosition, retry.FirstPosition);
    }

    [Fact]
    public async Task Keys_claimed_by_a_bulk_append_are_found()
    {
        var value = Guid.NewGuid().ToString("N");
        var id = NewId();
        await _store.BulkAppendAsync([new BulkStream(id, "test", ExpectedVersion.NoStream, [new Opened("a")], Claim(value))]);
        Assert.Equal(id, await _store.FindStreamIdAsync("tracking", value));
        Assert.Null(await _store.FindStreamIdAsync("tracking", "nobody"));
    }
}
