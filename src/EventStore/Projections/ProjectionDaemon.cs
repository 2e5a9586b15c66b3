using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Idarati.EventStore.Projections;

public sealed class ProjectionDaemonOptions
{
    public int BatchSize { get; set; } = 5000;

    /// <summary>How long an idle projection waits before reading the log again.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long a projection that has caught up waits before its next batch, so that under a steady stream of appends
    /// it writes a batch of events every interval rather than a transaction per event (a full page never waits).
    /// </summary>
    public TimeSpan BatchInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How often a node that does not lead a projection tries to take it over.</summary>
    public TimeSpan LeadershipRetry { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Whether a batch's commit waits for its WAL flush (false by default). A batch's rows and its checkpoint commit
    /// together, and both come from the log: a batch the server lost in a crash is applied again from the checkpoint
    /// that was lost with it, so waiting for the disk buys nothing but a flush per batch that the writers' commits
    /// queue behind. Set it for a projection whose effects would not be lost with its checkpoint.
    /// </summary>
    public bool SynchronousCommit { get; set; }

    /// <summary>This node's name in the status: which node leads each projection.</summary>
    public string NodeName { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}";

    /// <summary>How often a leader says it still leads (written on its leadership connection).</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a projection may go without a leader's heartbeat, while events wait, before its status says Stalled:
    /// a dead leader's lock goes with its connection and another node takes over within <see cref="LeadershipRetry"/>.
    /// </summary>
    public TimeSpan StalledAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many of each projection's dead letters the status lists (the newest; the count is always whole).</summary>
    public int DeadLettersListed { get; set; } = 100;
}

/// <summary>
/// Runs projections over the global log. Each projection is led by one node at a time: the leader holds a session
/// advisory lock on a dedicated connection, so when its process dies the lock goes with the connection and another
/// node takes over; the leader's heartbeat says which node leads. Each batch is applied in one transaction with the
/// checkpoint update. An event a projection cannot apply is set aside as a dead letter (with its stream, version, type
/// and error) in the same transaction that moves the checkpoint past it, and the projection goes on: no event, whatever
/// a client put in it, stops a read model for everyone. Status times come from the store's TimeProvider.
/// </summary>
public sealed class ProjectionDaemon(PostgresEventStore store, IReadOnlyList<IProjection> projections, ProjectionDaemonOptions? options = null, ILogger? logger = null)
{
    private readonly ProjectionDaemonOptions _options = options ?? new ProjectionDaemonOptions();
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly string _s = store.Options.Schema;
    private readonly TimeProvider _time = store.Options.Time;
    private volatile bool _initialized;

    public IReadOnlyList<IProjection> Projections => projections;

