using System.Diagnostics;
using Idarati.Application.Streams;
using Idarati.Tests;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Services;

namespace Idarati.Application.Tests;

/// <summary>One document per event an asynchronous projection saw.</summary>
public sealed record SeenEvent(string Id, long Sequence);

/// <summary>An asynchronous projection that records every event it is given.</summary>
public sealed class SeenProjection : Marten.Events.Projections.IProjection
{
    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            operations.Store(new SeenEvent(e.StreamKey + "/" + e.Version, e.Sequence));
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Marten's async daemon with the settings the service uses (transaction evidence for gap skipping, on by default):
/// an append whose transaction commits late, while others commit, still reaches the projection; a rolled-back append
/// holds the projection back no longer than the stale threshold and a little more (issue 14).
/// </summary>
public sealed class MartenDaemonGapTests : IAsyncLifetime
{
    private MartenSchema _marten = null!;

    private DocumentStore Store => _marten.Store;

    private Npgsql.NpgsqlDataSource DataSource => _marten.DataSource;

    private string Schema => _marten.Schema;

    private IProjectionDaemon _daemon = null!;

    public async Task InitializeAsync()
    {
        _marten = await MartenSchema.CreateAsync("mtd_", options => { options.Events.MapEventType<Incremented>("counter.incremented"); options.Projections.Add(new SeenProjection(), ProjectionLifecycle.Async, "seen"); options.Projections.StaleSequenceThreshold = TimeSpan.FromSeconds(3); });
        _daemon = await Store.BuildProjectionDaemonAsync();
        await _daemon.StartAllAsync();
    }

    public async Task DisposeAsync()
    {
        await _daemon.StopAllAsync();
        await _marten.DisposeAsync();
    }

    private async Task AppendAsync(string stream)
    {
        await using var session = Store.LightweightSession();
        session.Events.StartStream(stream, new Incremented(1));
        await session.SaveChangesAsync();
    }

    private async Task<bool> SeenAsync(params string[] streams)
    {
        await using var query = Store.QuerySession();
        var ids = streams.Select(s => s + "/1").ToArray();
        return (await query.LoadManyAsync<SeenEvent>(ids)).Count == ids.Length;
    }

    /// <summary>Appends to <paramref name="stream"/> in a transaction of its own, left open: its sequence number is taken, its event not yet visible.</summary>
    private async Task<(Npgsql.NpgsqlConnection Connection, Npgsql.NpgsqlTransaction Transaction)> OpenAppendAsync(string stream)
    {
        var connection = await DataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var session = Store.LightweightSession(SessionOptions.ForTransaction(transaction));
        session.Events.StartStream(stream, new Incremented(1));
        await session.SaveChangesAsync();
        return (connection, transaction);
    }

    [Fact]
    public async Task An_append_committed_late_while_others_commit_still_reaches_the_projection()
    {
        var late = "late-" + Guid.NewGuid().ToString("N");
        var (connection, transaction) = await OpenAppendAsync(late);
        var others = Enumerable.Range(0, 3).Select(i => $"other-{i}-{Guid.NewGuid():N}").ToArray();
        foreach (var other in others)
        {
            await AppendAsync(other);
        }

        // The transaction stays open for 5 s, past the 3 s stale threshold, while the events after it are committed;
        // what matters is that the daemon never gives up on it.
        var open = Stopwatch.StartNew();
        using (var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100)))
        {
            while (open.Elapsed < TimeSpan.FromSeconds(5) && await tick.WaitForNextTickAsync())
            {
                Assert.False(await SeenAsync(late), "the late event was seen before it was committed");
            }
        }

        await transaction.CommitAsync();
        await connection.DisposeAsync();
        var committed = Stopwatch.StartNew();
        await Deadline.UntilAsync(() => SeenAsync([late, .. others]), 30, "the projection to see the late event and the others");
        Console.WriteLine($"late commit: seen {committed.Elapsed.TotalSeconds:F2} s after its commit");
    }

    [Fact]
    public async Task A_rolled_back_append_holds_the_projection_back_no_longer_than_the_stale_threshold()
    {
        var (connection, transaction) = await OpenAppendAsync("rolled-back-" + Guid.NewGuid().ToString("N"));
        var after = "after-" + Guid.NewGuid().ToString("N");
        await AppendAsync(after);
        await transaction.RollbackAsync();
        await connection.DisposeAsync();
        var rolledBack = Stopwatch.StartNew();

        await Deadline.UntilAsync(() => SeenAsync(after), 30, "the projection to pass the gap the rollback left");
        Assert.True(rolledBack.Elapsed < TimeSpan.FromSeconds(3 + 5), $"the gap held the projection {rolledBack.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"rollback: the next event seen {rolledBack.Elapsed.TotalSeconds:F2} s after the rollback");
    }
}
