using Idarati.Projections;
using JasperFx.Events.Daemon;
using IProjectionCoordinator = Marten.Events.Daemon.Coordination.IProjectionCoordinator;
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

        var coordinator = Coordinator();
        if (coordinator is null || !Leads(coordinator))
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
                    await RebuildOnThisNodeAsync(coordinator, name, lifetime.ApplicationStopping).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Rebuild of projection {Projection} failed", name);
                }
            }
        }, CancellationToken.None);
        return Task.FromResult(true);
    }

    /// <summary>Whether this node's daemon runs the read models (it holds Marten's leadership).</summary>
    public static bool Leads(IProjectionCoordinator coordinator) =>
        coordinator.DaemonForMainDatabase() is { IsRunning: true } daemon && daemon.CurrentAgents().Count > 0;

    /// <summary>
    /// Pauses this node's daemon (its agents stop, it keeps the leadership lock), rebuilds with a daemon of its own, and
    /// resumes: a rebuild run on the live daemon stops the projection's agent and does not start it again.
    /// </summary>
    private async Task RebuildOnThisNodeAsync(IProjectionCoordinator coordinator, string name, CancellationToken cancellationToken)
    {
        await coordinator.PauseAsync().ConfigureAwait(false);
        try
        {
            using var daemon = await services.GetRequiredService<IDocumentStore>().BuildProjectionDaemonAsync().ConfigureAwait(false);
            await daemon.RebuildProjectionAsync(name, TimeSpan.FromHours(1), cancellationToken).ConfigureAwait(false);
            await daemon.StopAllAsync().ConfigureAwait(false);
        }
        finally
        {
            await coordinator.ResumeAsync().ConfigureAwait(false);
        }
    }

    private IProjectionCoordinator? Coordinator() => services.GetService<IProjectionCoordinator>();

    private async Task<bool> LeaderElsewhereAsync(CancellationToken cancellationToken) =>
        throw new NotLeaderException((await monitor.LeaderAsync(cancellationToken).ConfigureAwait(false)).Node);
}
