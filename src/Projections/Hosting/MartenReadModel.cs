using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Idarati.Projections;

/// <summary>
/// One of our read models on Marten's async daemon. Marten reads the log (only the projection's event types), keeps
/// the progression, leads across nodes and rebuilds; this thin layer writes each batch with the projection's own SQL
/// in the daemon's transaction (a Marten transaction participant), the one that moves the progression. An event the
/// projection cannot apply goes to Marten's dead-letter storage in that same transaction and the projection goes on:
/// a failing batch is rolled back to a savepoint and applied again one event at a time, each under its own savepoint.
/// </summary>
public sealed class MartenReadModel(IReadModelProjection projection, TimeProvider time, ILogger logger) : Marten.Events.Projections.IProjection
{
    private int _created;

    public IReadModelProjection Projection { get; } = projection;

    public Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(operations);
        ArgumentNullException.ThrowIfNull(events);
        if (operations is not ITransactionParticipantRegistrar registrar)
        {
            throw new InvalidOperationException($"The read model '{Projection.Name}' runs on Marten's async daemon only.");
        }

        var batch = new List<ProjectedEvent>(events.Count);
        foreach (var e in events)
        {
            batch.Add(new ProjectedEvent(e.Sequence, e.StreamKey ?? e.StreamId.ToString(), e.Version, e.Data, e.Timestamp, e.GetHeader(Audit.AuditLogProjection.HashHeader)?.ToString()));
        }

        registrar.AddTransactionParticipant(new Batch(this, operations.DocumentStore, batch, events));
        return Task.CompletedTask;
    }

    /// <summary>Registers the read models as async projections of <paramref name="options"/>, each reading only its event types.</summary>
    public static void Register(StoreOptions options, IEnumerable<IReadModelProjection> projections, TimeProvider time, ILoggerFactory loggers, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(projections);
        ArgumentNullException.ThrowIfNull(loggers);
        foreach (var projection in projections)
        {
            var adapter = new MartenReadModel(projection, time, loggers.CreateLogger<MartenReadModel>());
            var source = new ProjectionWrapper<IDocumentOperations, IQuerySession>(adapter, ProjectionLifecycle.Async) { Name = projection.Name };
            foreach (var type in projection.EventTypes)
            {
                source.IncludeType(type);
            }

            source.Options.BatchSize = projection.BatchSize ?? batchSize;
            foreach (var table in projection.Tables)
            {
                source.Options.DeleteDataInTableOnTeardown(table);
            }

            options.Projections.Add(source, ProjectionLifecycle.Async);
        }
    }

    /// <summary>Creates the tables and indexes once per process (idempotent), in the daemon's transaction.</summary>
    private async Task EnsureCreatedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _created) == 1)
        {
            return;
        }

        await CreateAsync(Projection, connection, transaction, cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref _created, 1);
    }

    /// <summary>
    /// A read model's tables and indexes, created when missing, under a transaction-scoped advisory lock: CREATE ... IF
    /// NOT EXISTS is not safe against itself (two nodes, or the start-up and the daemon's first batch, at once).
    /// </summary>
    public static async Task CreateAsync(IReadModelProjection projection, NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(projection);
        ArgumentNullException.ThrowIfNull(connection);
        var own = transaction is null ? await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false) : null;
        try
        {
            await using (var gate = new NpgsqlCommand("SELECT pg_advisory_xact_lock(7310412)", connection, transaction ?? own))
            {
                await gate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await projection.CreateAsync(connection, cancellationToken).ConfigureAwait(false);
            foreach (var index in projection.DeferredIndexes)
            {
                await using var command = new NpgsqlCommand(index.CreateSql, connection, transaction ?? own);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            if (own is not null)
            {
                await own.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private sealed class Batch(MartenReadModel owner, IDocumentStore store, IReadOnlyList<ProjectedEvent> events, IReadOnlyList<IEvent> raw) : ITransactionParticipant
    {
        public async Task BeforeCommitAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken token)
        {
            await owner.EnsureCreatedAsync(connection, transaction, token).ConfigureAwait(false);
            if (events.Count == 0)
            {
                return;
            }

            await SavepointAsync(connection, transaction, "SAVEPOINT rm_batch", token).ConfigureAwait(false);
            try
            {
                await owner.Projection.ApplyAsync(connection, transaction, events, token).ConfigureAwait(false);
                await SavepointAsync(connection, transaction, "RELEASE SAVEPOINT rm_batch", token).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (owner.Projection.SetsAsideBadEvents && CanSetAside(e, token))
            {
                await SavepointAsync(connection, transaction, "ROLLBACK TO SAVEPOINT rm_batch", token).ConfigureAwait(false);
            }

            // One event at a time: the ones that still fail are set aside, the others applied.
            for (var i = 0; i < events.Count; i++)
            {
                await SavepointAsync(connection, transaction, "SAVEPOINT rm_event", token).ConfigureAwait(false);
                try
                {
                    await owner.Projection.ApplyAsync(connection, transaction, [events[i]], token).ConfigureAwait(false);
                    await SavepointAsync(connection, transaction, "RELEASE SAVEPOINT rm_event", token).ConfigureAwait(false);
                }
                catch (Exception e) when (CanSetAside(e, token))
                {
                    await SavepointAsync(connection, transaction, "ROLLBACK TO SAVEPOINT rm_event", token).ConfigureAwait(false);
                    await SetAsideAsync(connection, transaction, events[i], raw[i], e, token).ConfigureAwait(false);
                }
            }
        }

        /// <summary>Errors of the event itself, not of the connection or the server's state: those fail the batch, which Marten retries.</summary>
        private static bool CanSetAside(Exception e, CancellationToken token) =>
            !token.IsCancellationRequested && e is not OperationCanceledException && !(e is NpgsqlException { IsTransient: true })
            && !(e is PostgresException { SqlState: "40001" or "40P01" or "57P01" or "57014" or "53300" });

        private async Task SetAsideAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ProjectedEvent e, IEvent raw, Exception error, CancellationToken token)
        {
            var session = store.LightweightSession(Marten.Services.SessionOptions.ForTransaction(transaction, false));
            await using (session.ConfigureAwait(false))
            {
                session.Store(new DeadLetterEvent
                {
                    Id = Guid.CreateVersion7(owner._time.GetUtcNow()),
                    ProjectionName = owner.Projection.Name,
                    ShardName = $"{owner.Projection.Name}:All",
                    Timestamp = owner._time.GetUtcNow(),
                    ExceptionMessage = error.Message,
                    ExceptionType = error.GetType().FullName ?? error.GetType().Name,
                    EventSequence = e.Sequence,
                });
                await session.SaveChangesAsync(token).ConfigureAwait(false);
            }

            owner._logger.LogError(error, "Projection {Projection} set aside the event at sequence {Sequence} (stream {StreamId}, version {Version}, type {EventType}) as a dead letter",
                owner.Projection.Name, e.Sequence, e.StreamId, e.Version, raw.EventTypeName);
            _ = connection;
        }

        private static async Task SavepointAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken token)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await command.ExecuteNonQueryAsync(token).ConfigureAwait(false);
        }
    }

    private readonly TimeProvider _time = time;

    private readonly ILogger _logger = logger;
}
