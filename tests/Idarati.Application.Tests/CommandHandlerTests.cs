using Idarati.Application.Audit;
using Idarati.Application.Handling;
using Idarati.Application.Streams;
using Idarati.Domain.Shared;
using Marten;

namespace Idarati.Application.Tests;

/// <summary>
/// The command path on Marten, with what the service's own store proved test for test (issue 14): concurrency, retries,
/// command ids, unique keys claimed with the append, time travel, metadata, and the tamper-evidence chain.
/// </summary>
public sealed class CommandHandlerTests : IAsyncLifetime
{
    private static readonly Decider<Increment, Incremented, int> Counter = new(
        "counter", 0, (total, e) => e.Total, (command, total) => command.By == 0 ? [] : [new Incremented(total + command.By)]);

    private static readonly CommandContext Someone = new(new Actor("tester", Role.Supervisor));

    private MartenSchema _marten = null!;

    private DocumentStore Store => _marten.Store;

    private Npgsql.NpgsqlDataSource DataSource => _marten.DataSource;

    private string Schema => _marten.Schema;

    private CommandHandler Handler => new(Store, TimeProvider.System);

    public async Task InitializeAsync() => _marten = await MartenSchema.CreateAsync("mtc_", options =>
    {
        options.Events.MapEventType<Incremented>("counter.incremented");
        DeciderAggregation<Increment, Incremented, int>.Register(options, Counter);
    });

    public async Task DisposeAsync() => await _marten.DisposeAsync();

    private static string NewId() => "counter-" + Guid.NewGuid().ToString("N");

    private async Task<IReadOnlyList<int>> TotalsAsync(string id)
    {
        await using var session = Store.QuerySession();
        return [.. (await session.Events.FetchStreamAsync(id)).Select(e => ((Incremented)e.Data).Total)];
    }

