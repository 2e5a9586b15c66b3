namespace Idarati.EventStore.Tests;

public sealed class BulkAppendTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private readonly PostgresEventStore _store = fixture.Store;

    private static string NewId() => "b-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_bulk_append_writes_new_and_existing_streams_with_every_guarantee()
    {
        var start = await fixture.ScalarAsync<long>("SELECT coalesce(max(position), 0) FROM {s}.events");
        var existing = NewId();
        await _store.AppendAsync(existing, "test", ExpectedVersion.NoStream, [new Opened("single")]);
        var command = Guid.NewGuid();
        var ids = Enumerable.Range(0, 300).Select(_ => NewId()).ToArray();
        var batch = ids.Select((id, i) => new BulkStream(id, "test", ExpectedVersion.NoStream, [new Opened($"o{i}"), new Noted($"n{i}", i)],
                i == 0 ? new AppendOptions { CommandId = command, Actor = "importer" } : null))
            .Append(new BulkStream(existing, "test", ExpectedVersion.Exactly(1), [new Closed("bulk")]))
            .ToList();

        var result = await _store.BulkAppendAsync(batch);

        Assert.Equal(new BulkAppendResult(301, 601, 0, result.FirstPosition, result.FirstPosition + 600), result);
        var loaded = (await _store.LoadStreamAsync(ids[7]))!;
        Assert.Equal([new Opened("o7"), (object)new Noted("n7", 7)], loaded.Events.Select(e => e.Data));
        Assert.Equal("importer", (await _store.LoadStreamAsync(ids[0]))!.Events[0].Metadata.Actor);
        Assert.Equal([1L, 2], (await _store.LoadStreamAsync(existing))!.Events.Select(e => e.Version));
        Assert.True((await _store.VerifyStreamAsync(existing)).Valid);
        Assert.True((await _store.VerifyStreamAsync(ids[299])).Valid);

        // The appended head continues the chain for single appends.
        await _store.AppendAsync(ids[5], "test", ExpectedVersion.Exactly(2), [new Closed("after bulk")]);
        Assert.True((await _store.VerifyStreamAsync(ids[5])).Valid);

        // The global log sees every event, in position order.
        var all = await StoreFixture.ReadAllEventuallyAsync(_store, start, 603);
        Assert.Equal(603, all.Count);

        // Retrying the same command id (here in a single append) appends nothing.
        var retry = await _store.AppendAsync(ids[0], "test", ExpectedVersion.NoStream, [new Opened("o0")], new AppendOptions { CommandId = command });
        Assert.True(retry.Duplicate);
        Assert.Equal(result.FirstPosition, retry.FirstPosition);
    }

    [Fact]
    public async Task A_bulk_append_with_a_stale_expected_version_writes_nothing()
    {
        var existing = NewId();
        await _store.AppendAsync(existing, "test", ExpectedVersion.NoStream, [new Opened("a"), new Noted("b", 1)]);
        var before = await fixture.ScalarAsync<long>("SELECT count(*) FROM {s}.events");
        var fresh = NewId();

        var conflict = await Assert.ThrowsAsync<StreamConcurrencyException>(() => _store.BulkAppendAsync(
        [
            new BulkStream(fresh, "test", ExpectedVersion.NoStream, [new Opened("new")]),
            new BulkStream(existing, "test", ExpectedVersion.Exactly(1), [new Closed("stale")]),
        ]));

        Assert.Equal(existing, conflict.StreamId);
        Assert.Equal(2, conflict.ActualVersion);
        Assert.Equal(before, await fixture.ScalarAsync<long>("SELECT count(*) FROM {s}.events"));
        Assert.Null(await _store.LoadStreamAsync(fresh));
    }

    [Fact]
    public async Task A_bulk_append_skips_streams_whose_command_id_is_already_recorded()
    {
        var id = NewId();
        var command = new AppendOptions { CommandId = Guid.NewGuid() };
        await _store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("first")], command);
        var other = NewId();

        var result = await _store.BulkAppendAsync(
        [
            new BulkStream(id, "test", ExpectedVersion.NoStream, [new Opened("first")], command),
            new BulkStream(other, "test", ExpectedVersion.NoStream, [new Opened("other")]),
        ]);

        Assert.Equal((1, 1, 1), (result.StreamsWritten, result.EventsWritten, result.DuplicatesSkipped));
        Assert.Single((await _store.LoadStreamAsync(id))!.Events);
    }

    [Fact]
    public async Task A_bulk_append_racing_a_single_append_on_a_new_stream_lets_only_one_win()
    {
        var id = NewId();
        await _store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("single")]);
        await Assert.ThrowsAsync<StreamConcurrencyException>(() => _store.BulkAppendAsync(
            [new BulkStream(id, "test", ExpectedVersion.NoStream, [new Opened("bulk")])]));
        Assert.Single((await _store.LoadStreamAsync(id))!.Events);
    }
}
