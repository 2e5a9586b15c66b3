namespace Idarati.Projections;

/// <summary>
/// How fresh a report's figures are: the global log position every read model it reads has reached, how many events of
/// the log come after it, and how old the oldest of them is. While events wait (after a seed, during a rebuild or a
/// failover) the figures are provisional; they are final for that position once none does.
/// </summary>
public sealed record Freshness(long Position, long LagEvents, double LagSeconds)
{
    /// <summary>No event of the log waits for these read models: the figures are final for <see cref="Position"/>.</summary>
    public bool Final => LagEvents == 0;
}
