using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace Idarati.EventStore;

/// <summary>
/// Group commit of known-head appends. Appends of different streams that arrive while earlier ones are being written
/// wait in a queue and are then written together: one statement, one transaction, one round trip, one WAL flush. Each
/// append stays atomic (the statement is), keeps its own head check, versions, hash chain, command record and keys,
/// and its positions come from the shared transaction id like any other append's. An append nobody waits behind is
/// written at once, alone, so grouping adds no latency to a quiet store.
/// </summary>
public sealed partial class PostgresEventStore
{
    /// <summary>An append with more events than this is written alone.</summary>
    private const int GroupedEventsMax = 1000;

    /// <summary>At most this many appends in one group.</summary>
    private const int GroupMembersMax = 64;

    /// <summary>
    /// A writer beyond the first starts only when this many appends wait. Below that, the appends that arrive while a
    /// group is written are cheaper to write together once it ends than as a second statement beside it: each statement
    /// costs a transaction and a WAL flush, and two writers busy at once on a small server spend CPU on contention
    /// (measured on 2 cores, POST /api/complaints at 8 connections: 17% less CPU per request with one writer than with
    /// a second one that started for any two waiting appends, and 2 writers that start at 6 do as well as one). A backlog
    /// this deep means one writer no longer keeps up, and a second one pays for itself (the append benchmark at 8 and 32
    /// connections).
    /// </summary>
    private const int BacklogForAnotherWriter = 6;

    private readonly AppendGroup? _group;
    private readonly string[] _groupSql;

    /// <summary>A known-head append with its hash chain computed: what a writer needs, alone or in a group.</summary>
    private sealed record HeadAppend(PreparedAppend Request, StreamHead Head, byte[][] Hashes)
    {
        public long Version => Head.Version + Hashes.Length;

        public byte[] LastHash => Hashes[^1];

        public static HeadAppend Chain(PreparedAppend request, StreamHead head)
        {
            var hashes = new byte[request.Types.Length][];
            var previous = head.Hash;
            var recordedAt = request.RecordedAt.UtcDateTime;
            for (var i = 0; i < hashes.Length; i++)
            {
                previous = hashes[i] = HashChain.Next(previous, request.StreamId, head.Version + i + 1, request.Types[i], recordedAt, request.Metadata[i], request.Data[i]);
            }

            return new HeadAppend(request, head, hashes);
        }

        public AppendResult Written(long firstPosition) =>
            new(Request.StreamId, Head.Version + 1, Version, firstPosition, firstPosition + Hashes.Length - 1, false, new StreamHead(Version, LastHash));
    }

    /// <summary>
    /// What a group did with one append: wrote it (<see cref="Result"/>), or ran and did not write it (<see cref="Skipped"/>:
    /// a stale head or a stream that exists), or neither (the group failed as a whole: the append is written alone).
    /// </summary>
    private readonly record struct Grouped(AppendResult? Result, bool Skipped);

    /// <summary>
    /// The queue and its writers. A caller that finds no writer running starts one; a further writer starts only when
    /// <see cref="BacklogForAnotherWriter"/> appends wait, so that appends arriving while a group is being written join
    /// the next group instead of paying a statement and a WAL flush of their own. A writer takes everything waiting
    /// (distinct streams, within the limits) and writes it, until the queue is empty.
    /// </summary>
    private sealed class AppendGroup(PostgresEventStore store, int writers)
    {
        /// <summary>How long the writers' connections stay theirs once nothing is left to write.</summary>
        private static readonly TimeSpan ConnectionLinger = TimeSpan.FromSeconds(1);

        private readonly Lock _gate = new();
        private readonly List<Member> _queue = [];

        /// <summary>
        /// The writers' own connections, kept from one group to the next: the pool hands its idle connections out in
        /// turn, so each group went to another server process whose memory was cold in the CPU's caches (measured,
        /// POST /api/complaints at 8 connections: +5.6% and +5.7% in two alternating A/Bs with the connection kept). They
        /// go back to the pool once the writers have been idle for <see cref="ConnectionLinger"/>.
        /// </summary>
        private readonly Stack<NpgsqlConnection> _connections = new();
        private ITimer? _linger;
        private int _running;

