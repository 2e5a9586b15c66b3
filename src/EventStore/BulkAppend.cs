using Npgsql;
using NpgsqlTypes;

namespace Idarati.EventStore;

public sealed partial class PostgresEventStore
{
    /// <summary>
    /// Appends many streams in one transaction through binary COPY, for imports. Every guarantee of
    /// <see cref="AppendAsync(string, string, ExpectedVersion, IReadOnlyList{object}, AppendOptions?, CancellationToken)"/> holds:
    /// expected versions, command ids (already recorded ones are skipped), the hash chain, metadata, and positions
    /// taken from the transaction id so readers of the global log skip nothing. Either every stream is written or none
    /// is: a concurrent writer of one of the streams makes the whole batch fail with <see cref="StreamConcurrencyException"/>.
    /// </summary>
    public async Task<BulkAppendResult> BulkAppendAsync(IReadOnlyList<BulkStream> streams, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streams);
        var s = _options.Schema;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stream in streams)
        {
            if (!seen.Add(stream.StreamId))
            {
                throw new ArgumentException($"Stream '{stream.StreamId}' appears twice in one bulk append.", nameof(streams));
            }
        }

        // Serialization is the client's share of the work: spread it over the cores while the database waits anyway.
        var prepared = new PreparedAppend[streams.Count];
        Parallel.For(0, streams.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            prepared[i] = Prepare(streams[i].StreamId, streams[i].StreamType, streams[i].Events, streams[i].Options));

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // 1. Commands already recorded are skipped, as a retried single append would be.
        var recordedCommands = new HashSet<Guid>();
        var commandIds = prepared.Where(p => p.CommandId is not null).Select(p => p.CommandId!.Value).ToArray();
        if (commandIds.Length > 0)
        {
            await using var commandQuery = new NpgsqlCommand($"SELECT command_id FROM {s}.commands WHERE command_id = ANY($1)", connection, transaction);
            commandQuery.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = commandIds });
            await using var reader = await commandQuery.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                recordedCommands.Add(reader.GetGuid(0));
            }
        }

        // 2. Current versions and chain heads; every expectation is checked before anything is written.
        var heads = new Dictionary<string, (long Version, byte[] Hash)>(StringComparer.Ordinal);
        await using (var headQuery = new NpgsqlCommand($"SELECT id, version, last_hash FROM {s}.streams WHERE id = ANY($1)", connection, transaction))
        {
            // Streams expected not to exist need no look-up: the primary key refuses them if they do.
            headQuery.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = streams.Where(x => !x.Expected.IsNoStream).Select(x => x.StreamId).ToArray() });
            await using var reader = await headQuery.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                heads[reader.GetString(0)] = (reader.GetInt64(1), reader.GetFieldValue<byte[]>(2));
            }
        }

        var work = new List<(PreparedAppend Append, long Current, byte[] Hash, bool Exists)>(prepared.Length);
        var total = 0;
        var duplicates = 0;
        for (var i = 0; i < prepared.Length; i++)
        {
            var p = prepared[i];
            if (p.CommandId is { } id && recordedCommands.Contains(id))
            {
                duplicates++;
                continue;
            }

            var exists = heads.TryGetValue(p.StreamId, out var head);
            var current = exists ? head.Version : 0;
            if (!streams[i].Expected.IsSatisfiedBy(current) || (streams[i].Expected.IsNoStream && exists))
            {
                throw new StreamConcurrencyException(p.StreamId, streams[i].Expected, current);
            }

            if (p.Types.Length == 0)
            {
                continue;
            }

            work.Add((p, current, exists ? head.Hash : HashChain.Genesis.ToArray(), exists));
            total += p.Types.Length;
        }

        if (total > EventStoreSchema.PositionsPerTransaction)
        {
            throw new ArgumentException($"One bulk append writes at most {EventStoreSchema.PositionsPerTransaction} events; split the import.", nameof(streams));
        }

        if (total == 0)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new BulkAppendResult(0, 0, duplicates, null, null);
        }

        // 3. Positions, reserved as the transaction's first write.
        long firstPosition;
        await using (var reserve = new NpgsqlCommand($"SELECT {s}.reserve_positions($1)", connection, transaction))
        {
            reserve.Parameters.Add(new NpgsqlParameter<int> { TypedValue = total });
            firstPosition = (long)(await reserve.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        // 4. Chain hashes, then stream rows, events and commands by binary COPY.
        var hashes = new byte[work.Count][][];
        Parallel.For(0, work.Count, new ParallelOptions { CancellationToken = cancellationToken }, w =>
        {
            var (p, current, hash, _) = work[w];
            var recordedAt = p.RecordedAt.UtcDateTime;
            hashes[w] = new byte[p.Types.Length][];
            for (var i = 0; i < p.Types.Length; i++)
            {
                hash = HashChain.Next(hash, p.StreamId, current + i + 1, p.Types[i], recordedAt, p.Metadata[i], p.Data[i]);
                hashes[w][i] = hash;
            }
        });

        try
        {
            await WriteStreamsAsync(connection, transaction, work, hashes, cancellationToken).ConfigureAwait(false);
            await WriteEventsAsync(connection, work, firstPosition, hashes, cancellationToken).ConfigureAwait(false);
            await WriteCommandsAsync(connection, work, firstPosition, cancellationToken).ConfigureAwait(false);
            await WriteKeysAsync(connection, work, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "stream_keys_pkey")
        {
            throw new DuplicateStreamKeyException("(bulk)", null, e);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new StreamConcurrencyException(e.Detail ?? "(bulk)", ExpectedVersion.Any, null, e);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new BulkAppendResult(work.Count, total, duplicates, firstPosition, firstPosition + total - 1);
    }

    private async Task WriteStreamsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<(PreparedAppend Append, long Current, byte[] Hash, bool Exists)> work,
        byte[][][] hashes, CancellationToken cancellationToken)
    {
        await using (var importer = await connection.BeginBinaryImportAsync(
            $"COPY {_options.Schema}.streams (id, type, version, last_hash, created_at, updated_at) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false))
        {
            for (var w = 0; w < work.Count; w++)
            {
                var (p, current, _, exists) = work[w];
                if (exists)
                {
                    continue;
                }

                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                importer.Write(p.StreamId, NpgsqlDbType.Text);
                importer.Write(p.StreamType, NpgsqlDbType.Text);
                importer.Write(current + p.Types.Length, NpgsqlDbType.Bigint);
                importer.Write(hashes[w][^1], NpgsqlDbType.Bytea);
                importer.Write(p.RecordedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                importer.Write(p.RecordedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        var existing = Enumerable.Range(0, work.Count).Where(w => work[w].Exists).ToArray();
        if (existing.Length > 0)
        {
            await using var update = new NpgsqlCommand(
                $"UPDATE {_options.Schema}.streams AS st SET version = u.version, last_hash = u.hash, updated_at = u.at FROM unnest($1, $2, $3, $4, $5) AS u (id, previous, version, hash, at) WHERE st.id = u.id AND st.version = u.previous",
                connection, transaction);
            update.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = existing.Select(w => work[w].Append.StreamId).ToArray() });
            update.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = existing.Select(w => work[w].Current).ToArray() });
            update.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = existing.Select(w => work[w].Current + work[w].Append.Types.Length).ToArray() });
            update.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = existing.Select(w => hashes[w][^1]).ToArray() });
            update.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = existing.Select(w => work[w].Append.RecordedAt.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != existing.Length)
            {
                // A concurrent writer moved one of the streams after its head was read.
                throw new StreamConcurrencyException(work[existing[0]].Append.StreamId, ExpectedVersion.Exactly(work[existing[0]].Current), null);
            }
        }
    }

    private async Task WriteEventsAsync(
        NpgsqlConnection connection, List<(PreparedAppend Append, long Current, byte[] Hash, bool Exists)> work, long firstPosition,
        byte[][][] hashes, CancellationToken cancellationToken)
    {
        var position = firstPosition;
        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY {_options.Schema}.events (position, stream_id, version, type, data, metadata, recorded_at, hash) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        for (var w = 0; w < work.Count; w++)
        {
            var (p, current, _, _) = work[w];
            var recordedAt = p.RecordedAt.UtcDateTime;
            for (var i = 0; i < p.Types.Length; i++)
            {
                var version = current + i + 1;
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                importer.Write(position++, NpgsqlDbType.Bigint);
                importer.Write(p.StreamId, NpgsqlDbType.Text);
                importer.Write(version, NpgsqlDbType.Bigint);
                importer.Write(p.Types[i], NpgsqlDbType.Text);
                importer.Write(p.Data[i], NpgsqlDbType.Json);
                importer.Write(p.Metadata[i], NpgsqlDbType.Json);
                importer.Write(recordedAt, NpgsqlDbType.TimestampTz);
                importer.Write(hashes[w][i], NpgsqlDbType.Bytea);
            }
        }

        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteCommandsAsync(
        NpgsqlConnection connection, List<(PreparedAppend Append, long Current, byte[] Hash, bool Exists)> work, long firstPosition, CancellationToken cancellationToken)
    {
        if (!work.Exists(w => w.Append.CommandId is not null))
        {
            return;
        }

        var position = firstPosition;
        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY {_options.Schema}.commands (command_id, stream_id, first_version, stream_version, first_position, last_position, recorded_at) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false);
        foreach (var (p, current, _, _) in work)
        {
            var first = position;
            position += p.Types.Length;
            if (p.CommandId is not { } id)
            {
                continue;
            }

            await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
            importer.Write(id, NpgsqlDbType.Uuid);
            importer.Write(p.StreamId, NpgsqlDbType.Text);
            importer.Write(current + 1, NpgsqlDbType.Bigint);
            importer.Write(current + p.Types.Length, NpgsqlDbType.Bigint);
            importer.Write(first, NpgsqlDbType.Bigint);
            importer.Write(position - 1, NpgsqlDbType.Bigint);
            importer.Write(p.RecordedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
        }

        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteKeysAsync(NpgsqlConnection connection, List<(PreparedAppend Append, long Current, byte[] Hash, bool Exists)> work, CancellationToken cancellationToken)
    {
        if (!work.Exists(w => w.Append.KeyKinds.Length > 0))
        {
            return;
        }

        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY {_options.Schema}.stream_keys (kind, value, stream_id) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        foreach (var (p, _, _, _) in work)
        {
            for (var k = 0; k < p.KeyKinds.Length; k++)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                importer.Write(p.KeyKinds[k], NpgsqlDbType.Text);
                importer.Write(p.KeyValues[k], NpgsqlDbType.Text);
                importer.Write(p.StreamId, NpgsqlDbType.Text);
            }
        }

        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }
}
