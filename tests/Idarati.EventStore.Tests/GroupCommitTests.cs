using Idarati.Tests;
using Npgsql;

namespace Idarati.EventStore.Tests;

/// <summary>
/// Known-head appends that queue while the store's writer is busy are written together in one transaction, and each
/// keeps the outcome it would have had alone. The store here has one writer, held on a row lock by another transaction
/// so that the appends under test queue behind it and form one group when the lock goes.
/// </summary>
public sealed class GroupCommitTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private readonly PostgresEventStore _store = fixture.NewStore(groupCommitWriters: 1);

    private static string NewId() => "g-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Appends_queued_behind_a_busy_writer_commit_together_and_each_keeps_its_own_outcome()
    {
        var (existing, stale) = (NewId(), NewId());
        var existingHead = (await _store.AppendAsync(existing, "test", StreamHead.New, [new Opened("e")])).Head!;
        var staleHead = (await _store.AppendAsync(stale, "test", StreamHead.New, [new Opened("s")])).Head!;
        await _store.AppendAsync(stale, "test", staleHead, [new Noted("moved on", 1)]);
        var (fresh, command) = (NewId(), Guid.NewGuid());
        var key = new StreamKey("test-key", fresh);

        Task<AppendResult> created = null!, moved = null!, refused = null!, blocked = null!;
        await using (await BusyWriterAsync(lockHolder => blocked = lockHolder))
        {
            created = _store.AppendAsync(fresh, "test", StreamHead.New, [new Opened("f"), new Noted("second", 2)], new AppendOptions { CommandId = command, Keys = [key] });
            moved = _store.AppendAsync(existing, "test", existingHead, [new Closed("done")]);
            refused = _store.AppendAsync(stale, "test", staleHead, [new Noted("late", 2)]);
        }

        var (a, b) = (await created, await moved);
        Assert.Equal((1L, 2L, a.FirstPosition + 1), (a.FirstVersion, a.StreamVersion, a.LastPosition));
        Assert.Equal((2L, 2L), (b.FirstVersion, b.StreamVersion));
        Assert.Equal(a.FirstPosition >> 20, b.FirstPosition >> 20);
        Assert.NotEqual((await blocked).FirstPosition >> 20, a.FirstPosition >> 20);
        Assert.Equal(2, (await Assert.ThrowsAsync<StreamConcurrencyException>(() => refused)).ActualVersion);
        Assert.Equal(2, (await _store.LoadStreamAsync(stale))!.Version);

        foreach (var (id, result) in new[] { (fresh, a), (existing, b) })
        {
            var stream = (await _store.LoadStreamAsync(id))!;
            Assert.Equal(result.Head!.Hash, stream.Events[^1].Hash);
            Assert.Equal(stream.Version, (await _store.VerifyStreamAsync(id)).EventCount);
            Assert.True((await _store.VerifyStreamAsync(id)).Valid);
        }

        Assert.Equal(fresh, await _store.FindStreamIdAsync(key.Kind, key.Value));
        var again = await _store.AppendAsync(fresh, "test", StreamHead.New, [new Opened("f")], new AppendOptions { CommandId = command });
        Assert.Equal((true, a.FirstPosition, a.LastPosition, 1L, 2L), (again.Duplicate, again.FirstPosition, again.LastPosition, again.FirstVersion, again.StreamVersion));
    }

    [Fact]
    public async Task A_member_whose_key_is_taken_or_whose_command_was_seen_fails_alone_and_the_others_are_written()
    {
        var (holder, command) = (NewId(), Guid.NewGuid());
        var taken = new StreamKey("test-key", holder);
        var first = await _store.AppendAsync(holder, "test", StreamHead.New, [new Opened("h")], new AppendOptions { Keys = [taken], CommandId = command });
        var (thief, bystander, repeat) = (NewId(), NewId(), NewId());

        Task<AppendResult> stolen = null!, written = null!, repeated = null!;
        await using (await BusyWriterAsync(_ => { }))
        {
            stolen = _store.AppendAsync(thief, "test", StreamHead.New, [new Opened("t")], new AppendOptions { Keys = [taken] });
            written = _store.AppendAsync(bystander, "test", StreamHead.New, [new Opened("b")]);
            repeated = _store.AppendAsync(repeat, "test", StreamHead.New, [new Opened("r")], new AppendOptions { CommandId = command });
        }

        Assert.Equal(taken, (await Assert.ThrowsAsync<DuplicateStreamKeyException>(() => stolen)).Key);
        Assert.Null(await _store.LoadStreamAsync(thief));
        Assert.Equal(1, (await written).StreamVersion);
        Assert.Equal((true, first.FirstPosition), ((await repeated).Duplicate, (await repeated).FirstPosition));
        Assert.Null(await _store.LoadStreamAsync(repeat));
    }

    [Fact]
    public async Task Two_queued_appends_to_one_stream_go_in_separate_groups_and_the_second_sees_the_first()
    {
        var id = NewId();
        var head = (await _store.AppendAsync(id, "test", StreamHead.New, [new Opened("o")])).Head!;
        Task<AppendResult> one = null!, two = null!;
        await using (await BusyWriterAsync(_ => { }))
        {
            one = _store.AppendAsync(id, "test", head, [new Noted("one", 1)]);
            two = _store.AppendAsync(id, "test", head, [new Noted("two", 2)]);
        }

        Assert.Equal(2, (await one).StreamVersion);
        Assert.Equal(2, (await Assert.ThrowsAsync<StreamConcurrencyException>(() => two)).ActualVersion);
        Assert.Equal(["o", "one"], (await _store.LoadStreamAsync(id))!.Events.Select(e => e.Data switch { Opened o => o.Title, Noted n => n.Text, _ => "?" }));
    }

    [Fact]
    public async Task An_append_cancelled_while_it_waits_is_never_written()
    {
        var id = NewId();
        using var cancel = new CancellationTokenSource();
        Task<AppendResult> waiting = null!;
        await using (await BusyWriterAsync(_ => { }))
        {
            waiting = _store.AppendAsync(id, "test", StreamHead.New, [new Opened("never")], cancellationToken: cancel.Token);
            await cancel.CancelAsync();
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Null(await _store.LoadStreamAsync(id));
    }

    /// <summary>
    /// Holds the store's only writer: another transaction locks a stream row, an append to that stream waits for it
    /// (passed to <paramref name="blocked"/>), and disposing the result commits the lock holder, releasing the queue.
    /// </summary>
    [Fact]
    public async Task A_second_writer_starts_only_when_six_appends_wait()
    {
        var store = fixture.NewStore(groupCommitWriters: 2);
        var appends = new List<Task<AppendResult>>();
        Task<AppendResult> blocked = null!;
        await using (await BusyWriterAsync(lockHolder => blocked = lockHolder, store))
        {
            for (var i = 0; i < 5; i++)
            {
                appends.Add(store.AppendAsync(NewId(), "test", StreamHead.New, [new Opened("waits")]));
            }

            // Five wait for the busy writer: none is written while it is held.
            await Task.Delay(500);
            Assert.DoesNotContain(appends, a => a.IsCompleted);

            // The sixth makes the backlog worth a second writer, which writes all six together.
            appends.Add(store.AppendAsync(NewId(), "test", StreamHead.New, [new Opened("sixth")]));
            var all = Task.WhenAll(appends);
            Assert.Same(all, await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(30))));
            Assert.False(blocked.IsCompleted);
        }

        var transactions = (await Task.WhenAll(appends)).Select(a => a.FirstPosition >> 20).Distinct().ToList();
        Assert.Single(transactions);
        Assert.NotEqual((await blocked).FirstPosition >> 20, transactions[0]);
    }

    [Fact]
    public async Task A_writer_keeps_its_connection_from_one_group_to_the_next_and_gives_it_back_when_idle()
    {
        // A pool of its own, with three idle connections that it would hand out in turn.
        var name = "gc-" + Guid.NewGuid().ToString("N")[..12];
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(fixture.DataSource.ConnectionString) { ApplicationName = name, MaxPoolSize = 3, Timeout = 10 }.ConnectionString);
        var options = new EventStoreOptions { Time = fixture.Time, Schema = fixture.Schema, GroupCommitWriters = 1 };
        TestEvents.Register(options.Types);
        var store = new PostgresEventStore(dataSource, options);
        var warm = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => dataSource.OpenConnectionAsync().AsTask()));
        foreach (var connection in warm)
        {
            await connection.DisposeAsync();
        }

        var pids = new HashSet<int>();
        for (var i = 0; i < 6; i++)
        {
            await store.AppendAsync(NewId(), "test", StreamHead.New, [new Opened("one after the other")]);
            await using var backends = fixture.DataSource.CreateCommand("SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE $2 AND state = 'idle'");
            backends.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            backends.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"%INSERT INTO {fixture.Schema}.streams%" });
            await using var reader = await backends.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                pids.Add(reader.GetInt32(0));
            }
        }

        Assert.Single(pids);

        // Idle, the writer gives its connection back: all three of the pool can be had again.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var again = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => dataSource.OpenConnectionAsync().AsTask()));
        Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        foreach (var connection in again)
        {
            await connection.DisposeAsync();
        }
    }

    private async Task<IAsyncDisposable> BusyWriterAsync(Action<Task<AppendResult>> blocked, PostgresEventStore? store = null)
    {
        store ??= _store;
        var id = NewId();
        var head = (await store.AppendAsync(id, "test", StreamHead.New, [new Opened("lock")])).Head!;
        var connection = await fixture.DataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM {fixture.Schema}.streams WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            lockRow.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            await lockRow.ExecuteScalarAsync();
        }

        blocked(store.AppendAsync(id, "test", head, [new Noted("after the lock", 1)]));
        var deadline = Deadline.In(30);
        // Asked on another connection: a transaction sees one snapshot of pg_stat_activity.
        await using (var waiting = fixture.DataSource.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1"))
        {
            waiting.Parameters.Add(new NpgsqlParameter<string> { TypedValue = $"%{fixture.Schema}.streams%" });
            while ((long)(await waiting.ExecuteScalarAsync())! == 0 && !deadline.Passed)
            {
                await Task.Delay(20);
            }
        }

        return new Release(connection, transaction);
    }

    private sealed class Release(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.CommitAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
