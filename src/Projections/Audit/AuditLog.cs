using Npgsql;

namespace Idarati.Projections.Audit;

/// <summary>One leaf of the audit log: its place in the tree, the event it stands for, and its hash.</summary>
public sealed record LogLeaf(long Index, long Sequence, string StreamId, long Version, byte[] Hash);

/// <summary>A signed statement of the tree's size and root at a time: a checkpoint, with its signed note as published.</summary>
public sealed record Checkpoint(long Size, byte[] Root, DateTimeOffset SignedAt, string KeyName, string Note);

/// <summary>
/// Reads of the audit log (<see cref="AuditLogProjection"/>): its size, roots, proofs and checkpoints. A proof's
/// complete subtrees are planned first, read in one statement, then hashed.
/// </summary>
public sealed class AuditLog(NpgsqlDataSource dataSource, string schema)
{
    private readonly AuditLogProjection _tables = new(schema);

    public async Task<long> SizeAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT coalesce(max(leaf_index) + 1, 0) FROM {_tables.Leaves}");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>The root of the tree's first <paramref name="size"/> leaves.</summary>
    public Task<byte[]> RootAsync(long size, CancellationToken cancellationToken = default) =>
        ComputeAsync(nodes => MerkleTree.Hash(nodes, 0, size), cancellationToken);

    public Task<IReadOnlyList<byte[]>> InclusionAsync(long index, long size, CancellationToken cancellationToken = default) =>
        ComputeAsync(nodes => MerkleTree.InclusionProof(nodes, index, size), cancellationToken);

    /// <summary>The inclusion proofs of several leaves in the tree of <paramref name="size"/> leaves, their subtrees read at once.</summary>
    public Task<IReadOnlyList<IReadOnlyList<byte[]>>> InclusionsAsync(IReadOnlyList<long> indexes, long size, CancellationToken cancellationToken = default) =>
        ComputeAsync<IReadOnlyList<IReadOnlyList<byte[]>>>(nodes => [.. indexes.Select(i => MerkleTree.InclusionProof(nodes, i, size))], cancellationToken);

    /// <summary>Every leaf in order, for a whole verification of the log against the stored events.</summary>
    public async IAsyncEnumerable<LogLeaf> AllLeavesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT leaf_index, seq_id, stream_id, version, leaf_hash FROM {_tables.Leaves} ORDER BY leaf_index");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new LogLeaf(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3), reader.GetFieldValue<byte[]>(4));
        }
    }

    public Task<IReadOnlyList<byte[]>> ConsistencyAsync(long first, long second, CancellationToken cancellationToken = default) =>
        ComputeAsync(nodes => MerkleTree.ConsistencyProof(nodes, first, second), cancellationToken);

    /// <summary>The leaves of some streams, by stream, in version order.</summary>
    public async Task<IReadOnlyDictionary<string, List<LogLeaf>>> StreamLeavesAsync(IReadOnlyList<string> streamIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streamIds);
        await using var command = dataSource.CreateCommand($"SELECT leaf_index, seq_id, stream_id, version, leaf_hash FROM {_tables.Leaves} WHERE stream_id = ANY($1) ORDER BY stream_id, version, leaf_index");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. streamIds] });
        var leaves = new Dictionary<string, List<LogLeaf>>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var leaf = new LogLeaf(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetInt64(3), reader.GetFieldValue<byte[]>(4));
            (leaves.TryGetValue(leaf.StreamId, out var list) ? list : leaves[leaf.StreamId] = []).Add(leaf);
        }

        return leaves;
    }

    /// <summary>The checkpoint of <paramref name="size"/> leaves, or the latest when null; null when there is none.</summary>
    public async Task<Checkpoint?> CheckpointAsync(long? size = null, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(size is null
            ? $"SELECT size, root, signed_at, key_name, note FROM {_tables.Checkpoints} ORDER BY size DESC LIMIT 1"
            : $"SELECT size, root, signed_at, key_name, note FROM {_tables.Checkpoints} WHERE size = $1");
        if (size is { } wanted)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = wanted });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new Checkpoint(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3), reader.GetString(4))
            : null;
    }

    /// <summary>Records a checkpoint; false when one of that size exists already (another node signed it first).</summary>
    public async Task<bool> AddCheckpointAsync(Checkpoint checkpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO {_tables.Checkpoints} (size, root, signed_at, key_name, note) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (size) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = checkpoint.Size });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = checkpoint.Root });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = checkpoint.SignedAt });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = checkpoint.KeyName });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = checkpoint.Note });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Runs <paramref name="compute"/> once to learn which subtrees it needs, reads them at once (those of fewer than 16
    /// leaves as their leaves), and runs it on them.
    /// </summary>
    private async Task<T> ComputeAsync<T>(Func<ISubtrees, T> compute, CancellationToken cancellationToken)
    {
        var plan = new Planned();
        compute(plan);
        var nodes = new Read();
        if (plan.Wanted.Count > 0)
        {
            var kept = plan.Wanted.Where(w => w.Level >= AuditLogProjection.StoredFromLevel).ToList();
            var leaves = plan.Wanted.Where(w => w.Level < AuditLogProjection.StoredFromLevel)
                .SelectMany(w => Enumerable.Range(0, 1 << w.Level).Select(i => (w.Index << w.Level) + i)).Distinct().ToArray();
            await using var batch = dataSource.CreateBatch();
            var stored = new NpgsqlBatchCommand($"SELECT level, idx, hash FROM {_tables.Nodes} WHERE (level, idx) IN (SELECT * FROM unnest($1::smallint[], $2::bigint[]))");
            stored.Parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. kept.Select(w => (short)w.Level)] });
            stored.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. kept.Select(w => w.Index)] });
            batch.BatchCommands.Add(stored);
            var hashes = new NpgsqlBatchCommand($"SELECT 0::smallint, leaf_index, leaf_hash FROM {_tables.Leaves} WHERE leaf_index = ANY($1)");
            hashes.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = leaves });
            batch.BatchCommands.Add(hashes);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            do
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    nodes.Found[(reader.GetInt16(0), reader.GetInt64(1))] = reader.GetFieldValue<byte[]>(2);
                }
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        }

        return compute(nodes);
    }

    private sealed class Planned : ISubtrees
    {
        private static readonly byte[] Zero = new byte[32];

        public HashSet<(int Level, long Index)> Wanted { get; } = [];

        public byte[] Get(int level, long index)
        {
            Wanted.Add((level, index));
            return Zero;
        }
    }

    private sealed class Read : ISubtrees
    {
        public Dictionary<(int, long), byte[]> Found { get; } = [];

        public byte[] Get(int level, long index)
        {
            if (Found.TryGetValue((level, index), out var hash))
            {
                return hash;
            }

            if (level is > 0 and < AuditLogProjection.StoredFromLevel)
            {
                return Found[(level, index)] = MerkleTree.NodeHash(Get(level - 1, 2 * index), Get(level - 1, (2 * index) + 1));
            }

            throw new MissingSubtreeException($"The audit log has no subtree ({level}, {index}): the tree is smaller than asked, or a leaf was taken out of it.");
        }
    }
}

/// <summary>The stored tree lacks a subtree a computation needs: it is smaller than asked, or a leaf was taken out.</summary>
public sealed class MissingSubtreeException(string message) : InvalidOperationException(message);