    [Fact]
    public async Task Concurrent_commands_are_decided_again_on_fresh_state_until_each_lands_and_the_chain_holds()
    {
        var id = NewId();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Handler.HandleAsync(Counter, id, new Increment(1), Someone))));

        Assert.Equal(Enumerable.Range(1, 8), await TotalsAsync(id));
        Assert.Equal(new HashChainVerification(id, true, null, 8), await new StoredStreams(Store, DataSource).VerifyAsync(id));
    }

    [Fact]
    public async Task A_repeated_command_id_returns_the_first_result_and_appends_nothing()
    {
        var id = NewId();
        var context = Someone with { CommandId = Guid.NewGuid(), Fingerprint = "first" };
        var first = await Handler.HandleAsync(Counter, id, new Increment(5), context);
        await Handler.HandleAsync(Counter, id, new Increment(1), Someone);
        var retry = await Handler.HandleAsync(Counter, id, new Increment(5), context);

        Assert.Equal((1L, 5), (first.Version, first.State));
        Assert.Equal((1L, 5), (retry.Version, retry.State));
        Assert.Equal([5, 6], await TotalsAsync(id));
        await Assert.ThrowsAsync<IdempotencyKeyReusedException>(() => Handler.HandleAsync(Counter, id, new Increment(5), context with { Fingerprint = "another request" }));
    }

    [Fact]
    public async Task A_pinned_stale_version_is_refused_and_writes_nothing()
    {
        var id = NewId();
        await Handler.HandleAsync(Counter, id, new Increment(1), Someone);
        await Handler.HandleAsync(Counter, id, new Increment(1), Someone);

        var stale = await Assert.ThrowsAsync<PreconditionFailedException>(() => Handler.HandleAsync(Counter, id, new Increment(1), Someone with { ExpectedVersion = 1 }));
        Assert.Equal(2, stale.Actual);
        Assert.Equal(2, (await TotalsAsync(id)).Count);
        var ok = await Handler.HandleAsync(Counter, id, new Increment(1), Someone with { ExpectedVersion = 2 });
        Assert.Equal(3, ok.State);
    }

    [Fact]
    public async Task A_command_that_changes_nothing_appends_nothing()
    {
        var id = NewId();
        await Handler.HandleAsync(Counter, id, new Increment(2), Someone);
        var nothing = await Handler.HandleAsync(Counter, id, new Increment(0), Someone);
        Assert.Equal((1L, 2), (nothing.Version, nothing.State));
        Assert.Equal([2], await TotalsAsync(id));
    }

    [Fact]
    public async Task A_fresh_stream_skips_the_read_and_still_refuses_an_existing_one()
    {
        var id = NewId();
        await Handler.HandleAsync(Counter, id, new Increment(1), Someone with { NewStream = true });
        var second = await Handler.HandleAsync(Counter, id, new Increment(1), Someone with { NewStream = true });
        Assert.Equal((2L, 2), (second.Version, second.State));
    }

    [Fact]
    public async Task A_unique_key_is_claimed_with_the_append_and_a_second_claim_appends_nothing()
    {
        var (first, second) = (NewId(), NewId());
        var key = new StreamKey("complaint-tracking-number", "CHK-2026-" + Guid.NewGuid().ToString("N")[..10]);
        await Handler.HandleAsync(Counter, first, new Increment(1), Someone with { Keys = [key] });
        await Assert.ThrowsAsync<DuplicateStreamKeyException>(() => Handler.HandleAsync(Counter, second, new Increment(1), Someone with { Keys = [key] }));

        Assert.Empty(await TotalsAsync(second));
        Assert.Equal(first, await Handler.FindStreamIdAsync(key));
    }

    [Fact]
    public async Task New_streams_that_arrive_together_share_a_transaction_and_each_keeps_its_own_events_actor_key_and_chain()
    {
        var handler = new CommandHandler(Store, TimeProvider.System);
        var ids = Enumerable.Range(0, 30).Select(_ => NewId()).ToArray();
        // Called one after the other without awaiting: the first is written at once, the others arrive while it is.
        var results = await Task.WhenAll(ids.Select((id, i) => handler.HandleAsync(Counter, id, new Increment(i + 1),
            new CommandContext(new Actor($"citizen-{i}", Role.Citizen)) { NewStream = true, Keys = [new StreamKey("counter-key", id)] })));

        var counts = handler.Group.Counts;
        Assert.True(counts.Members == 30 && counts.Groups < counts.Members && counts.Failed == 0, $"{counts}");
        var chains = new StoredStreams(Store, DataSource);
        await using var session = Store.QuerySession();
        for (var i = 0; i < ids.Length; i++)
        {
            Assert.Equal((ids[i], 1L, i + 1), (results[i].StreamId, results[i].Version, results[i].State));
            var events = await session.Events.FetchStreamAsync(ids[i]);
            Assert.Equal((i + 1, $"Citizen:citizen-{i}"), (((Incremented)events.Single().Data).Total, events[0].UserName));
            Assert.Equal(new HashChainVerification(ids[i], true, null, 1), await chains.VerifyAsync(ids[i]));
            Assert.Equal(ids[i], await handler.FindStreamIdAsync(new StreamKey("counter-key", ids[i])));
        }
    }

    [Fact]
    public async Task A_group_that_one_member_breaks_is_written_member_by_member_and_only_that_member_fails()
    {
        var handler = new CommandHandler(Store, TimeProvider.System);
        // Whether the breaking member shares a group depends on timing (alone, it fails with its own error): each round
        // checks every guarantee, and rounds go on until one round's breaker broke a group.
        for (var round = 1; handler.Group.Counts.Failed == 0; round++)
        {
            Assert.True(round <= 10, $"in 10 rounds the breaking member never shared a group: {handler.Group.Counts}");
            var taken = new StreamKey("counter-key", "taken-" + Guid.NewGuid().ToString("N"));
            var owner = NewId();
            await handler.HandleAsync(Counter, owner, new Increment(1), Someone with { NewStream = true, Keys = [taken] });
            var ids = Enumerable.Range(0, 40).Select(_ => NewId()).ToArray();
            var tasks = ids.Select((id, i) => handler.HandleAsync(Counter, id, new Increment(1),
                Someone with { NewStream = true, Keys = [i == 20 ? taken : new StreamKey("counter-key", id)] })).ToArray();

            await Assert.ThrowsAsync<DuplicateStreamKeyException>(() => tasks[20]);
            await Task.WhenAll(tasks.Where((_, i) => i != 20));
            Assert.Empty(await TotalsAsync(ids[20]));
            foreach (var id in ids.Where((_, i) => i != 20))
            {
                Assert.Equal([1], await TotalsAsync(id));
            }

            Assert.Equal(owner, await handler.FindStreamIdAsync(taken));
        }
    }

    [Fact]
    public async Task A_stream_loads_at_a_version()
    {
        var id = NewId();
        for (var i = 0; i < 3; i++)
        {
            await Handler.HandleAsync(Counter, id, new Increment(10), Someone);
        }

        Assert.Equal((20, 2L), await Handler.LoadAsync(Counter, id, 2));
        Assert.Equal((30, 3L), await Handler.LoadAsync(Counter, id));
    }

    [Fact]
    public async Task A_stream_loads_as_of_a_time_and_every_event_carries_its_actor_and_command()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        var handler = new CommandHandler(Store, time);
        var id = NewId();
        var command = Guid.NewGuid();
        await handler.HandleAsync(Counter, id, new Increment(1), Someone with { CommandId = command });
        time.Advance(TimeSpan.FromDays(1));
        await handler.HandleAsync(Counter, id, new Increment(1), Someone);

        Assert.Equal((1, 1L), await handler.LoadAsync(Counter, id, asOf: new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal((2, 2L), await handler.LoadAsync(Counter, id, asOf: new DateTimeOffset(2026, 3, 4, 0, 0, 0, TimeSpan.Zero)));
        await using var session = Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(id);
        Assert.Equal(("Supervisor:tester", command.ToString(), command.ToString()), (events[0].UserName, events[0].CorrelationId, events[0].Headers![CommandHandler.CommandHeader].ToString()));
        Assert.Equal(new DateTimeOffset(2026, 3, 3, 9, 0, 0, TimeSpan.Zero), events[1].Timestamp);
    }
}

public sealed record Increment(int By);

public sealed record Incremented(int Total);
