using JasperFx.Events.Daemon;
using Marten;
using Npgsql;

namespace Idarati.Projections;

public enum ProjectionState
{
    Running,

    /// <summary>A rebuild was asked for and waits for the leader to start it.</summary>
    Queued,

    Rebuilding,

    /// <summary>No node has said it leads the daemon for longer than a takeover takes while events wait.</summary>
    Stalled,
}

/// <summary>
/// Where a projection stands: its position in the log (Marten's progression), how far behind it is, which node leads
/// it (the node whose daemon holds Marten's leadership lock says so every second), and the events it set aside.
/// </summary>
public sealed record ProjectionStatus(
    string Name, ProjectionState State, long Position, long LagEvents, double LagSeconds, string? Leader, DateTimeOffset? LeaderSeenAt,
    long DeadLetterCount, IReadOnlyList<DeadLetter> DeadLetters, DateTimeOffset UpdatedAt);

/// <summary>An event a projection could not apply, set aside in Marten's dead-letter storage so that it went on; a rebuild replays it.</summary>
public sealed record DeadLetter(long Position, string StreamId, long Version, string Type, string Error, DateTimeOffset FailedAt);

/// <summary>The read models' state as every node can see it, from Marten's tables and the server's lock table.</summary>
public sealed class ProjectionMonitor(IDocumentStore store, NpgsqlDataSource dataSource, IReadOnlyList<IReadModelProjection> projections, IReadOnlyDictionary<Type, string> storedNames, TimeProvider time)
{
    private int _rebuilding;

    /// <summary>How many of each projection's dead letters the status lists (the newest; the count is always whole).</summary>
    public int DeadLettersListed { get; init; } = 100;

    public IReadOnlyList<IReadModelProjection> Projections { get; } = projections;

    private string Schema => store.Options.DatabaseSchemaName;

    private StoreOptions Options => ((DocumentStore)store).Options;

    /// <summary>Whether this node has paused its daemon to rebuild (it still holds Marten's locks: it leads).</summary>
    public bool AnyRebuilding => Volatile.Read(ref _rebuilding) > 0;

    /// <summary>Marks this node as rebuilding until disposed.</summary>
    public IDisposable Rebuilding()
    {
        Interlocked.Increment(ref _rebuilding);
        return new Unmark(() => Interlocked.Decrement(ref _rebuilding));
    }

    /// <summary>The rebuilds asked for and not yet done.</summary>
    public RebuildQueue Rebuilds => _rebuilds ??= new RebuildQueue(dataSource, Schema);

    private RebuildQueue? _rebuilds;

    public async Task<IReadOnlyList<ProjectionStatus>> StatusAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var (leader, seenAt) = await LeaderAsync(cancellationToken).ConfigureAwait(false);
        var rebuilds = (await Rebuilds.PendingAsync(cancellationToken).ConfigureAwait(false)).ToDictionary(r => r.Projection, r => r.Started, StringComparer.Ordinal);
        var list = new List<ProjectionStatus>(Projections.Count);
        foreach (var projection in Projections)
        {
            var types = projection.EventTypes.Select(t => storedNames[t]).ToArray();
            await using var command = dataSource.CreateCommand($"""
                SELECT coalesce(p.last_seq_id, 0), p.last_updated, l.count, l.oldest
                  FROM (SELECT 1) one
                  LEFT JOIN {Schema}.mt_event_progression p ON p.name = $1
                  CROSS JOIN LATERAL (SELECT count(*) AS count, min(e.timestamp) AS oldest FROM {Schema}.mt_events e
                                       WHERE e.seq_id > coalesce(p.last_seq_id, 0) AND e.type = ANY($2)) l
                """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ShardName(projection.Name) });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types });
            long position, lag;
            DateTimeOffset? updated, oldest;
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                position = reader.GetInt64(0);
                updated = reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1);
                lag = reader.GetInt64(2);
                oldest = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3);
            }

            var (count, letters) = await DeadLettersAsync(projection.Name, cancellationToken).ConfigureAwait(false);
            var state = rebuilds.TryGetValue(projection.Name, out var started) ? (started ? ProjectionState.Rebuilding : ProjectionState.Queued)
                : leader is null && lag > 0 ? ProjectionState.Stalled : ProjectionState.Running;
            list.Add(new ProjectionStatus(projection.Name, state, position, lag, oldest is { } o && lag > 0 ? Math.Max(0, (now - o).TotalSeconds) : 0,
                leader, seenAt, count, letters, updated ?? now));
        }

        return list;
    }

    /// <summary>The shard Marten keeps a read model's progression under.</summary>
    public static string ShardName(string projection) => $"{projection}:All";

    /// <summary>How far a projection has come, in Marten's progression table (0 before its first batch).</summary>
    public async Task<long> PositionAsync(string projection, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT last_seq_id FROM {Schema}.mt_event_progression WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ShardName(projection) });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long position ? position : 0;
    }

    /// <summary>The last event of the log (0 when empty).</summary>
    public async Task<long> HeadAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT coalesce(max(seq_id), 0) FROM {Schema}.mt_events");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>How long a leader stays named without a heartbeat; past it, a projection with events waiting is stalled.</summary>
    public TimeSpan StalledAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Each daemon node's lease, and who leads.</summary>
    public DaemonLeases Leases => _leases ??= new DaemonLeases(dataSource, Schema);

    private DaemonLeases? _leases;

    /// <summary>The node that leads the daemon and when it last said so; the node is null once it is silent for <see cref="StalledAfter"/>.</summary>
    public Task<(string? Node, DateTimeOffset? SeenAt)> LeaderAsync(CancellationToken cancellationToken = default) =>
        Leases.LeaderAsync(StalledAfter, cancellationToken);

    private async Task<(long Count, IReadOnlyList<DeadLetter> Letters)> DeadLettersAsync(string projection, CancellationToken cancellationToken)
    {
        await using var session = store.QuerySession();
        var count = await session.Query<DeadLetterEvent>().CountAsync(d => d.ProjectionName == projection, cancellationToken).ConfigureAwait(false);
        if (count == 0)
        {
            return (0, []);
        }

        var newest = await session.Query<DeadLetterEvent>().Where(d => d.ProjectionName == projection).OrderByDescending(d => d.EventSequence)
            .Take(DeadLettersListed).ToListAsync(cancellationToken).ConfigureAwait(false);
        await using var command = dataSource.CreateCommand($"SELECT seq_id, stream_id, version, type FROM {Schema}.mt_events WHERE seq_id = ANY($1)");
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. newest.Select(d => d.EventSequence)] });
        var events = new Dictionary<long, (string Stream, long Version, string Type)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                events[reader.GetInt64(0)] = (reader.GetString(1), reader.GetInt64(2), reader.GetString(3));
            }
        }

        return (count, [.. newest.OrderBy(d => d.EventSequence).Select(d =>
        {
            var e = events.GetValueOrDefault(d.EventSequence, ("", 0, ""));
            return new DeadLetter(d.EventSequence, e.Stream, e.Version, e.Type, d.ExceptionMessage, d.Timestamp);
        })]);
    }

    private sealed class Unmark(Action action) : IDisposable
    {
        public void Dispose() => action();
    }
}
