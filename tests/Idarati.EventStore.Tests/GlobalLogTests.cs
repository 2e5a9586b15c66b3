using Idarati.Tests;
using System.Diagnostics;

namespace Idarati.EventStore.Tests;

/// <summary>Runs alone: its five-second transaction would hold back every other class's reads of the global log.</summary>
[CollectionDefinition(nameof(GlobalLogTests), DisableParallelization = true)]
public sealed class GlobalLogCollection;

[Collection(nameof(GlobalLogTests))]
public sealed class GlobalLogTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private readonly PostgresEventStore _store = fixture.Store;

    private static string NewId() => "g-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task The_global_log_reads_in_position_order_from_any_position()
    {
        var start = await fixture.ScalarAsync<long>("SELECT coalesce(max(position), 0) FROM {s}.events");
        var a = NewId();
        var b = NewId();
        await _store.AppendAsync(a, "test", ExpectedVersion.NoStream, [new Opened("a1")]);
        await _store.AppendAsync(b, "test", ExpectedVersion.NoStream, [new Opened("b1"), new Noted("b2", 2)]);
        await _store.AppendAsync(a, "test", ExpectedVersion.Exactly(1), [new Closed("a2")]);

        var all = await StoreFixture.ReadAllEventuallyAsync(_store, start, 4);
        Assert.Equal(["a1", "b1", "b2", "a2"], all.Select(Describe));
        Assert.Equal(all.Select(e => e.Position).Order(), all.Select(e => e.Position));

        var fromSecond = await _store.ReadAllAsync(all[1].Position, 2);
        Assert.Equal(["b2", "a2"], fromSecond.Select(Describe));
    }

    [Fact]
    public async Task A_transaction_that_takes_an_earlier_position_but_commits_five_seconds_later_is_not_skipped()
    {
        var start = await fixture.ScalarAsync<long>("SELECT coalesce(max(position), 0) FROM {s}.events");
        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using var slow = await connection.BeginTransactionAsync();
        var early = await _store.AppendAsync(slow, NewId(), "test", ExpectedVersion.NoStream, [new Opened("slow")]);
        var later = await _store.AppendAsync(NewId(), "test", ExpectedVersion.NoStream, [new Opened("fast")]);
        Assert.True(early.FirstPosition < later.FirstPosition);

        // A reader that was already reading keeps polling while the slow transaction is open.
        var delivered = new List<RecordedEvent>();
        var checkpoint = start;
        var clock = Stopwatch.StartNew();
        var commit = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5));
            await slow.CommitAsync();
        });
        while (delivered.Count < 2 && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            foreach (var e in await _store.ReadAllAsync(checkpoint, 100))
            {
                delivered.Add(e);
                checkpoint = e.Position;
            }

            if (!commit.IsCompleted)
            {
                Assert.Empty(delivered);
            }

            await Task.Delay(100);
        }

        await commit;
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(5));
        Assert.Equal(["slow", "fast"], delivered.Select(Describe));
        Assert.Equal([early.FirstPosition!.Value, later.FirstPosition!.Value], delivered.Select(e => e.Position));
    }

    [Fact]
    public async Task A_reader_of_some_types_skips_the_others_but_never_past_an_open_transaction()
    {
        var start = await fixture.ScalarAsync<long>("SELECT coalesce(max(position), 0) FROM {s}.events");
        string[] closedOnly = [.. _store.Options.Types.StoredNamesOf([typeof(Closed)])];
        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using var slow = await connection.BeginTransactionAsync();
        var early = await _store.AppendAsync(slow, NewId(), "test", ExpectedVersion.NoStream, [new Closed("slow")]);
        await _store.AppendAsync(NewId(), "test", ExpectedVersion.NoStream, [new Opened("other type")]);

        // The open transaction holds the page's bound below its own position: the reader may not move past it.
        var held = await _store.ReadAllRawAsync(start, 10, closedOnly);
        Assert.Empty(held.Events);
        Assert.True(held.ScannedTo < early.FirstPosition, $"scanned to {held.ScannedTo}, past the open transaction at {early.FirstPosition}");
        await slow.CommitAsync();

        var checkpoint = held.ScannedTo;
        var delivered = new List<RawEvent>();
        var deadline = Deadline.In(30);
        while (delivered.Count == 0 && !deadline.Passed)
        {
            var page = await _store.ReadAllRawAsync(checkpoint, 10, closedOnly);
            delivered.AddRange(page.Events);
            checkpoint = page.ScannedTo;
            await Task.Delay(20);
        }

        Assert.Equal([early.FirstPosition!.Value], delivered.Select(e => e.Position));

        // Once everything is stable the reader moves past the rows it does not want without returning them.
        var appended = await _store.AppendAsync(NewId(), "test", ExpectedVersion.NoStream, [new Opened("last")]);
        // The checkpoint may still lie before "other type" (the bound is cluster-wide): wait until "last" is stable.
        var tail = await StoreFixture.ReadAllEventuallyAsync(_store, appended.FirstPosition!.Value - 1, 1);
        var last = tail.Single();
        Assert.Equal("last", Describe(last));
        var skipped = await _store.ReadAllRawAsync(checkpoint, 10, closedOnly);
        Assert.Empty(skipped.Events);
        Assert.True(skipped.ScannedTo >= last.Position);
    }

    [Fact]
    public async Task A_rolled_back_transaction_never_stalls_a_reader()
    {
        var start = await fixture.ScalarAsync<long>("SELECT coalesce(max(position), 0) FROM {s}.events");
        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using (var doomed = await connection.BeginTransactionAsync())
        {
            await _store.AppendAsync(doomed, NewId(), "test", ExpectedVersion.NoStream, [new Opened("rolled back")]);
            await _store.AppendAsync(NewId(), "test", ExpectedVersion.NoStream, [new Opened("after")]);
            Assert.Empty(await _store.ReadAllAsync(start, 100));
            await doomed.RollbackAsync();
        }

        var read = await StoreFixture.ReadAllEventuallyAsync(_store, start, 1);
        Assert.Equal(["after"], read.Select(Describe));
        await _store.AppendAsync(NewId(), "test", ExpectedVersion.NoStream, [new Opened("next")]);
        Assert.Equal(["next"], (await StoreFixture.ReadAllEventuallyAsync(_store, read[^1].Position, 1)).Select(Describe));
    }

    [Fact]
    public async Task Concurrent_writers_and_a_polling_reader_agree_on_every_event()
    {
        var start = await fixture.ScalarAsync<long>("SELECT coalesce(max(position), 0) FROM {s}.events");
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await _store.AppendAsync($"c-{w}-{i}-{Guid.NewGuid():N}", "test", ExpectedVersion.NoStream, [new Noted($"w{w}", i)]);
            }
        })).ToArray();
        var seen = new List<long>();
        var checkpoint = start;
        var all = Task.WhenAll(writers);
        // The stable bound is cluster-wide: a transaction of another test class, still open after the writers end, holds
        // the reader back for a while. It must catch up once it ends, never skip: read until every committed event was
        // seen or ten seconds pass.
        var deadline = Deadline.In(10);
        long committed = -1;
        while (!deadline.Passed)
        {
            var batch = await _store.ReadAllAsync(checkpoint, 50);
            foreach (var e in batch)
            {
                seen.Add(e.Position);
                checkpoint = e.Position;
            }

            if (all.IsCompleted && batch.Count == 0)
            {
                committed = await fixture.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.events WHERE position > {start}");
                if (seen.Count >= committed)
                {
                    break;
                }

                await Task.Delay(20);
            }
        }

        await all;
        Assert.Equal(320, committed);
        Assert.Equal(committed, seen.Count);
        Assert.Equal(seen.Distinct().Count(), seen.Count);
    }

    private static string Describe(RecordedEvent e) => e.Data switch
    {
        Opened o => o.Title,
        Noted n => n.Text,
        Closed c => c.Reason,
        _ => "?",
    };
}
