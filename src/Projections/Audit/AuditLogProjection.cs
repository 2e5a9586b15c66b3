using Idarati.Domain.Administrations;
using Idarati.Domain.CallCenter;
using Idarati.Domain.Complaints;
using Idarati.Domain.JobApplications;
using Npgsql;

namespace Idarati.Projections.Audit;

/// <summary>
/// The audit log: every event of the store, in the order of the global log, is a leaf of an append-only RFC 9162
/// Merkle tree (<see cref="MerkleTree.LeafData"/>: its sequence, version, hash and stream). Kept by Marten's async
/// daemon like the read models, so it has one writer across nodes, catches up after a restart and never passes a late
/// commit; each batch adds its leaves and the complete subtrees of 16 leaves or more they close, in the daemon's
/// transaction (smaller subtrees are hashed again from the leaves when a proof needs them, which halves what every
/// event costs the database). A rebuild
/// replays the same tree from the stored events; the signed checkpoints (audit_checkpoints) are never torn down, so a
/// rebuilt tree that no longer matches them shows what changed.
/// </summary>
public sealed class AuditLogProjection(string schema) : IReadModelProjection
{
    public const string ProjectionName = "audit-log";

    /// <summary>The event header holding its tamper-evidence hash.</summary>
    public const string HashHeader = "hash";

    public string Name => ProjectionName;

    /// <summary>The lowest level of complete subtrees kept (2^4 = 16 leaves); lower ones are hashed from the leaves.</summary>
    public const int StoredFromLevel = 4;

    private const long Block = 1L << StoredFromLevel;

    /// <summary>Every event type the store writes.</summary>
    public IReadOnlyCollection<Type> EventTypes { get; } =
        [.. ComplaintEvent.StoredNames.Keys, .. AdministrationEvent.StoredNames.Keys, .. TicketEvent.StoredNames.Keys,
         .. CompetitionEvent.StoredNames.Keys, .. CandidateEvent.StoredNames.Keys, .. ApplicationEvent.StoredNames.Keys,
         .. Idarati.Domain.Privacy.PrivacyEvent.StoredNames.Keys];

    public string Leaves => $"{schema}.audit_leaves";

    public string Nodes => $"{schema}.audit_nodes";

    public string Checkpoints => $"{schema}.audit_checkpoints";

    /// <summary>
    /// Batches of 5,000 events: a rebuild of the tree ran 35,000-38,000 events/s beside 29,000-30,000 with 1,000 (scale
    /// 0.25, README, Benchmarks); in the steady state a batch holds what arrived since the last poll anyway.
    /// </summary>
    public int? BatchSize => 5_000;

    /// <summary>No event is ever left out of the tree: one that cannot be added stops the log until it is dealt with.</summary>
    public bool SetsAsideBadEvents => false;

    /// <summary>A rebuild empties the tree, never the checkpoints.</summary>
    public IReadOnlyList<string> Tables => [Leaves, Nodes];

