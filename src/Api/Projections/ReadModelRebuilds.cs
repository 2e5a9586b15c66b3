using Idarati.Projections;
using JasperFx.Events.Daemon;
using Marten;

namespace Idarati.Api.Projections;

/// <summary>Another node leads Marten's daemon: the rebuild must run there (409 naming it).</summary>
public sealed class NotLeaderException(string? leader)
    : Exception(leader is null
        ? "No node leads the projections at the moment (Projections:Daemon is off here, or the leader is being replaced); retry shortly."
        : $"The node '{leader}' leads the projections: a rebuild runs where the daemon runs; ask that node.")
{
    public string? Leader { get; } = leader;
}

/// <summary>
/// Rebuilds a read model with Marten's daemon on this node when it leads: the projection's tables are emptied, its
/// progression and dead letters forgotten, and the log replayed from zero, in the background; the status shows it as
/// rebuilding until it has caught up. Marten stops the projection's agent for the rebuild and starts it again after.
/// </summary>
public sealed class ReadModelRebuilds(IServiceProvider services, ProjectionMonitor monitor, IHostApplicationLifetime lifetime, ILogger<ReadModelRebuilds> logger)
{
    /// <summary>Starts a rebuild; false for an unknown projection. Throws <see cref="NotLeaderException"/> when another node leads.</summary>
    public Task<bool> StartAsync(string name, CancellationToken cancellationToken)
    {
        if (monitor.Projections.All(p => p.Name != name))
        {
            return Task.FromResult(false);
        }

        var daemon = Daemon();
        if (daemon is not { IsRunning: true })
        {
            return LeaderElsewhereAsync(cancellationToken);
        }

        var rebuilding = monitor.Rebuilding(name);
        _ = Task.Run(async () =>
        {
            using (rebuilding)
            {
                try
                {
                    await daemon.RebuildProjectionAsync(name, TimeSpan.FromHours(1), lifetime.ApplicationStopping).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Rebuild of projection {Projection} failed", name);
                }
            }
        }, CancellationToken.None);
        return Task.FromResult(true);
    }

    /// <summary>Rebuilds and waits until done (the CLI verb, on a node whose daemon runs in this process).</summary>
    public async Task RebuildAsync(string name, CancellationToken cancellationToken)
    {
        var daemon = Daemon() ?? throw new NotLeaderException(null);
        using (monitor.Rebuilding(name))
        {
            await daemon.RebuildProjectionAsync(name, TimeSpan.FromHours(1), cancellationToken).ConfigureAwait(false);
        }
    }

    private IProjectionDaemon? Daemon() => services.GetService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>()?.DaemonForMainDatabase();

    private async Task<bool> LeaderElsewhereAsync(CancellationToken cancellationToken) =>
        throw new NotLeaderException((await monitor.LeaderAsync(cancellationToken).ConfigureAwait(false)).Node);
}

/// <summary>
/// While this node's Marten daemon runs the read models (HotCold: it holds Marten's leadership lock), it says so every
/// Projections:Heartbeat (1 s), so that every node's status names the leader and shows a projection as stalled when no
/// node has led it for Projections:StalledAfter while events wait.
/// </summary>
public sealed class LeaderHeartbeat(IServiceProvider services, ProjectionMonitor monitor, IConfiguration configuration, TimeProvider time, ILogger<LeaderHeartbeat> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var node = Idarati.Api.Infrastructure.Database.NodeName(configuration);
        var interval = configuration.GetValue("Projections:Heartbeat", TimeSpan.FromSeconds(1));
        // Every 50 ms while this node does not lead (so a new leader shows at once), every interval while it does.
        using var fast = new PeriodicTimer(TimeSpan.FromMilliseconds(50), time);
        using var slow = new PeriodicTimer(interval, time);
        var leading = false;
        do
        {
            try
            {
                var daemon = services.GetService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>()?.DaemonForMainDatabase();
                leading = daemon is { IsRunning: true } && daemon.CurrentAgents().Count > 0;
                if (leading)
                {
                    await monitor.BeatAsync(node, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "The daemon's heartbeat could not be written");
            }
        }
        while (await (leading ? slow : fast).WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
