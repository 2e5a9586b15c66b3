using Idarati.Application.Handling;
using Idarati.Application.Streams;
using Idarati.Domain.Shared;
using Idarati.Tests;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Idarati.Application.Tests;

/// <summary>
/// A commit whose answer is lost: the connection drops after COMMIT reached the server, so the command path does not
/// know whether its events are stored. It must neither write them twice nor refuse a command that was stored; and when
/// the COMMIT never arrived, it must not claim a write that did not happen. The command path's own connections go
/// through a proxy that cuts them (<see cref="LostCommitProxy"/>), as the service's pool of prepared connections would.
/// </summary>
public sealed class LostCommitTests : IAsyncLifetime
{
    private static readonly Decider<Increment, Incremented, int> Counter = new(
        "counter", 0, (total, e) => e.Total, (command, total) => command.By == 0 ? [] : [new Incremented(total + command.By)]);

    private static readonly CommandContext Someone = new(new Actor("tester", Role.Supervisor));

    private MartenSchema _marten = null!;
    private LostCommitProxy _proxy = null!;
    private ServiceProvider _services = null!;
    private CommandHandler _handler = null!;

    private DocumentStore Store => _marten.Store;

    public async Task InitializeAsync()
    {
        _marten = await MartenSchema.CreateAsync("mtl_", options =>
        {
            options.Events.MapEventType<Incremented>("counter.incremented");
            DeciderAggregation<Increment, Incremented, int>.Register(options, Counter);
        });
        _proxy = new LostCommitProxy(TestStores.TestDatabase);
        _services = new ServiceCollection().AddSingleton(new CommandConnections(Npgsql.NpgsqlDataSource.Create(_proxy.ConnectionString))).BuildServiceProvider();
        _handler = new CommandHandler(Store, TimeProvider.System, _services);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _proxy.DisposeAsync();
        await _marten.DisposeAsync();
    }

    private static string NewId() => "counter-" + Guid.NewGuid().ToString("N");

    private async Task<IReadOnlyList<int>> TotalsAsync(string id)
    {
        await using var session = Store.QuerySession();
        return [.. (await session.Events.FetchStreamAsync(id)).Select(e => ((Incremented)e.Data).Total)];
    }

    [Fact]
    public async Task A_group_whose_commit_answer_is_lost_answers_every_member_as_written_and_writes_none_twice()
    {
        // Enough new streams at once that groups of several form; the first group of two or more loses its answer.
        _proxy.Arm(appends: 2, afterServerReceived: true);
        var ids = Enumerable.Range(0, 40).Select(_ => NewId()).ToArray();
        var results = await Task.WhenAll(ids.Select(id => Task.Run(() => _handler.HandleAsync(Counter, id, new Increment(7), Someone with { NewStream = true }))));

        Assert.Equal(1, _proxy.Lost);
        Assert.True(_handler.Group.Counts.Failed >= 1, $"{_handler.Group.Counts}");
        Assert.All(results, r => Assert.Equal((1L, 7), (r.Version, r.State)));
        foreach (var id in ids)
        {
            Assert.Equal([7], await TotalsAsync(id));
        }
    }

    [Fact]
    public async Task An_append_whose_commit_answer_is_lost_is_answered_as_written_once()
    {
        var id = NewId();
        await _handler.HandleAsync(Counter, id, new Increment(1), Someone);
        _proxy.Arm(appends: 1, afterServerReceived: true);

        var result = await _handler.HandleAsync(Counter, id, new Increment(1), Someone);

        Assert.Equal(1, _proxy.Lost);
        Assert.Equal((2L, 2), (result.Version, result.State));
        Assert.Equal([1, 2], await TotalsAsync(id));
    }

    [Fact]
    public async Task A_commit_the_server_never_received_is_not_taken_for_a_write_and_the_retry_writes_once()
    {
        var id = NewId();
        await _handler.HandleAsync(Counter, id, new Increment(1), Someone);
        _proxy.Arm(appends: 1, afterServerReceived: false);

        await Assert.ThrowsAnyAsync<Exception>(() => _handler.HandleAsync(Counter, id, new Increment(1), Someone));
        Assert.Equal(1, _proxy.Lost);
        Assert.Equal([1], await TotalsAsync(id));

        var retry = await _handler.HandleAsync(Counter, id, new Increment(1), Someone);
        Assert.Equal((2L, 2), (retry.Version, retry.State));
        Assert.Equal([1, 2], await TotalsAsync(id));
    }
}
