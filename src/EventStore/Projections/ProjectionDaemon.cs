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
}

/// <summary>
/// Runs projections over the global log. Each projection is led by one node at a time: the leader holds a session
/// advisory lock on a dedicated connection, so when its process dies the lock goes with the connection and another
/// node takes over. Each batch is applied in one transaction with the checkpoint update. A projection that throws is
/// stopped in the failed state with the offending event's position; the others carry on. Status times come from the
/// store's TimeProvider.
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
                failed_position bigint,
                error text,
                updated_at timestamptz NOT NULL)
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

    /// <summary>Status of every projection, with lag measured against the log's stable head.</summary>
    public async Task<IReadOnlyList<ProjectionStatus>> StatusAsync(CancellationToken cancellationToken = default)
    {
        await using var command = store.DataSource.CreateCommand($"""
            SELECT p.name, p.state, p.position, p.failed_position, p.error, p.updated_at,
                   (SELECT count(*) FROM {_s}.events e WHERE e.position > p.position),
                   (SELECT extract(epoch FROM ($1 - min(e.recorded_at)))::float8 FROM {_s}.events e
                     WHERE e.position = (SELECT min(position) FROM {_s}.events WHERE position > p.position))
              FROM {_s}.projections p ORDER BY p.name
            """);
        command.Parameters.Add(Now());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var list = new List<ProjectionStatus>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(new ProjectionStatus(
                reader.GetString(0), Enum.Parse<ProjectionState>(reader.GetString(1)), reader.GetInt64(2), reader.GetInt64(6),
                reader.IsDBNull(7) ? 0 : Math.Max(0, reader.GetDouble(7)),
                reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetString(4),
                new DateTimeOffset(reader.GetFieldValue<DateTime>(5), TimeSpan.Zero)));
        }

        return list;
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

        await using (var reset = new NpgsqlCommand($"UPDATE {_s}.projections SET position = 0, state = 'Rebuilding', failed_position = NULL, error = NULL, updated_at = $2 WHERE name = $1", connection, transaction))
        {
            reset.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            reset.Parameters.Add(Now());
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
        while (!cancellationToken.IsCancellationRequested)
        {
            // Read on the leadership connection, which must stay alive: if it broke, the lock is gone and another node may lead.
            var (state, position) = await CheckpointAsync(leadership, projection.Name, cancellationToken).ConfigureAwait(false);
            if (state == ProjectionState.Failed)
            {
                await Task.Delay(_options.LeadershipRetry, cancellationToken).ConfigureAwait(false);
                continue;
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

                await SetStateAsync(projection.Name, ProjectionState.Running, null, null, cancellationToken).ConfigureAwait(false);
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

    /// <summary>Replays the failed batch one event at a time to name the event that fails, then stops the projection there.</summary>
    private async Task IsolateFailureAsync(IProjection projection, long from, IReadOnlyList<StoredEvent> raw, Exception batchError, CancellationToken cancellationToken)
    {
        var position = from;
        foreach (var e in raw)
        {
            try
            {
                await ApplyBatchAsync(projection, position, e.Position, [store.ToRecorded(e)], cancellationToken).ConfigureAwait(false);
                position = e.Position;
            }
            catch (Exception error) when (error is not OperationCanceledException && error is not NpgsqlException { IsTransient: true })
            {
                _logger.LogError(error, "Projection {Projection} failed at position {Position}", projection.Name, e.Position);
                await SetStateAsync(projection.Name, ProjectionState.Failed, e.Position, error.Message, cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        _logger.LogWarning(batchError, "Projection {Projection}: a batch failed but each of its events applied alone", projection.Name);
    }

    private async Task<(ProjectionState State, long Position)> CheckpointAsync(NpgsqlConnection connection, string name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT state, position FROM {_s}.projections WHERE name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (Enum.Parse<ProjectionState>(reader.GetString(0)), reader.GetInt64(1));
    }

    private async Task SetStateAsync(string name, ProjectionState state, long? failedPosition, string? error, CancellationToken cancellationToken)
    {
        await using var command = store.DataSource.CreateCommand($"UPDATE {_s}.projections SET state = $2, failed_position = $3, error = $4, updated_at = $5 WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = state.ToString() });
        command.Parameters.Add(failedPosition is { } p ? new NpgsqlParameter<long> { TypedValue = p } : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(error is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } : new NpgsqlParameter<string> { TypedValue = error });
        command.Parameters.Add(Now());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private NpgsqlParameter<DateTime> Now() => new() { TypedValue = _time.GetUtcNow().UtcDateTime, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz };
}
