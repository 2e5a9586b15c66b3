namespace Idarati.Projections;

/// <summary>
/// How fresh a report's figures are: the global log position every read model it reads has reached, how many events of
/// the log come after it, and how old the oldest of them is. While events wait (after a seed, during a rebuild or a
/// failover) the figures are provisional; they are final for that position once none does.
/// </summary>
public sealed record Freshness(long Position, long LagEvents, [property: System.Text.Json.Serialization.JsonIgnore] DateTimeOffset? OldestWaitingAt = null, double LagSeconds = 0)
{
    /// <summary>No event of the log waits for these read models: the figures are final for <see cref="Position"/>.</summary>
    public bool Final => LagEvents == 0;

    /// <summary>With <see cref="LagSeconds"/>, the age of the oldest event waiting, on the service's clock at <paramref name="now"/>.</summary>
    public Freshness At(DateTimeOffset now) =>
        this with { LagSeconds = LagEvents > 0 && OldestWaitingAt is { } oldest ? Math.Round(Math.Max(0, (now - oldest).TotalSeconds), 3) : 0 };
}
