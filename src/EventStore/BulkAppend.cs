using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
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
        var prepared = new BulkPrepared[streams.Count];
        Parallel.For(0, streams.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            prepared[i] = PrepareBulk(streams[i]));

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

        var work = new List<BulkWork>(prepared.Length);
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

            if (p.Data.Length == 0)
            {
                continue;
            }

            work.Add(new BulkWork(p, current, exists ? head.Hash : HashChain.Genesis.ToArray(), exists, total));
            total += p.Data.Length;
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

        // 4. Chain hashes and the COPY rows of every table, encoded in parallel by contiguous parts (so the rows keep
        // the order of their positions), then sent part after part.
        var partCount = Math.Min(work.Count, Environment.ProcessorCount * 4);
        var parts = Enumerable.Range(0, partCount).Select(k => (From: (int)((long)work.Count * k / partCount), Rows: new BulkRows())).ToArray();
        Parallel.For(0, parts.Length, new ParallelOptions { CancellationToken = cancellationToken }, k =>
            EncodeRows(work, parts[k].From, k + 1 < parts.Length ? parts[k + 1].From : work.Count, firstPosition, parts[k].Rows));

        using var encoded = new DisposeAll(parts.Select(p => p.Rows));
        try
        {
            await CopyRows.CopyAsync(connection, $"{s}.streams", "id, type, version, last_hash, created_at, updated_at", [.. parts.Select(p => p.Rows.Streams)], cancellationToken).ConfigureAwait(false);
            await UpdateExistingStreamsAsync(connection, transaction, work, cancellationToken).ConfigureAwait(false);
            await CopyRows.CopyAsync(connection, $"{s}.events", "position, stream_id, version, type, data, metadata, recorded_at, hash", [.. parts.Select(p => p.Rows.Events)], cancellationToken).ConfigureAwait(false);
            await CopyRows.CopyAsync(connection, $"{s}.commands", "command_id, stream_id, first_version, stream_version, first_position, last_position, recorded_at", [.. parts.Select(p => p.Rows.Commands)], cancellationToken).ConfigureAwait(false);
            await CopyRows.CopyAsync(connection, $"{s}.stream_keys", "kind, value, stream_id", [.. parts.Select(p => p.Rows.Keys)], cancellationToken).ConfigureAwait(false);
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

    private readonly ConcurrentDictionary<Type, byte[]> _typeNamesUtf8 = new();

    private sealed class DisposeAll(IEnumerable<IDisposable> items) : IDisposable
    {
        private readonly IDisposable[] _items = [.. items];

        public void Dispose()
        {
            foreach (var item in _items)
            {
                item.Dispose();
            }
        }
    }

    /// <summary>One stream of a bulk append, serialized to UTF-8 once: the same bytes are hashed and copied.</summary>
    private sealed record BulkPrepared(
        string StreamId, byte[] StreamIdUtf8, string StreamType, byte[][] Types, byte[][] Data, byte[] Metadata, DateTimeOffset RecordedAt, Guid? CommandId,
        IReadOnlyList<StreamKey> Keys);

    /// <summary>A stream to write: its head before the append, and the offset of its first event among the batch's.</summary>
    private sealed record BulkWork(BulkPrepared Append, long Current, byte[] PreviousHash, bool Exists, int Offset)
    {
        public byte[] LastHash { get; set; } = [];
    }

    private sealed class BulkRows : IDisposable
    {
        public CopyRows Streams { get; } = new();

        public CopyRows Events { get; } = new(1024 * 1024);

        public CopyRows Commands { get; } = new();

        public CopyRows Keys { get; } = new();

        public void Dispose()
        {
            Streams.Dispose();
            Events.Dispose();
            Commands.Dispose();
            Keys.Dispose();
        }
    }

    private BulkPrepared PrepareBulk(BulkStream stream)
    {
        var keys = CheckAppend(stream.StreamId, stream.StreamType, stream.Events, stream.Options);
        var types = new byte[stream.Events.Count][];
        var data = new byte[stream.Events.Count][];
        for (var i = 0; i < data.Length; i++)
        {
            var type = stream.Events[i].GetType();
            types[i] = _typeNamesUtf8.GetOrAdd(type, t => Encoding.UTF8.GetBytes(_options.Types.NameOf(t)));
            data[i] = JsonSerializer.SerializeToUtf8Bytes(stream.Events[i], type, _options.Json);
        }

        return new BulkPrepared(stream.StreamId, Encoding.UTF8.GetBytes(stream.StreamId), stream.StreamType, types, data,
            JsonSerializer.SerializeToUtf8Bytes(Metadata(stream.Options), MetadataJson), Now(), RecordedCommandId(stream.Options), keys);
    }

    /// <summary>Chains the hashes of work[from..to] and encodes their rows; new streams get a row, existing ones their last hash.</summary>
    private static void EncodeRows(List<BulkWork> work, int from, int to, long firstPosition, BulkRows rows)
    {
        var scratch = new byte[4096];
        Span<byte> hash = stackalloc byte[32];
        for (var w = from; w < to; w++)
        {
            var item = work[w];
            var p = item.Append;
            var recordedAt = p.RecordedAt.UtcDateTime;
            var micros = HashChain.ToUnixMicroseconds(recordedAt);
            item.PreviousHash.CopyTo(hash);
            for (var i = 0; i < p.Data.Length; i++)
            {
                var version = item.Current + i + 1;
                HashChain.Next(hash, p.StreamIdUtf8, version, p.Types[i], micros, p.Metadata, p.Data[i], ref scratch, hash);
                var events = rows.Events;
                events.StartRow(8);
                events.Int64(firstPosition + item.Offset + i);
                events.Bytes(p.StreamIdUtf8);
                events.Int64(version);
                events.Bytes(p.Types[i]);
                events.Bytes(p.Data[i]);
                events.Bytes(p.Metadata);
                events.Timestamp(recordedAt);
                events.Bytes(hash);
            }

            item.LastHash = hash.ToArray();
            var streamVersion = item.Current + p.Data.Length;
            if (!item.Exists)
            {
                rows.Streams.StartRow(6);
                rows.Streams.Bytes(p.StreamIdUtf8);
                rows.Streams.Text(p.StreamType);
                rows.Streams.Int64(streamVersion);
                rows.Streams.Bytes(hash);
                rows.Streams.Timestamp(recordedAt);
                rows.Streams.Timestamp(recordedAt);
            }

            if (p.CommandId is { } id)
            {
                rows.Commands.StartRow(7);
                rows.Commands.Uuid(id);
                rows.Commands.Bytes(p.StreamIdUtf8);
                rows.Commands.Int64(item.Current + 1);
                rows.Commands.Int64(streamVersion);
                rows.Commands.Int64(firstPosition + item.Offset);
                rows.Commands.Int64(firstPosition + item.Offset + p.Data.Length - 1);
                rows.Commands.Timestamp(recordedAt);
            }

            foreach (var key in p.Keys)
            {
                rows.Keys.StartRow(3);
                rows.Keys.Text(key.Kind);
                rows.Keys.Text(key.Value);
                rows.Keys.Bytes(p.StreamIdUtf8);
            }
        }
    }

    /// <summary>Moves the heads of streams that existed before the batch, each only if no one else moved it meanwhile.</summary>
    private async Task UpdateExistingStreamsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<BulkWork> work, CancellationToken cancellationToken)
    {
        var existing = work.Where(w => w.Exists).ToArray();
        if (existing.Length == 0)
        {
            return;
        }

        await using var update = new NpgsqlCommand(
            $"UPDATE {_options.Schema}.streams AS st SET version = u.version, last_hash = u.hash, updated_at = u.at FROM unnest($1, $2, $3, $4, $5) AS u (id, previous, version, hash, at) WHERE st.id = u.id AND st.version = u.previous",
            connection, transaction);
        update.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = existing.Select(w => w.Append.StreamId).ToArray() });
        update.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = existing.Select(w => w.Current).ToArray() });
        update.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = existing.Select(w => w.Current + w.Append.Data.Length).ToArray() });
        update.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = existing.Select(w => w.LastHash).ToArray() });
        update.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = existing.Select(w => w.Append.RecordedAt.UtcDateTime).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != existing.Length)
        {
            // A concurrent writer moved one of the streams after its head was read.
            throw new StreamConcurrencyException(existing[0].Append.StreamId, ExpectedVersion.Exactly(existing[0].Current), null);
        }
    }
}
