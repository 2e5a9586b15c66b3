using Idarati.Application.Handling;
using Idarati.Domain.Shared;
using Idarati.EventStore;
using Idarati.EventStore.Tests;

namespace Idarati.Application.Tests;

public sealed record Increment(int By);

public sealed record Incremented(int Total);

/// <summary>The shared command path on a real store, with a counter whose every decision depends on the state read.</summary>
public sealed class CommandHandlerTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static readonly Decider<Increment, Incremented, int> Counter = new(
        "counter", 0, (total, e) => e.Total, (command, total) => command.By == 0 ? [] : [new Incremented(total + command.By)]);

    private readonly PostgresEventStore _store = fixture.NewStore(types => types.Register<Incremented>("counter.incremented"));

    private CommandHandler Handler => new(_store, fixture.Time);

    private static readonly CommandContext Someone = new(new Actor("tester", Role.Supervisor));

    private static string NewId() => "counter-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Concurrent_commands_are_decided_again_on_fresh_state_until_each_lands()
    {
        var id = NewId();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => Handler.HandleAsync(Counter, id, new Increment(1), Someone))));

        var stream = (await _store.LoadStreamAsync(id))!;
        Assert.Equal(Enumerable.Range(1, 8), stream.Events.Select(e => ((Incremented)e.Data).Total));
    }

    [Fact]
    public async Task A_repeated_command_id_returns_the_first_result_and_appends_nothing()
    {
        var id = NewId();
        var context = Someone with { CommandId = Guid.NewGuid() };
        var first = await Handler.HandleAsync(Counter, id, new Increment(5), context);
        await Handler.HandleAsync(Counter, id, new Increment(1), Someone);
        var retry = await Handler.HandleAsync(Counter, id, new Increment(5), context);

        Assert.Equal((1L, 5, false), (first.Version, first.State, first.Duplicate));
        Assert.Equal((1L, 5, true), (retry.Version, retry.State, retry.Duplicate));
        Assert.Equal(2, (await _store.LoadStreamAsync(id))!.Version);
    }

    [Fact]
    public async Task A_pinned_stale_version_is_refused_and_writes_nothing()
    {
        var id = NewId();
        await Handler.HandleAsync(Counter, id, new Increment(1), Someone);
        await Handler.HandleAsync(Counter, id, new Increment(1), Someone);

        var stale = await Assert.ThrowsAsync<PreconditionFailedException>(() => Handler.HandleAsync(Counter, id, new Increment(1), Someone with { ExpectedVersion = 1 }));
        Assert.Equal(2, stale.Actual);
        Assert.Equal(2, (await _store.LoadStreamAsync(id))!.Version);
        var ok = await Handler.HandleAsync(Counter, id, new Increment(1), Someone with { ExpectedVersion = 2 });
        Assert.Equal(3, ok.State);
    }

    [Fact]
    public async Task A_command_that_changes_nothing_appends_nothing()
    {
        var id = NewId();
        await Handler.HandleAsync(Counter, id, new Increment(2), Someone);
        var nothing = await Handler.HandleAsync(Counter, id, new Increment(0), Someone);
        Assert.Equal((1L, 2, 0), (nothing.Version, nothing.State, nothing.EventsAppended));
    }

    [Fact]
    public async Task A_fresh_stream_skips_the_read_and_still_refuses_an_existing_one()
    {
        var id = NewId();
        await Handler.HandleAsync(Counter, id, new Increment(1), Someone with { NewStream = true });
        var second = await Handler.HandleAsync(Counter, id, new Increment(1), Someone with { NewStream = true });
        Assert.Equal((2L, 2), (second.Version, second.State));
    }
}
