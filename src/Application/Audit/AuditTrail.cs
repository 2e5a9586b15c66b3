using Idarati.Application.Streams;
using Idarati.Projections.Audit;
using Npgsql;

namespace Idarati.Application.Audit;

/// <summary>An event's place in the audit log: its leaf, and the proof that the named checkpoint includes it (null when none does yet).</summary>
public sealed record EventProof(long LeafIndex, long? CheckpointSize, IReadOnlyList<string>? Inclusion);

/// <summary>
/// A stream checked against the audit log: every stored event is the leaf the log recorded for it, the log holds no
/// event the store lost, and each leaf's inclusion proof verifies against the latest signed checkpoint.
/// </summary>
public sealed record LogVerification(bool Valid, long? CheckpointSize, IReadOnlyList<string> Problems);

/// <summary>A stream's events with their places in the audit log, aligned with its stored events.</summary>
public sealed record StreamInLog(IReadOnlyList<EventProof?> Events, LogVerification Verification);

/// <summary>Streams placed in the log, and the signed checkpoint their proofs are against (null before the first).</summary>
public sealed record LogPlacement(Checkpoint? Checkpoint, IReadOnlyList<StreamInLog> Streams);

/// <summary>The whole log checked against the stored events and the latest checkpoint.</summary>
public sealed record WholeLogVerification(bool Valid, long Leaves, long Events, long? CheckpointSize, IReadOnlyList<string> Problems);

/// <summary>What an auditor gets from the audit log: proofs for histories, checks of streams and of the whole log.</summary>
public sealed class AuditTrail(AuditLog log, CheckpointKeys keys, NpgsqlDataSource dataSource, Marten.IDocumentStore store)
{
    /// <summary>The latest checkpoint as stored, and the same when one of the service's keys signed it (else null).</summary>
    private async Task<(Checkpoint? Stored, Checkpoint? Signed)> LatestAsync(CancellationToken cancellationToken)
    {
        var stored = await log.CheckpointAsync(null, cancellationToken).ConfigureAwait(false);
        return (stored, stored is not null && keys.Verify(stored.Note) is not null ? stored : null);
    }

