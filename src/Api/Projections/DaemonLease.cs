using Idarati.Api.Infrastructure;
using Idarati.Projections;
using IProjectionCoordinator = Marten.Events.Daemon.Coordination.IProjectionCoordinator;

namespace Idarati.Api.Projections;

/// <summary>
/// Leadership as a lease. Marten's HotCold daemon holds its shard locks on a session, and a frozen process (SIGSTOP, a
/// long pause, a suspended VM) keeps that session and every read model with it. So every node running the daemon renews
/// a lease every Projections:Heartbeat (1 s), and fences any other node silent for Projections:Lease (5 s): its row
/// goes and its sessions are ended, the locks fall free, and a live node's daemon takes the shards at its next poll.
/// A fenced node that wakes finds its row gone and restarts its daemon as a follower before it renews; until then its
/// writes fail, since its sessions are gone and Marten checks every batch against the stored progression.
/// </summary>
public sealed class DaemonLease(IServiceProvider services, ProjectionMonitor monitor, IConfiguration configuration, TimeProvider time, ILogger<DaemonLease> logger) : BackgroundService
{
    private readonly string _node = Database.NodeName(configuration);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sessions = Database.SessionName(configuration);
        var interval = configuration.GetValue("Projections:Heartbeat", TimeSpan.FromSeconds(1));
        var lease = configuration.GetValue("Projections:Lease", TimeSpan.FromSeconds(5));
        // Looks every 50 ms whether this node leads (in memory), so that the status names a new leader at once; the
        // database hears from it when that changes and every interval.
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(50), time);
        var registered = false;
        bool? said = null;
        var renewed = time.GetTimestamp();
        do
        {
            var coordinator = services.GetService<IProjectionCoordinator>();
            // A node that paused its daemon for a rebuild still leads (it keeps Marten's locks).
            var leading = coordinator is not null && (ReadModelRebuilds.Leads(coordinator) || monitor.AnyRebuilding);
            if (leading == said && time.GetElapsedTime(renewed) < interval)
            {
                continue;
            }

            try
            {
                if (!await monitor.Leases.TryRenewAsync(_node, leading, stoppingToken).ConfigureAwait(false))
                {
                    if (registered && coordinator is not null)
                    {
                        logger.LogWarning("This node's lease ran out while it was silent and another node fenced it: its daemon restarts as a follower");
                        await coordinator.PauseAsync().ConfigureAwait(false);
                        await coordinator.ResumeAsync().ConfigureAwait(false);
                        leading = false;
                    }

                    await monitor.Leases.RegisterAsync(_node, sessions, leading, stoppingToken).ConfigureAwait(false);
                    registered = true;
                }

                said = leading;
                renewed = time.GetTimestamp();
                foreach (var fenced in await monitor.Leases.FenceAsync(_node, lease, stoppingToken).ConfigureAwait(false))
                {
                    logger.LogWarning("Node {Node} was silent for longer than its lease ({Lease}): fenced, {Sessions} of its sessions ended", fenced.Node, lease, fenced.SessionsEnded);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "The daemon's lease could not be renewed");
            }
        }
        while (await tick.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await monitor.Leases.LeaveAsync(_node, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "The daemon's lease could not be given up; it runs out by itself");
        }
    }
}
