using Idarati.Api.Infrastructure;
using Idarati.Projections;
using IProjectionCoordinator = Marten.Events.Daemon.Coordination.IProjectionCoordinator;
using Marten;

namespace Idarati.Api.Projections;

/// <summary>No node leads the read models, so a rebuild asked for now would wait for one (409).</summary>
public sealed class NotLeaderException() : Exception(
    "No node runs the read models at the moment (no daemon is on, or the leader is being replaced): a rebuild would wait for one; retry shortly.");

/// <summary>
/// Rebuilds of read models, asked on any node and run by the node whose Marten daemon runs them. A request is queued in
/// the database (<see cref="RebuildQueue"/>); the leader pauses its daemon once (its agents stop, it keeps Marten's
/// locks), rebuilds every queued read model in turn with a daemon of its own (the tables emptied, the progression and
/// dead letters forgotten, the log replayed from zero), takes in what was asked meanwhile, and resumes.
/// </summary>
public sealed class ReadModelRebuilds(IServiceProvider services, ProjectionMonitor monitor, IConfiguration configuration, TimeProvider time, ILogger<ReadModelRebuilds> logger)
    : BackgroundService
{
    private readonly SemaphoreSlim _asked = new(0);

    /// <summary>
    /// Queues a rebuild of each read model named (every one when none is), and answers their status: queued, or
    /// rebuilding when one was under way. Null for an unknown name; <see cref="NotLeaderException"/> when no node leads.
    /// </summary>
    public async Task<IReadOnlyList<ProjectionStatus>?> RequestAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        var known = monitor.Projections.Select(p => p.Name).ToList();
        if (names.Any(n => !known.Contains(n, StringComparer.Ordinal)))
        {
            return null;
        }

        var asked = names.Count == 0 ? known : names.Distinct(StringComparer.Ordinal).ToList();
        if ((await monitor.LeaderAsync(cancellationToken).ConfigureAwait(false)).Node is null)
        {
            throw new NotLeaderException();
        }

        await monitor.Rebuilds.RequestAsync(asked, Database.NodeName(configuration), cancellationToken).ConfigureAwait(false);
        _asked.Release();
        return [.. (await monitor.StatusAsync(cancellationToken).ConfigureAwait(false)).Where(s => asked.Contains(s.Name, StringComparer.Ordinal))];
    }

    /// <summary>Whether this node's daemon runs the read models (it holds Marten's locks and runs their agents).</summary>
    public static bool Leads(IProjectionCoordinator coordinator) =>
        coordinator.DaemonForMainDatabase() is { IsRunning: true } daemon && daemon.CurrentAgents().Count > 0;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A request taken here starts at once; one taken by another node is seen within a second.
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        var ticked = tick.WaitForNextTickAsync(stoppingToken).AsTask();
        Task? asked = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (services.GetService<IProjectionCoordinator>() is { } coordinator && Leads(coordinator)
                    && (await monitor.Rebuilds.PendingAsync(stoppingToken).ConfigureAwait(false)).Count > 0)
                {
                    await RebuildQueuedAsync(coordinator, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "The queued rebuilds could not be run");
            }

            // One wait on each at a time: a wait left pending when the other wins is kept for the next round.
            asked ??= _asked.WaitAsync(stoppingToken);
            var woken = await Task.WhenAny(ticked, asked).ConfigureAwait(false);
            if (woken == asked)
            {
                asked = null;
            }
            else
            {
                if (!await ticked.ConfigureAwait(false))
                {
                    return;
                }

                ticked = tick.WaitForNextTickAsync(stoppingToken).AsTask();
            }
        }
    }

    private async Task RebuildQueuedAsync(IProjectionCoordinator coordinator, CancellationToken cancellationToken)
    {
        var node = Database.NodeName(configuration);
        using var rebuilding = monitor.Rebuilding();
        await coordinator.PauseAsync().ConfigureAwait(false);
        try
        {
            IReadOnlyList<(string Projection, bool Started)> pending;
            while ((pending = await monitor.Rebuilds.PendingAsync(cancellationToken).ConfigureAwait(false)).Count > 0)
            {
                var name = pending[0].Projection;
                await monitor.Rebuilds.StartedAsync(name, node, cancellationToken).ConfigureAwait(false);
                try
                {
                    using var daemon = await services.GetRequiredService<IDocumentStore>().BuildProjectionDaemonAsync().ConfigureAwait(false);
                    await daemon.RebuildProjectionAsync(name, TimeSpan.FromHours(1), cancellationToken).ConfigureAwait(false);
                    await daemon.StopAllAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Rebuild of projection {Projection} failed", name);
                }

                await monitor.Rebuilds.DoneAsync(name, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await coordinator.ResumeAsync().ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        _asked.Dispose();
        base.Dispose();
    }
}