    /// <summary>Places several streams' stored events in the log and checks them, in a few round trips.</summary>
    public async Task<LogPlacement> PlaceAsync(IReadOnlyList<VerifiedStream> streams, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streams);
        var leaves = await log.StreamLeavesAsync([.. streams.Select(s => s.StreamId)], cancellationToken).ConfigureAwait(false);
        var (stored, checkpoint) = await LatestAsync(cancellationToken).ConfigureAwait(false);
        var proved = leaves.Values.SelectMany(l => l).Where(l => checkpoint is not null && l.Index < checkpoint.Size).Select(l => l.Index).Distinct().ToList();
        var proofs = checkpoint is null || proved.Count == 0 ? [] : await log.InclusionsAsync(proved, checkpoint.Size, cancellationToken).ConfigureAwait(false);
        var byIndex = proved.Zip(proofs).ToDictionary(p => p.First, p => p.Second);
        return new LogPlacement(checkpoint, [.. streams.Select(s => Place(s, leaves.GetValueOrDefault(s.StreamId) ?? [], checkpoint, stored, byIndex))]);
    }

    private static StreamInLog Place(VerifiedStream stream, List<LogLeaf> leaves, Checkpoint? checkpoint, Checkpoint? stored, Dictionary<long, IReadOnlyList<byte[]>> proofs)
    {
        var problems = new List<string>();
        if (stored is not null && checkpoint is null)
        {
            problems.Add($"The latest checkpoint ({stored.Size} leaves) is not signed by the service's key.");
        }

        var bySequence = leaves.ToDictionary(l => l.Sequence);
        var events = new List<EventProof?>(stream.Events.Count);
        foreach (var e in stream.Events)
        {
            if (!bySequence.Remove(e.Sequence, out var leaf))
            {
                events.Add(null);
                continue;
            }

            var expected = MerkleTree.LeafHash(MerkleTree.LeafData(e.Sequence, e.Version, e.Hash, stream.StreamId));
            if (leaf.Version != e.Version || !leaf.Hash.AsSpan().SequenceEqual(expected))
            {
                problems.Add($"Version {e.Version} is not what the audit log recorded for it (leaf {leaf.Index}).");
            }

            if (checkpoint is not null && proofs.TryGetValue(leaf.Index, out var proof))
            {
                if (!MerkleTree.VerifyInclusion(leaf.Hash, leaf.Index, checkpoint.Size, proof, checkpoint.Root))
                {
                    problems.Add($"Version {e.Version}'s leaf {leaf.Index} is not included in the signed checkpoint of {checkpoint.Size} leaves.");
                }

                events.Add(new EventProof(leaf.Index, checkpoint.Size, [.. proof.Select(Convert.ToBase64String)]));
            }
            else
            {
                events.Add(new EventProof(leaf.Index, null, null));
            }
        }

        // Leaves left over stand for events the store no longer holds.
        problems.AddRange(bySequence.Values.OrderBy(l => l.Version).Select(l => $"Version {l.Version} (leaf {l.Index}) is in the audit log but no longer stored."));
        return new StreamInLog(events, new LogVerification(problems.Count == 0, checkpoint?.Size, problems));
    }

    /// <summary>The stored tree's root at a size; null when leaves it needs are missing (taken out of the table).</summary>
    private async Task<byte[]?> SignedRootAsync(long size, CancellationToken cancellationToken)
    {
        try
        {
            return await log.RootAsync(size, cancellationToken).ConfigureAwait(false);
        }
        catch (MissingSubtreeException)
        {
            return null;
        }
    }

    /// <summary>
    /// The whole log against the stored events, in one pass over each: every stored event in log order must be the next
    /// leaf, and the stored tree's root at the latest signed checkpoint's size must be the checkpoint's.
    /// </summary>
    public async Task<WholeLogVerification> VerifyLogAsync(CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        var (stored, checkpoint) = await LatestAsync(cancellationToken).ConfigureAwait(false);
        if (stored is not null && checkpoint is null)
        {
            problems.Add($"The latest checkpoint ({stored.Size} leaves) is not signed by the service's key.");
        }

        var size = await log.SizeAsync(cancellationToken).ConfigureAwait(false);
        if (checkpoint is not null)
        {
            if (size < checkpoint.Size)
            {
                problems.Add($"The log holds {size} leaves, fewer than the {checkpoint.Size} of its latest signed checkpoint.");
            }
            else if (!(await SignedRootAsync(checkpoint.Size, cancellationToken).ConfigureAwait(false) ?? []).AsSpan().SequenceEqual(checkpoint.Root))
            {
                problems.Add($"The log's first {checkpoint.Size} leaves are not the tree the checkpoint signed.");
            }
        }

        // The stored events, in log order, against the leaves, in order.
        await using var command = dataSource.CreateCommand($"SELECT seq_id, stream_id, version, coalesce(headers ->> '{AuditLogProjection.HashHeader}', '') FROM {store.Options.DatabaseSchemaName}.mt_events ORDER BY seq_id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var events = 0L;
        // The leaves, numbered without a gap, hashed up as they come (RFC 9162's tree from its left edge) to the root of
        // the checkpoint's first leaves: the leaves themselves must give the signed root.
        var range = new Stack<(int Level, byte[] Hash)>();
        var expected = 0L;
        await using var leaves = log.AllLeavesAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        async Task<bool> NextAsync()
        {
            if (!await leaves.MoveNextAsync().ConfigureAwait(false))
            {
                return false;
            }

            var leaf = leaves.Current;
            if (leaf.Index != expected && problems.Count < 100)
            {
                problems.Add($"The leaves are not numbered without a gap: leaf {leaf.Index} comes where leaf {expected} should.");
            }

            expected = leaf.Index + 1;
            if (checkpoint is not null && leaf.Index < checkpoint.Size)
            {
                var (level, hash) = (0, leaf.Hash);
                while (range.Count > 0 && range.Peek().Level == level)
                {
                    hash = MerkleTree.NodeHash(range.Pop().Hash, hash);
                    level++;
                }

                range.Push((level, hash));
            }

            return true;
        }

        var more = await NextAsync().ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events++;
            var (sequence, streamId, version, hash) = (reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3));
            while (more && leaves.Current.Sequence < sequence && problems.Count < 100)
            {
                problems.Add($"Leaf {leaves.Current.Index}: {leaves.Current.StreamId} version {leaves.Current.Version} is in the audit log but no longer stored.");
                more = await NextAsync().ConfigureAwait(false);
            }

            if (!more)
            {
                // Past the last leaf: not logged yet, as the projection may lag at the head of the log.
                continue;
            }

            if (leaves.Current.Sequence != sequence)
            {
                if (problems.Count < 100)
                {
                    problems.Add($"{streamId} version {version} (sequence {sequence}) is stored but not in the audit log, which holds later events.");
                }

                continue;
            }

            if (!leaves.Current.Hash.AsSpan().SequenceEqual(MerkleTree.LeafHash(MerkleTree.LeafData(sequence, version, hash, streamId))) && problems.Count < 100)
            {
                problems.Add($"Leaf {leaves.Current.Index}: {streamId} version {version} is not what the audit log recorded for it.");
            }

            more = await NextAsync().ConfigureAwait(false);
        }

        while (more && problems.Count < 100)
        {
            problems.Add($"Leaf {leaves.Current.Index}: {leaves.Current.StreamId} version {leaves.Current.Version} is in the audit log but no longer stored.");
            more = await NextAsync().ConfigureAwait(false);
        }

        if (checkpoint is not null && range.Count > 0)
        {
            var root = range.Pop().Hash;
            while (range.Count > 0)
            {
                root = MerkleTree.NodeHash(range.Pop().Hash, root);
            }

            if (expected >= checkpoint.Size && !root.AsSpan().SequenceEqual(checkpoint.Root))
            {
                problems.Add($"The log's first {checkpoint.Size} leaves do not hash to the root the checkpoint signed.");
            }
        }

        return new WholeLogVerification(problems.Count == 0, size, events, checkpoint?.Size, problems);
    }
}

/// <summary>The service's checkpoint key, and the verifier keys of the keys it used before (a rotation keeps them).</summary>
public sealed class CheckpointKeys(CheckpointKey current, IReadOnlyList<string> previous)
{
    public CheckpointKey Current { get; } = current;

    /// <summary>Every verifier key a checkpoint of this log may be signed with, the current one first.</summary>
    public IReadOnlyList<string> VerifierKeys { get; } = [current.VerifierKey, .. previous];

    /// <summary>The note's text when one of the keys signed it, else null.</summary>
    public string? Verify(string note) => VerifierKeys.Select(k => CheckpointKey.Verify(note, k)).FirstOrDefault(t => t is not null);
}