        public Task<Grouped> WriteAsync(HeadAppend append, CancellationToken cancellationToken)
        {
            var member = new Member(append, cancellationToken);
            bool start;
            lock (_gate)
            {
                _queue.Add(member);
                start = _running == 0 || (_running < writers && _queue.Count >= BacklogForAnotherWriter);
                if (start)
                {
                    _running++;
                }
            }

            if (start)
            {
                _ = DrainAsync();
            }

            return member.Done.Task;
        }

        private async Task DrainAsync()
        {
            NpgsqlConnection? connection = null;
            while (true)
            {
                List<Member> batch;
                lock (_gate)
                {
                    batch = Take();
                    if (batch.Count == 0)
                    {
                        _running--;
                        if (connection is not null)
                        {
                            _connections.Push(connection);
                            _linger ??= TimeProvider.System.CreateTimer(_ => Release(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                            _linger.Change(ConnectionLinger, Timeout.InfiniteTimeSpan);
                        }

                        return;
                    }

                    if (connection is null && _connections.Count > 0)
                    {
                        connection = _connections.Pop();
                    }
                }

                if (connection is { FullState: not System.Data.ConnectionState.Open })
                {
                    // A kept connection the server closed meanwhile (a restart): never write a group on it.
                    await connection.DisposeAsync().ConfigureAwait(false);
                    connection = null;
                }

                try
                {
                    connection ??= await store._dataSource.OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
                    await store.WriteGroupAsync(connection, batch).ConfigureAwait(false);
                }
                catch (PostgresException) when (connection is { FullState: System.Data.ConnectionState.Open })
                {
                    // The server refused the statement (a key taken, a command repeated, a deadlock with another node's
                    // group): nothing of the group was written. Each append tries again alone, where the store tells
                    // its own outcome (and raises its own error) as it always did.
                    foreach (var member in batch)
                    {
                        member.Done.TrySetResult(new Grouped(null, false));
                    }
                }
                catch (Exception e)
                {
                    // A broken connection (the server shutting down answers a PostgresException and closes it) or a
                    // timeout: whether the group committed is unknown, so no append is tried
                    // again behind its caller's back; each caller gets the error, as it would alone.
                    if (connection is not null)
                    {
                        await connection.DisposeAsync().ConfigureAwait(false);
                        connection = null;
                    }

                    foreach (var member in batch)
                    {
                        member.Done.TrySetException(e);
                    }
                }
            }
        }

        /// <summary>Gives the writers' connections back to the pool if no writer has run since the timer was set.</summary>
        private void Release()
        {
            List<NpgsqlConnection> idle;
            lock (_gate)
            {
                if (_running > 0)
                {
                    // A writer is busy: it sets the timer again when it stops.
                    return;
                }

                idle = [.. _connections];
                _connections.Clear();
            }

            foreach (var connection in idle)
            {
                connection.Dispose();
            }
        }

        /// <summary>The next group, in arrival order: one append per stream (a second one waits for the next group).</summary>
        private List<Member> Take()
        {
            var batch = new List<Member>();
            var streams = new HashSet<string>(StringComparer.Ordinal);
            var events = 0;
            for (var i = 0; i < _queue.Count && batch.Count < GroupMembersMax;)
            {
                var member = _queue[i];
                if (member.Cancellation.IsCancellationRequested)
                {
                    // Nobody waits for it any more: drop it unwritten.
                    member.Done.TrySetCanceled(member.Cancellation);
                    _queue.RemoveAt(i);
                }
                else if (events + member.Append.Hashes.Length <= GroupedEventsMax && streams.Add(member.Append.Request.StreamId))
                {
                    events += member.Append.Hashes.Length;
                    batch.Add(member);
                    _queue.RemoveAt(i);
                }
                else
                {
                    i++;
                }
            }

            return batch;
        }
    }

    private sealed record Member(HeadAppend Append, CancellationToken Cancellation)
    {
        public TaskCompletionSource<Grouped> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Writes a group and settles each member; throws (settling none) when the statement fails.</summary>
    private async Task WriteGroupAsync(NpgsqlConnection connection, List<Member> batch)
    {
        if (batch.Count == 1)
        {
            var alone = await WriteAloneAsync(connection, batch[0].Append, CancellationToken.None).ConfigureAwait(false);
            batch[0].Done.TrySetResult(new Grouped(alone, alone is null));
            return;
        }

        var n = batch.Count;
        var eventCount = batch.Sum(m => m.Append.Hashes.Length);
        var (ids, types, headVersions, headHashes, versions, lastHashes, recordedAt) =
            (new string[n], new string[n], new long[n], new byte[n][], new long[n], new byte[n][], new DateTime[n]);
        var (eventStreams, offsets, eventVersions, eventTypes, data, metadata, hashes, eventTimes) =
            (new string[eventCount], new int[eventCount], new long[eventCount], new string[eventCount], new string[eventCount], new string[eventCount], new byte[eventCount][], new DateTime[eventCount]);
        List<string> commandStreams = [], keyStreams = [], keyKinds = [], keyValues = [];
        List<Guid> commandIds = [];
        List<int> commandFirst = [], commandLast = [];
        List<long> commandFirstVersions = [], commandVersions = [];
        List<DateTime> commandTimes = [];
        var firstOffsets = new int[n];
        var e = 0;
        for (var m = 0; m < n; m++)
        {
            var append = batch[m].Append;
            var request = append.Request;
            var at = request.RecordedAt.UtcDateTime;
            (ids[m], types[m], headVersions[m], headHashes[m], versions[m], lastHashes[m], recordedAt[m]) =
                (request.StreamId, request.StreamType, append.Head.Version, append.Head.Hash, append.Version, append.LastHash, at);
            firstOffsets[m] = e;
            for (var i = 0; i < append.Hashes.Length; i++, e++)
            {
                (eventStreams[e], offsets[e], eventVersions[e], eventTypes[e], data[e], metadata[e], hashes[e], eventTimes[e]) =
                    (request.StreamId, e, append.Head.Version + i + 1, request.Types[i], request.Data[i], request.Metadata[i], append.Hashes[i], at);
            }

            if (request.CommandId is { } commandId)
            {
                commandStreams.Add(request.StreamId);
                commandIds.Add(commandId);
                commandFirst.Add(firstOffsets[m]);
                commandLast.Add(e - 1);
                commandFirstVersions.Add(append.Head.Version + 1);
                commandVersions.Add(append.Version);
                commandTimes.Add(at);
            }

            for (var k = 0; k < request.KeyKinds.Length; k++)
            {
                keyStreams.Add(request.StreamId);
                keyKinds.Add(request.KeyKinds[k]);
                keyValues.Add(request.KeyValues[k]);
            }
        }

        var shape = (commandIds.Count > 0 ? 1 : 0) | (keyKinds.Count > 0 ? 2 : 0);
        await using var command = new NpgsqlCommand(_groupSql[shape], connection);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = types });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = headVersions });
        p.Add(new NpgsqlParameter<byte[][]> { TypedValue = headHashes });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = versions });
        p.Add(new NpgsqlParameter<byte[][]> { TypedValue = lastHashes });
        p.Add(Times(recordedAt));
        p.Add(new NpgsqlParameter<string[]> { TypedValue = eventStreams });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = offsets });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = eventVersions });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = eventTypes });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Json });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = metadata, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Json });
        p.Add(new NpgsqlParameter<byte[][]> { TypedValue = hashes });
        p.Add(Times(eventTimes));
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. commandStreams] });
        p.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. commandIds] });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = [.. commandFirst] });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = [.. commandLast] });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. commandFirstVersions] });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. commandVersions] });
        p.Add(Times([.. commandTimes]));
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. keyStreams] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. keyKinds] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. keyValues] });

        var written = new long?[n];
        await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                var m = (int)reader.GetInt64(0) - 1;
                written[m] = reader.GetInt64(1) + firstOffsets[m];
            }
        }

        for (var m = 0; m < n; m++)
        {
            batch[m].Done.TrySetResult(written[m] is { } first ? new Grouped(batch[m].Append.Written(first), false) : new Grouped(null, true));
        }
    }

    private static NpgsqlParameter<DateTime[]> Times(DateTime[] times) =>
        new() { TypedValue = times, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz };

    /// <summary>
    /// The group statement. Parameters, one entry per append: $1 stream ids, $2 stream types, $3 head versions, $4 head
    /// hashes, $5 new versions, $6 new head hashes, $7 recorded times; one per event: $8 its stream, $9 its position
    /// offset in the transaction, $10 version, $11 type, $12 body, $13 metadata, $14 hash, $15 recorded time; one per
    /// recorded command: $16 its stream, $17 id, $18 and $19 its first and last offsets, $20 and $21 its first and last
    /// versions, $22 recorded time; one per key: $23 its stream, $24 kind, $25 value. New streams are inserted unless they
    /// exist, known ones moved only from the head their writer read: the events, commands and keys of the appends that did
    /// neither are not written, and the statement returns the appends it wrote with the transaction's position base.
    /// Rows carry their stream id and are kept when it is among the moved streams (one array, a stream appears once per
    /// group): no join, so no hash table built per statement, which cost the server more than the lookups it saved.
    /// </summary>
    private static string GroupSql(string s, bool commands, bool keys) => $"""
        WITH m AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bytea[], $5::bigint[], $6::bytea[], $7::timestamptz[])
                WITH ORDINALITY AS m (id, type, head_version, head_hash, version, hash, recorded_at, n)),
        x AS (SELECT pg_current_xact_id()::text::bigint * {EventStoreSchema.PositionsPerTransaction.ToString(CultureInfo.InvariantCulture)} AS base),
        inserted AS (
            INSERT INTO {s}.streams (id, type, version, last_hash, created_at, updated_at)
            SELECT id, type, version, hash, recorded_at, recorded_at FROM m WHERE head_version = 0
            ON CONFLICT (id) DO NOTHING
            RETURNING id),
        moved AS (
            UPDATE {s}.streams t SET version = m.version, last_hash = m.hash, updated_at = m.recorded_at
            FROM m WHERE m.head_version <> 0 AND t.id = m.id AND t.version = m.head_version AND t.last_hash = m.head_hash
            RETURNING t.id),
        w AS (SELECT ARRAY(SELECT id FROM inserted UNION ALL SELECT id FROM moved) AS ids),
        appended AS (
            INSERT INTO {s}.events (position, stream_id, version, type, data, metadata, recorded_at, hash)
            SELECT x.base + e.o, e.id, e.v, e.t, e.d, e.md, e.at, e.h
            FROM unnest($8::text[], $9::int[], $10::bigint[], $11::text[], $12::json[], $13::json[], $14::bytea[], $15::timestamptz[]) AS e (id, o, v, t, d, md, h, at), x, w
            WHERE e.id = ANY (w.ids)){(commands ? $"""
        ,
        command AS (
            INSERT INTO {s}.commands (command_id, stream_id, first_version, stream_version, first_position, last_position, recorded_at)
            SELECT c.cid, c.id, c.first_version, c.version, x.base + c.first, x.base + c.last, c.at
            FROM unnest($16::text[], $17::uuid[], $18::int[], $19::int[], $20::bigint[], $21::bigint[], $22::timestamptz[]) AS c (id, cid, first, last, first_version, version, at), x, w
            WHERE c.id = ANY (w.ids))
        """ : string.Empty)}{(keys ? $"""
        ,
        stream_key AS (
            INSERT INTO {s}.stream_keys (kind, value, stream_id)
            SELECT k.kind, k.value, k.id FROM unnest($23::text[], $24::text[], $25::text[]) AS k (id, kind, value), w WHERE k.id = ANY (w.ids))
        """ : string.Empty)}
        SELECT m.n, x.base FROM m, x, w WHERE m.id = ANY (w.ids)
        """;
}