    /// <summary>Creates the checkpoint table and every projection's tables (idempotent).</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var serialize = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({EventStoreSchema.Key("projections", _s)})", connection, transaction))
        {
            // Nodes starting together would race on CREATE TABLE IF NOT EXISTS.
            await serialize.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var command = new NpgsqlCommand($"""
            CREATE TABLE IF NOT EXISTS {_s}.projections (
                name text PRIMARY KEY,
                state text NOT NULL DEFAULT 'Running',
                position bigint NOT NULL DEFAULT 0,
                updated_at timestamptz NOT NULL);
            ALTER TABLE {_s}.projections ADD COLUMN IF NOT EXISTS leader text, ADD COLUMN IF NOT EXISTS leader_seen_at timestamptz,
                DROP COLUMN IF EXISTS failed_position, DROP COLUMN IF EXISTS error;
            -- Projections used to stop at a failing event; that event now becomes a dead letter when they go on.
            UPDATE {_s}.projections SET state = 'Running' WHERE state = 'Failed';
            CREATE TABLE IF NOT EXISTS {_s}.projection_dead_letters (
                projection text NOT NULL,
                position bigint NOT NULL,
                stream_id text NOT NULL,
                version bigint NOT NULL,
                type text NOT NULL,
                error text NOT NULL,
                failed_at timestamptz NOT NULL,
                PRIMARY KEY (projection, position))
            """, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Checkpoint rows first, read-model tables after. CREATE INDEX IF NOT EXISTS takes a share lock on its table
        // even when the index exists; taken before the row inserts, it could close a cycle with a running batch (which
        // holds its checkpoint row and waits to write its table) and end in a deadlock.
        foreach (var projection in projections)
        {
            await using var row = new NpgsqlCommand($"INSERT INTO {_s}.projections (name, updated_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", connection, transaction);
            row.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
            row.Parameters.Add(Now());
            await row.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var projection in projections)
        {
            await projection.CreateAsync(connection, cancellationToken).ConfigureAwait(false);
            if (projection.DeferredIndexes.Count == 0)
            {
                continue;
            }

            await using var rebuilding = new NpgsqlCommand($"SELECT state = 'Rebuilding' FROM {_s}.projections WHERE name = $1", connection, transaction);
            rebuilding.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection.Name });
            if (!(bool)(await rebuilding.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                foreach (var index in projection.DeferredIndexes)
                {
                    await using var create = new NpgsqlCommand(index.CreateSql, connection, transaction);
                    await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        _initialized = true;
    }

    /// <summary>Creates the tables once per process; status reads call it and need not take table locks again.</summary>
    public Task EnsureInitializedAsync(CancellationToken cancellationToken = default) =>
        _initialized ? Task.CompletedTask : InitializeAsync(cancellationToken);

    /// <summary>Runs every projection until cancelled, leading those whose lock this node gets.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // A node may start before its database: keep trying rather than bring the host down.
        while (true)
        {
            try
            {
                await InitializeAsync(cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                _logger.LogWarning(e, "The projection daemon cannot reach the database yet; retrying");
                try
                {
                    await Task.Delay(_options.LeadershipRetry, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        await Task.WhenAll(projections.Select(p => LeadAsync(p, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>Status of every projection, with lag measured against the log's stable head, its leader and dead letters.</summary>
    public async Task<IReadOnlyList<ProjectionStatus>> StatusAsync(CancellationToken cancellationToken = default)
    {
        await using var batch = new NpgsqlBatch(await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false));
        await using var connection = batch.Connection!;
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            SELECT p.name, p.state, p.position, p.leader, p.leader_seen_at, p.updated_at,
                   (SELECT count(*) FROM {_s}.events e WHERE e.position > p.position),
                   (SELECT extract(epoch FROM ($1 - min(e.recorded_at)))::float8 FROM {_s}.events e
                     WHERE e.position = (SELECT min(position) FROM {_s}.events WHERE position > p.position)),
                   (SELECT count(*) FROM {_s}.projection_dead_letters d WHERE d.projection = p.name)
              FROM {_s}.projections p ORDER BY p.name
            """) { Parameters = { Now() } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            SELECT projection, position, stream_id, version, type, error, failed_at
              FROM (SELECT d.*, row_number() OVER (PARTITION BY projection ORDER BY position DESC) AS n FROM {_s}.projection_dead_letters d) d
             WHERE n <= $1 ORDER BY projection, position
            """) { Parameters = { new NpgsqlParameter<int> { TypedValue = _options.DeadLettersListed } } });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var rows = new List<(string Name, ProjectionState State, long Position, string? Leader, DateTimeOffset? Seen, DateTimeOffset Updated, long Lag, double LagSeconds, long Dead)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((reader.GetString(0), Enum.Parse<ProjectionState>(reader.GetString(1)), reader.GetInt64(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                At(reader, 4), At(reader, 5)!.Value, reader.GetInt64(6), reader.IsDBNull(7) ? 0 : Math.Max(0, reader.GetDouble(7)), reader.GetInt64(8)));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var dead = new Dictionary<string, List<DeadLetter>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var name = reader.GetString(0);
            (dead.TryGetValue(name, out var list) ? list : dead[name] = []).Add(new DeadLetter(
                reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.GetString(5), At(reader, 6)!.Value));
        }

        return rows.ConvertAll(r =>
        {
            // A leader shows itself by its heartbeat; one silent for longer than a takeover takes is gone.
            var led = r.Seen is { } seen && now - seen <= _options.StalledAfter;
            var state = !led && r.Lag > 0 && r.State == ProjectionState.Running ? ProjectionState.Stalled : r.State;
            return new ProjectionStatus(r.Name, state, r.Position, r.Lag, r.LagSeconds, led ? r.Leader : null, r.Seen, r.Dead,
                dead.TryGetValue(r.Name, out var letters) ? letters : [], r.Updated);
        });

        static DateTimeOffset? At(NpgsqlDataReader reader, int column) =>
            reader.IsDBNull(column) ? null : new DateTimeOffset(reader.GetFieldValue<DateTime>(column), TimeSpan.Zero);
    }

    /// <summary>
    /// Each projection's checkpoint beside the first and last stable positions of the log: cheap enough to poll while a
    /// rebuild runs (<see cref="StatusAsync"/> also counts each projection's lag in events, a scan of the log).
    /// </summary>
    public async Task<IReadOnlyList<ProjectionCheckpoint>> CheckpointsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = store.DataSource.CreateCommand($"""
            SELECT p.name, p.state, p.position, coalesce(l.first, 0), coalesce(l.head, 0)
              FROM {_s}.projections p,
                   (SELECT (SELECT min(position) FROM {_s}.events) AS first,
                           (SELECT max(position) FROM {_s}.events WHERE position < {EventStoreSchema.StablePositionBound}) AS head) l
             ORDER BY p.name
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<ProjectionCheckpoint>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new ProjectionCheckpoint(reader.GetString(0), Enum.Parse<ProjectionState>(reader.GetString(1)), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
        }

        return list;
    }

    /// <summary>Tears a projection down and replays it from zero, online: the leader picks the reset up at its next batch.</summary>
    public async Task RebuildAsync(string name, CancellationToken cancellationToken = default)
    {
        var projection = projections.FirstOrDefault(p => p.Name == name) ?? throw new ArgumentException($"No projection is named '{name}'.", nameof(name));
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Lock the checkpoint row so that a batch in flight finishes (or waits) around the reset, never across it.
        await using (var lockRow = new NpgsqlCommand($"SELECT position FROM {_s}.projections WHERE name = $1 FOR UPDATE", connection, transaction))
        {
            lockRow.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            await lockRow.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }

        await projection.ResetAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        foreach (var index in projection.DeferredIndexes)
        {
            await using var drop = new NpgsqlCommand($"DROP INDEX IF EXISTS {index.QualifiedName}", connection, transaction);
            await drop.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var reset = new NpgsqlBatch(connection, transaction))
        {
            reset.BatchCommands.Add(new NpgsqlBatchCommand($"UPDATE {_s}.projections SET position = 0, state = 'Rebuilding', updated_at = $2 WHERE name = $1")
            {
                Parameters = { new NpgsqlParameter<string> { TypedValue = name }, Now() },
            });
            reset.BatchCommands.Add(new NpgsqlBatchCommand($"DELETE FROM {_s}.projection_dead_letters WHERE projection = $1")
            {
                Parameters = { new NpgsqlParameter<string> { TypedValue = name } },
            });
            await reset.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task LeadAsync(IProjection projection, CancellationToken cancellationToken)
    {
        var lockKey = EventStoreSchema.Key("projection:" + projection.Name, _s);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var leadership = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using (var take = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", leadership))
                {
                    take.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lockKey });
                    if (!(bool)(await take.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
                    {
                        await Task.Delay(_options.LeadershipRetry, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                }

                _logger.LogInformation("Leading projection {Projection}", projection.Name);
                try
                {
                    await RunLedAsync(projection, leadership, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    // Closing the connection would release the lock too; unlocking first lets the pool keep it.
                    if (leadership.State == System.Data.ConnectionState.Open)
                    {
                        await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", leadership);
                        release.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lockKey });
                        await release.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The database went away or our connection was killed: try to lead again after a pause.
                _logger.LogWarning(e, "Projection {Projection} lost its connection; retrying", projection.Name);
                await Task.Delay(_options.LeadershipRetry, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task RunLedAsync(IProjection projection, NpgsqlConnection leadership, CancellationToken cancellationToken)
    {
        var types = projection.EventTypes is { } wanted ? store.Options.Types.StoredNamesOf(wanted) : null;
        Task<(List<StoredEvent> Raw, long ScannedTo, Task<List<RecordedEvent>> Recorded)>? prefetched = null;
        var prefetchedFrom = -1L;
        var lastHeartbeat = long.MinValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Read on the leadership connection, which must stay alive: if it broke, the lock is gone and another node
            // may lead. Once a heartbeat interval, the same statement says this node still leads.
            var heartbeat = lastHeartbeat == long.MinValue || _time.GetElapsedTime(lastHeartbeat) >= _options.Heartbeat;
            var (state, position) = await CheckpointAsync(leadership, projection.Name, heartbeat, cancellationToken).ConfigureAwait(false);
            if (heartbeat)
            {
                lastHeartbeat = _time.GetTimestamp();
            }

            var fetched = prefetched is not null && prefetchedFrom == position
                ? await prefetched.ConfigureAwait(false)
                : await FetchAsync(position, types, cancellationToken).ConfigureAwait(false);
            prefetched = null;
            var (raw, scannedTo, recorded) = fetched;
            if (raw.Count == _options.BatchSize)
            {
                // A full page: more is waiting. Read and deserialize the next page while this one is written.
                prefetchedFrom = scannedTo;
                prefetched = FetchAsync(scannedTo, types, cancellationToken);
            }

            if (raw.Count > 0)
            {
                try
                {
                    await ApplyBatchAsync(projection, position, scannedTo, await recorded.ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException && e is not NpgsqlException { IsTransient: true })
                {
                    await IsolateFailureAsync(projection, position, raw, e, cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }
            else if (scannedTo > position)
            {
                // Only events of other types went by: move the checkpoint past them.
                await ApplyBatchAsync(projection, position, scannedTo, [], cancellationToken).ConfigureAwait(false);
            }

            if (raw.Count < _options.BatchSize && state == ProjectionState.Rebuilding)
            {
                // A page that is not full reached the stable head: the rebuild has caught up. Build the deferred
                // indexes before saying so (each statement is idempotent, so a crash here only repeats it).
                foreach (var index in projection.DeferredIndexes)
                {
                    await using var create = store.DataSource.CreateCommand(index.CreateSql);
                    create.CommandTimeout = 0;
                    await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await SetStateAsync(projection.Name, ProjectionState.Running, cancellationToken).ConfigureAwait(false);
            }

            if (scannedTo == position)
            {
                await Task.Delay(_options.PollInterval, cancellationToken).ConfigureAwait(false);
            }
            else if (raw.Count < _options.BatchSize && _options.BatchInterval > TimeSpan.Zero)
            {
                // Caught up with the head: let the next events gather into one batch.
                await Task.Delay(_options.BatchInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One page of the log, and its events deserialized on the thread pool (a bad row faults only that task).</summary>
    private async Task<(List<StoredEvent> Raw, long ScannedTo, Task<List<RecordedEvent>> Recorded)> FetchAsync(long position, IReadOnlyList<string>? types, CancellationToken cancellationToken)
    {
        var (events, scannedTo) = await store.ReadLogPageAsync(position, _options.BatchSize, types, cancellationToken).ConfigureAwait(false);
        return (events, scannedTo, Task.Run(() => events.ConvertAll(store.ToRecorded), cancellationToken));
    }

    /// <summary>Applies one batch and moves the checkpoint in the same transaction, if nobody moved it meanwhile.</summary>
    private async Task ApplyBatchAsync(IProjection projection, long from, long to, IReadOnlyList<RecordedEvent> events, CancellationToken cancellationToken)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var claim = new NpgsqlBatch(connection, transaction))
        {
            if (!_options.SynchronousCommit)
            {
                // In the claim's round trip; SET LOCAL ends with the transaction.
                claim.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL synchronous_commit TO off"));
            }

            claim.BatchCommands.Add(new NpgsqlBatchCommand($"UPDATE {_s}.projections SET position = $3, updated_at = $4 WHERE name = $1 AND position = $2")
            {
                Parameters = { new NpgsqlParameter<string> { TypedValue = projection.Name }, new NpgsqlParameter<long> { TypedValue = from }, new NpgsqlParameter<long> { TypedValue = to }, Now() },
            });
            await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (claim.BatchCommands[^1].RecordsAffected != 1)
            {
                // A rebuild reset the checkpoint while we read: drop this batch and read again.
                return;
            }
        }

        if (events.Count > 0)
        {
            await projection.ApplyAsync(connection, transaction, events, cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Replays a failed batch one event at a time: each event that still fails is set aside as a dead letter in the
    /// transaction that moves the checkpoint past it, and the projection goes on with the next.
    /// </summary>
    private async Task IsolateFailureAsync(IProjection projection, long from, IReadOnlyList<StoredEvent> raw, Exception batchError, CancellationToken cancellationToken)
    {
        var position = from;
        var setAside = 0;
        foreach (var e in raw)
        {
            try
            {
                await ApplyBatchAsync(projection, position, e.Position, [store.ToRecorded(e)], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OperationCanceledException && error is not NpgsqlException { IsTransient: true })
            {
                _logger.LogError(error, "Projection {Projection} set aside the event at position {Position} (stream {StreamId}, version {Version}, type {EventType}) as a dead letter",
                    projection.Name, e.Position, e.StreamId, e.Version, e.Type);
                await SetAsideAsync(projection, position, e, error, cancellationToken).ConfigureAwait(false);
                setAside++;
            }

            position = e.Position;
        }

        if (setAside == 0)
        {
            _logger.LogWarning(batchError, "Projection {Projection}: a batch failed but each of its events applied alone", projection.Name);
        }
    }

    /// <summary>Records a dead letter and moves the checkpoint past its event, in one transaction.</summary>
    private async Task SetAsideAsync(IProjection projection, long from, StoredEvent e, Exception error, CancellationToken cancellationToken)
    {
        await using var connection = await store.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
            INSERT INTO {_s}.projection_dead_letters (projection, position, stream_id, version, type, error, failed_at)
            SELECT $1, $3, $5, $6, $7, $8, $4 WHERE EXISTS (SELECT 1 FROM {_s}.projections WHERE name = $1 AND position = $2)
            ON CONFLICT DO NOTHING
            """)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = projection.Name }, new NpgsqlParameter<long> { TypedValue = from }, new NpgsqlParameter<long> { TypedValue = e.Position },
                Now(), new NpgsqlParameter<string> { TypedValue = e.StreamId }, new NpgsqlParameter<long> { TypedValue = e.Version },
                new NpgsqlParameter<string> { TypedValue = e.Type }, new NpgsqlParameter<string> { TypedValue = $"{error.GetType().Name}: {error.Message}" },
            },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"UPDATE {_s}.projections SET position = $3, updated_at = $4 WHERE name = $1 AND position = $2")
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = projection.Name }, new NpgsqlParameter<long> { TypedValue = from }, new NpgsqlParameter<long> { TypedValue = e.Position }, Now() },
        });
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        batch.Transaction = transaction;
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<(ProjectionState State, long Position)> CheckpointAsync(NpgsqlConnection connection, string name, bool heartbeat, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(heartbeat
            ? $"UPDATE {_s}.projections SET leader = $2, leader_seen_at = $3 WHERE name = $1 RETURNING state, position"
            : $"SELECT state, position FROM {_s}.projections WHERE name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        if (heartbeat)
        {
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _options.NodeName });
            command.Parameters.Add(Now());
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (Enum.Parse<ProjectionState>(reader.GetString(0)), reader.GetInt64(1));
    }

    private async Task SetStateAsync(string name, ProjectionState state, CancellationToken cancellationToken)
    {
        await using var command = store.DataSource.CreateCommand($"UPDATE {_s}.projections SET state = $2, updated_at = $3 WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state.ToString() });
        command.Parameters.Add(Now());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private NpgsqlParameter<DateTime> Now() => new() { TypedValue = _time.GetUtcNow().UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz };
}