    public async Task CreateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand($"""
            CREATE TABLE IF NOT EXISTS {Leaves} (leaf_index bigint PRIMARY KEY, seq_id bigint NOT NULL, stream_id text NOT NULL, version bigint NOT NULL, leaf_hash bytea NOT NULL);
            CREATE INDEX IF NOT EXISTS audit_leaves_stream ON {Leaves} (stream_id, version);
            CREATE TABLE IF NOT EXISTS {Nodes} (level smallint NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx));
            CREATE TABLE IF NOT EXISTS {Checkpoints} (size bigint PRIMARY KEY, root bytea NOT NULL, signed_at timestamptz NOT NULL, key_name text NOT NULL, note text NOT NULL);
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Appends the batch's events as leaves: the tree's size and the complete subtrees on its right edge are read once,
    /// the new leaves and every subtree they complete are computed in memory, then written with one statement each.
    /// </summary>
    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ProjectedEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var size = await SizeAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
        var nodes = await FrontierAsync(connection, transaction, size, cancellationToken).ConfigureAwait(false);
        var (levels, indexes, hashes) = (new List<short>(), new List<long>(), new List<byte[]>());
        var leaves = new List<(long Index, ProjectedEvent Event, byte[] Hash)>(events.Count);
        foreach (var e in events)
        {
            var index = size++;
            var hash = MerkleTree.LeafHash(MerkleTree.LeafData(e.Sequence, e.Version, e.Hash ?? "", e.StreamId));
            leaves.Add((index, e, hash));
            var (level, at) = (0, index);
            nodes[(level, at)] = hash;
            while ((at & 1) == 1)
            {
                var parent = MerkleTree.NodeHash(nodes[(level, at - 1)], nodes[(level, at)]);
                (level, at) = (level + 1, at >> 1);
                nodes[(level, at)] = parent;
                if (level >= StoredFromLevel)
                {
                    levels.Add((short)level);
                    indexes.Add(at);
                    hashes.Add(parent);
                }
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        var insertLeaves = new NpgsqlBatchCommand($"""
            INSERT INTO {Leaves} (leaf_index, seq_id, stream_id, version, leaf_hash)
            SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bytea[])
            """);
        insertLeaves.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. leaves.Select(l => l.Index)] });
        insertLeaves.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. leaves.Select(l => l.Event.Sequence)] });
        insertLeaves.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. leaves.Select(l => ReadModelSql.Clean(l.Event.StreamId))] });
        insertLeaves.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. leaves.Select(l => l.Event.Version)] });
        insertLeaves.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. leaves.Select(l => l.Hash)] });
        batch.BatchCommands.Add(insertLeaves);
        var insertNodes = new NpgsqlBatchCommand($"INSERT INTO {Nodes} (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])");
        insertNodes.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. levels] });
        insertNodes.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. indexes] });
        insertNodes.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. hashes] });
        batch.BatchCommands.Add(insertNodes);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> SizeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT coalesce(max(leaf_index) + 1, 0) FROM {Leaves}", connection, transaction);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// The complete subtrees on the right edge of a tree of <paramref name="size"/> leaves, the left siblings new leaves
    /// may need: those of 16 leaves or more read as kept, the smaller ones hashed from the last leaves.
    /// </summary>
    private async Task<Dictionary<(int Level, long Index), byte[]>> FrontierAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long size, CancellationToken cancellationToken)
    {
        var wanted = Enumerable.Range(StoredFromLevel, 63 - StoredFromLevel).Where(level => ((size >> level) & 1) == 1).Select(level => (Level: level, Index: (size >> level) - 1)).ToList();
        var nodes = new Dictionary<(int, long), byte[]>();
        await using var batch = new NpgsqlBatch(connection, transaction);
        var stored = new NpgsqlBatchCommand($"SELECT level, idx, hash FROM {Nodes} WHERE (level, idx) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))");
        stored.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. wanted.Select(w => (short)w.Level)] });
        stored.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. wanted.Select(w => w.Index)] });
        batch.BatchCommands.Add(stored);
        var tail = new NpgsqlBatchCommand($"SELECT leaf_index, leaf_hash FROM {Leaves} WHERE leaf_index >= $1 ORDER BY leaf_index");
        tail.Parameters.Add(new NpgsqlParameter<long> { TypedValue = size - (size % Block) });
        batch.BatchCommands.Add(tail);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            nodes[(reader.GetInt16(0), reader.GetInt64(1))] = reader.GetFieldValue<byte[]>(2);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var (level, at) = (0, reader.GetInt64(0));
            nodes[(level, at)] = reader.GetFieldValue<byte[]>(1);
            while ((at & 1) == 1)
            {
                var parent = MerkleTree.NodeHash(nodes[(level, at - 1)], nodes[(level, at)]);
                (level, at) = (level + 1, at >> 1);
                nodes[(level, at)] = parent;
            }
        }

        return nodes;
    }
}
