using Npgsql;

namespace Idarati.Projections;

/// <summary>An event as a read model sees it: where it is in the log, whose it is, what it says, and its tamper-evidence hash.</summary>
public sealed record ProjectedEvent(long Sequence, string StreamId, long Version, object Data, DateTimeOffset Timestamp, string? Hash = null);

/// <summary>
/// A read model in tables of its own, kept by Marten's async daemon (<see cref="MartenReadModel"/>): each batch is
/// written in the daemon's transaction, the one that also moves the projection's progression, so a crash never loses
/// or double-counts an event.
/// </summary>
public interface IReadModelProjection
{
    /// <summary>A stable name: Marten's progression row ("name:All") and the dead letters are keyed by it.</summary>
    string Name { get; }

    /// <summary>The event types the projection reads; the daemon loads only rows of those types.</summary>
    IReadOnlyCollection<Type> EventTypes { get; }

    /// <summary>The tables a rebuild empties before replaying the log.</summary>
    IReadOnlyList<string> Tables { get; }

    /// <summary>Creates the read model's tables when missing (idempotent).</summary>
    Task CreateAsync(NpgsqlConnection connection, CancellationToken cancellationToken);

    /// <summary>Writes the effect of <paramref name="events"/> (in log order) in the daemon's transaction.</summary>
    Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ProjectedEvent> events, CancellationToken cancellationToken);

    /// <summary>Secondary indexes, created with the tables.</summary>
    IReadOnlyList<DeferredIndex> DeferredIndexes => [];

    /// <summary>
    /// Whether an event the projection cannot apply is set aside as a dead letter so that the others go on (a read
    /// model), or stops the projection until it is dealt with (the audit log, where a skipped event would be a lie).
    /// </summary>
    bool SetsAsideBadEvents => true;

    /// <summary>Events per batch when it differs from the store's (Projections:BatchSize).</summary>
    int? BatchSize => null;
}

/// <summary>An index of a read model: its schema-qualified name and the statement that creates it if missing.</summary>
public sealed record DeferredIndex(string QualifiedName, string CreateSql);
