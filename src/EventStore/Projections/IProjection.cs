using Npgsql;

namespace Idarati.EventStore.Projections;

/// <summary>
/// A read model built from the global log. The daemon calls <see cref="ApplyAsync"/> inside a transaction that also
/// moves the projection's checkpoint, so a crash never loses or double-counts an event.
/// </summary>
public interface IProjection
{
    /// <summary>A stable name: the checkpoint row and the leadership lock are keyed by it.</summary>
    string Name { get; }

    /// <summary>
    /// The event types the projection reads, or null for all. The daemon then reads only rows of those types (former
    /// names and upcast sources included), and moves the checkpoint past the others without reading them.
    /// </summary>
    IReadOnlyCollection<Type>? EventTypes => null;

    /// <summary>Creates the read model's tables when missing (idempotent).</summary>
    Task CreateAsync(NpgsqlConnection connection, CancellationToken cancellationToken);

    /// <summary>Writes the effect of <paramref name="events"/> (in position order) in the daemon's transaction.</summary>
    Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<RecordedEvent> events, CancellationToken cancellationToken);

    /// <summary>Empties the read model for a rebuild, in the transaction that resets the checkpoint to zero.</summary>
    Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);

    /// <summary>
    /// Secondary indexes a rebuild drops with the rows and builds once it has caught up: one bulk build writes far
    /// less than maintaining them row by row through the whole log. Queries of a rebuilding read model are incomplete
    /// anyway. The daemon creates them with the tables (<see cref="CreateAsync"/> need not), except while a rebuild runs.
    /// </summary>
    IReadOnlyList<DeferredIndex> DeferredIndexes => [];
}

/// <summary>An index a rebuild may defer: its schema-qualified name and the statement that creates it if missing.</summary>
public sealed record DeferredIndex(string QualifiedName, string CreateSql);

public enum ProjectionState
{
    Running,
    Rebuilding,

    /// <summary>Reported only: no node has led the projection for longer than a takeover takes while events wait.</summary>
    Stalled,
}

/// <summary>
/// Where a projection stands: its checkpoint, how far behind the log it is, which node leads it (null when none has
/// shown itself within the takeover time), and the events it set aside.
/// </summary>
public sealed record ProjectionStatus(
    string Name, ProjectionState State, long Position, long LagEvents, double LagSeconds, string? Leader, DateTimeOffset? LeaderSeenAt,
    long DeadLetterCount, IReadOnlyList<DeadLetter> DeadLetters, DateTimeOffset UpdatedAt);

/// <summary>
/// An event a projection could not apply, set aside so that the projection goes on: where it is in the log, whose it
/// is, and the error. A rebuild replays it with everything else (and forgets the projection's dead letters first).
/// </summary>
public sealed record DeadLetter(long Position, string StreamId, long Version, string Type, string Error, DateTimeOffset FailedAt);

/// <summary>
/// A projection's checkpoint and the log's first and last stable positions. Positions grow with the writing
/// transaction's id, not one by one, so <see cref="Progress"/> is the share of that range covered: a progress bar,
/// not a count.
/// </summary>
public sealed record ProjectionCheckpoint(string Name, ProjectionState State, long Position, long First, long Head)
{
    public double Progress => Head <= First ? 1 : Math.Clamp((double)(Position - First) / (Head - First), 0, 1);
}
