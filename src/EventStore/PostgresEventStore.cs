using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;

namespace Idarati.EventStore;

/// <summary>
/// The event store on PostgreSQL. Appends are one round trip to the append_events function; reads of the global
/// log never return a position before every smaller position is final (see reserve_positions in the schema).
/// </summary>
public sealed partial class PostgresEventStore
{
    private const int Appended = 0;
    private const int DuplicateCommand = 1;
    private const int WrongVersion = 2;
    private const int MaxRaceRetries = 10;
    private const string EventColumns = "position, stream_id, version, type, data::text, metadata::text, recorded_at, hash";
    private const int EventColumnCount = 8;

    private static readonly JsonSerializerOptions MetadataJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly NpgsqlDataSource _dataSource;
    private readonly EventStoreOptions _options;
    private readonly string _appendSql;
    private readonly string _appendOneSql;
    private readonly string[] _headSql;
    private readonly string _readPageSql;
    private readonly string _readPageOfTypesSql;
    private readonly string _streamSql;
    private readonly string _streamEventsSql;

    public PostgresEventStore(NpgsqlDataSource dataSource, EventStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        _dataSource = dataSource;
        _options = options;
        options.Types.Freeze();
        var s = options.Schema;
        _appendSql = $"SELECT status, stream_version, first_version, first_position, last_position, last_hash FROM {s}.append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        _appendOneSql = $"SELECT status, stream_version, first_version, first_position, last_position, last_hash FROM {s}.append_event($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        _headSql = new string[16];
        for (var shape = 0; shape < _headSql.Length; shape++)
        {
            _headSql[shape] = KnownHeadSql(s, newStream: (shape & 1) != 0, single: (shape & 2) != 0, command: (shape & 4) != 0, keys: (shape & 8) != 0);
        }

        _groupSql = [GroupSql(s, false, false), GroupSql(s, true, false), GroupSql(s, false, true), GroupSql(s, true, true)];
        _group = options.GroupCommitWriters > 0 ? new AppendGroup(this, options.GroupCommitWriters) : null;

        // The page, and the last position of any type below the stable bound: a filtered reader moves its checkpoint to
        // it, and no further, so an idle log causes no checkpoint writes.
        const string Page = "SELECT e.*, h.last FROM (SELECT b.bound, (SELECT max(position) FROM {1}.events WHERE position < b.bound) AS last FROM (SELECT "
            + EventStoreSchema.StablePositionBound + " AS bound) b) h LEFT JOIN LATERAL (SELECT {0} FROM {1}.events WHERE position > $1 AND position < h.bound {2} ORDER BY position LIMIT $2) e ON true";
        _readPageSql = string.Format(CultureInfo.InvariantCulture, Page, EventColumns, s, "");
        _readPageOfTypesSql = string.Format(CultureInfo.InvariantCulture, Page, EventColumns, s, "AND type = ANY($3)");
        _streamSql = $"SELECT type, version, last_hash FROM {s}.streams WHERE id = $1";
        _streamEventsSql = $"SELECT {EventColumns} FROM {s}.events WHERE stream_id = $1 AND version <= $2 AND recorded_at <= $3 ORDER BY version";
    }

    public EventStoreOptions Options => _options;

    public NpgsqlDataSource DataSource => _dataSource;

    /// <summary>Creates or migrates the schema; harmless to run again.</summary>
    public Task MigrateAsync(CancellationToken cancellationToken = default) =>
        EventStoreSchema.MigrateAsync(_dataSource, _options, cancellationToken);

    /// <summary>Appends <paramref name="events"/> atomically in a transaction of its own, in one round trip.</summary>
    public async Task<AppendResult> AppendAsync(
        string streamId,
        string streamType,
        ExpectedVersion expected,
        IReadOnlyList<object> events,
        AppendOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var request = Prepare(streamId, streamType, events, options);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        return await AppendWithRetriesAsync(connection, request, expected, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The general path on the store's own connection. A unique violation means a concurrent writer inserted the same
    /// stream version or command id first, or the key claimed is taken: reading again gives the right answer (the first
    /// result of a repeated command, a conflict for an exact expected version, the next version for 'any').
    /// </summary>
    private async Task<AppendResult> AppendWithRetriesAsync(NpgsqlConnection connection, PreparedAppend request, ExpectedVersion expected, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ExecuteAppendAsync(connection, null, request, expected, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "stream_keys_pkey")
            {
                if (attempt == 1 && request.CommandId is not null)
                {
                    continue;
                }

                throw new DuplicateStreamKeyException(request.StreamId, await FindTakenKeyAsync(connection, request, cancellationToken).ConfigureAwait(false), e);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && attempt < MaxRaceRetries)
            {
                // A short random pause keeps racing writers from colliding again.
                await Task.Delay(Random.Shared.Next(0, 1 << Math.Min(attempt, 6)), cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new StreamConcurrencyException(request.StreamId, expected, null, e);
            }
        }
    }

    /// <summary>Which of the claimed keys another stream holds (the server hides error details by default).</summary>
    private async Task<StreamKey?> FindTakenKeyAsync(NpgsqlConnection connection, PreparedAppend request, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT k.kind, k.value FROM {_options.Schema}.stream_keys k JOIN unnest($1::text[], $2::text[]) AS c (kind, value) ON (k.kind, k.value) = (c.kind, c.value) WHERE k.stream_id <> $3 LIMIT 1",
            connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = request.KeyKinds });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = request.KeyValues });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.StreamId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new StreamKey(reader.GetString(0), reader.GetString(1)) : null;
    }

    /// <summary>The first result of a command id already appended, or null: lets a handler answer a retry before deciding again.</summary>
    public async Task<AppendResult?> FindCommandAsync(Guid commandId, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(
            $"SELECT stream_id, first_version, stream_version, first_position, last_position FROM {_options.Schema}.commands WHERE command_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = commandId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new AppendResult(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2),
            reader.IsDBNull(3) ? null : reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetInt64(4), true);
    }

    /// <summary>
    /// Every stream of one type, whole, in one query: for small sets such as reference data. The type must be one of
    /// <see cref="EventStoreOptions.ListedStreamTypes"/>, whose partial index serves this query.
    /// </summary>
    public async Task<IReadOnlyList<LoadedStream>> LoadStreamsOfTypeAsync(string streamType, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamType);
        if (!_options.ListedStreamTypes.Contains(streamType))
        {
            throw new InvalidOperationException($"Stream type '{streamType}' is not listed: add it to EventStoreOptions.ListedStreamTypes (and migrate) to load its streams by type.");
        }

        await using var command = _dataSource.CreateCommand(
            // The type is written into the text (a listed name, checked by the options) so every plan can use its partial index.
            $"SELECT e.position, e.stream_id, e.version, e.type, e.data::text, e.metadata::text, e.recorded_at, e.hash FROM {_options.Schema}.events e JOIN {_options.Schema}.streams s ON s.id = e.stream_id WHERE s.type = '{streamType}' ORDER BY e.stream_id, e.version");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var streams = new List<LoadedStream>();
        List<RecordedEvent>? current = null;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var e = ToRecorded(ReadRaw(reader));
            if (current is null || current[0].StreamId != e.StreamId)
            {
                current = [];
                streams.Add(new LoadedStream(e.StreamId, streamType, 0, current));
            }

            current.Add(e);
        }

        return streams.Select(s => s with { Version = s.Events[^1].Version }).ToList();
    }

    /// <summary>The stream that holds a unique key, or null.</summary>
    public async Task<string?> FindStreamIdAsync(string kind, string value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(value);
        await using var command = _dataSource.CreateCommand($"SELECT stream_id FROM {_options.Schema}.stream_keys WHERE kind = $1 AND value = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = kind });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = value });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    /// <summary>
    /// Appends after a head the writer has just read (from <see cref="LoadedStream.Head"/>, <see cref="AppendResult.Head"/>
    /// or <see cref="StreamHead.New"/>): the expected version is the head's version. The hashes are chained here and the
    /// rows written by one plain SQL statement, the cheapest append there is. When the head is stale the store falls back
    /// to the general path, which answers a repeated command with its first result and anything else with a conflict.
    /// </summary>
    public async Task<AppendResult> AppendAsync(
        string streamId,
        string streamType,
        StreamHead head,
        IReadOnlyList<object> events,
        AppendOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(head);
        var request = Prepare(streamId, streamType, events, options);
        if (request.Types.Length == 0 || request.Types.Length > EventStoreSchema.PositionsPerTransaction)
        {
            return await AppendAsync(streamId, streamType, ExpectedVersion.Exactly(head.Version), events, options, cancellationToken).ConfigureAwait(false);
        }

        var append = HeadAppend.Chain(request, head);
        Grouped? written = _group is not null && append.Hashes.Length <= GroupedEventsMax
            ? await _group.WriteAsync(append, cancellationToken).ConfigureAwait(false)
            : null;
        if (written is { Result: { } result })
        {
            return result;
        }

        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        if (written is not { Skipped: true } && await WriteAloneAsync(connection, append, cancellationToken).ConfigureAwait(false) is { } alone)
        {
            return alone;
        }

        // The head was stale, or the stream or the command exists already: the general path tells which.
        return await AppendWithRetriesAsync(connection, request, ExpectedVersion.Exactly(head.Version), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The plain-SQL append after a known head, in a transaction of its own; null when it wrote nothing (a stale head,
    /// or a unique violation: the stream or the command exists already).
    /// </summary>
    private async Task<AppendResult?> WriteAloneAsync(NpgsqlConnection connection, HeadAppend append, CancellationToken cancellationToken)
    {
        var (request, head, hashes) = (append.Request, append.Head, append.Hashes);
        var single = hashes.Length == 1;
        var shape = (head.Version == 0 ? 1 : 0) | (single ? 2 : 0) | (request.CommandId is null ? 0 : 4) | (request.KeyKinds.Length == 0 ? 0 : 8);
        await using var command = new NpgsqlCommand(_headSql[shape], connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.StreamId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.StreamType });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = head.Version });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = head.Hash });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = append.Version });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = append.LastHash });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = request.RecordedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(request.CommandId is { } id
            ? new NpgsqlParameter<Guid> { TypedValue = id }
            : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        AddEvents(command.Parameters, request);
        command.Parameters.Add(single
            ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea }
            : new NpgsqlParameter<byte[][]> { TypedValue = hashes });

        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = request.KeyKinds });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = request.KeyValues });
        try
        {
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long first ? append.Written(first) : null;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            return null;
        }
    }

    /// <summary>
    /// The plain-SQL append after a known head. Parameters: $1 stream id, $2 type, $3 head version, $4 head hash,
    /// $5 new version, $6 new head hash, $7 recorded at, $8 command id, then the event type, body and metadata (scalars
    /// for one event; arrays plus $12 the hashes for several), and the unique keys' kinds and values ($13, $14). The stream write comes first, so it assigns the
    /// transaction id that the positions are made of; when the head is stale it writes nothing and nothing follows.
    /// The command and key inserts are left out of the text when the append has no command id or no key: even with no
    /// row to write, each would open its table and indexes at every call (measured: a tenth of the statement's cost).
    /// </summary>
    private static string KnownHeadSql(string s, bool newStream, bool single, bool command, bool keys)
    {
        var stream = newStream
            ? $"INSERT INTO {s}.streams (id, type, version, last_hash, created_at, updated_at) SELECT $1, $2, $5, $6, $7, $7 WHERE $3 = 0"
            : $"UPDATE {s}.streams SET version = $5, last_hash = $6, updated_at = $7 WHERE id = $1 AND version = $3 AND last_hash = $4";
        var events = single
            ? $"INSERT INTO {s}.events (position, stream_id, version, type, data, metadata, recorded_at, hash) SELECT stream.base, $1, $5, $9, $10, $11, $7, $6 FROM stream"
            : $"INSERT INTO {s}.events (position, stream_id, version, type, data, metadata, recorded_at, hash) SELECT stream.base + x.o - 1, $1, $3 + x.o, x.t, x.d, x.m, $7, x.h FROM stream, unnest($9::text[], $10::json[], $11::json[], $12::bytea[]) WITH ORDINALITY AS x (t, d, m, h, o)";
        return $"""
            WITH stream AS ({stream} RETURNING pg_current_xact_id()::text::bigint * {EventStoreSchema.PositionsPerTransaction} AS base),
            appended AS ({events}){(command ? $"""
            ,
            command AS (
                INSERT INTO {s}.commands (command_id, stream_id, first_version, stream_version, first_position, last_position, recorded_at)
                SELECT $8, $1, $3 + 1, $5, stream.base, stream.base + $5 - $3 - 1, $7 FROM stream)
            """ : string.Empty)}{(keys ? $"""
            ,
            stream_key AS (
                INSERT INTO {s}.stream_keys (kind, value, stream_id)
                SELECT k.kind, k.value, $1 FROM stream, unnest($13::text[], $14::text[]) AS k (kind, value))
            """ : string.Empty)}
            SELECT base FROM stream
            """;
    }

    /// <summary>
    /// Appends inside the caller's transaction, so that other writes can commit atomically with the events. The append
    /// must be the transaction's first write (the store checks it): that is what keeps the global log gap-free for readers.
    /// </summary>
    public async Task<AppendResult> AppendAsync(
        NpgsqlTransaction transaction,
        string streamId,
        string streamType,
        ExpectedVersion expected,
        IReadOnlyList<object> events,
        AppendOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        var request = Prepare(streamId, streamType, events, options);
        try
        {
            return await ExecuteAppendAsync(transaction.Connection!, transaction, request, expected, cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "stream_keys_pkey")
        {
            // The caller's transaction is now aborted, so the store cannot read again for it.
            throw new DuplicateStreamKeyException(request.StreamId, request.KeyKinds.Length == 1 ? new StreamKey(request.KeyKinds[0], request.KeyValues[0]) : null, e);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new StreamConcurrencyException(request.StreamId, expected, null, e);
        }
    }

    /// <summary>Loads a stream whole, up to a version or as of a time; null when it did not exist (at that point).</summary>
    public async Task<LoadedStream?> LoadStreamAsync(string streamId, StreamReadOptions? read = null, CancellationToken cancellationToken = default)
    {
        var (type, raw) = await ReadStreamRawAsync(streamId, read, cancellationToken).ConfigureAwait(false);
        if (type is null || raw.Count == 0)
        {
            return null;
        }

        var events = new List<RecordedEvent>(raw.Count);
        foreach (var e in raw)
        {
            events.Add(ToRecorded(e));
        }

        return new LoadedStream(streamId, type, events[^1].Version, events);
    }

    /// <summary>The stored rows of a stream, with the stream's type (null when the stream does not exist).</summary>
    public async Task<(string? StreamType, IReadOnlyList<RawEvent> Events)> ReadStreamRawAsync(
        string streamId, StreamReadOptions? read = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(_streamSql) { Parameters = { new NpgsqlParameter<string> { TypedValue = streamId } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(_streamEventsSql)
        {
            Parameters =
            {
                new NpgsqlParameter<string> { TypedValue = streamId },
                new NpgsqlParameter<long> { TypedValue = read?.UpToVersion ?? long.MaxValue },
                new NpgsqlParameter<DateTime> { TypedValue = (read?.AsOf ?? DateTimeOffset.MaxValue).UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        string? type = null;
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            type = reader.GetString(0);
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<RawEvent>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            events.Add(ReadRaw(reader));
        }

        return (type, events);
    }

    /// <summary>
    /// Reads the global log after <paramref name="afterPosition"/>, in position order. Only events of transactions older
    /// than every running transaction are returned, so a later read never finds an event below a position already read.
    /// Positions grow strictly but are not consecutive (see reserve_positions in the schema).
    /// </summary>
    public async Task<IReadOnlyList<RecordedEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default)
    {
        var raw = await ReadAllRawAsync(afterPosition, maxCount, cancellationToken).ConfigureAwait(false);
        var events = new List<RecordedEvent>(raw.Count);
        foreach (var e in raw)
        {
            events.Add(ToRecorded(e));
        }

        return events;
    }

    /// <summary>The global log as stored rows; see <see cref="ReadAllAsync"/>.</summary>
    public async Task<IReadOnlyList<RawEvent>> ReadAllRawAsync(long afterPosition, int maxCount, CancellationToken cancellationToken = default) =>
        (await ReadAllRawAsync(afterPosition, maxCount, null, cancellationToken).ConfigureAwait(false)).Events;

    /// <summary>
    /// Reads the global log after <paramref name="afterPosition"/> (see <see cref="ReadAllAsync"/>), keeping only rows stored under <paramref name="types"/> (all rows when null). <see cref="GlobalLogPage.ScannedTo"/>
    /// says how far the log was covered: the last row returned when the page is full, else the last stable row of any
    /// type, below which no row can appear any more. A reader resumes after it even when the page holds no row.
    /// </summary>
    public async Task<GlobalLogPage> ReadAllRawAsync(long afterPosition, int maxCount, IReadOnlyCollection<string>? types, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        var (events, scannedTo) = await ReadPageAsync(afterPosition, maxCount, types, ReadRaw, e => e.Position, cancellationToken).ConfigureAwait(false);
        return new GlobalLogPage(events, scannedTo);
    }

    /// <summary>
    /// The daemon's read of the global log: as <see cref="ReadAllRawAsync(long, int, IReadOnlyCollection{string}?, CancellationToken)"/>,
    /// with the bodies kept in UTF-8 (a rebuild deserializes them straight from the bytes the database sent).
    /// </summary>
    internal Task<(List<StoredEvent> Events, long ScannedTo)> ReadLogPageAsync(long afterPosition, int maxCount, IReadOnlyCollection<string>? types, CancellationToken cancellationToken) =>
        ReadPageAsync(afterPosition, maxCount, types, static reader => new StoredEvent(
            reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), Utf8(reader, 4), Utf8(reader, 5),
            new DateTimeOffset(reader.GetFieldValue<DateTime>(6), TimeSpan.Zero), reader.GetFieldValue<byte[]>(7)), e => e.Position, cancellationToken);

    /// <summary>One page of the global log and how far it covered, each row read by <paramref name="read"/>.</summary>
    private async Task<(List<T> Events, long ScannedTo)> ReadPageAsync<T>(
        long afterPosition, int maxCount, IReadOnlyCollection<string>? types, Func<NpgsqlDataReader, T> read, Func<T, long> position, CancellationToken cancellationToken)
    {
        // One statement, so the bound and the rows come from the same snapshot.
        await using var command = _dataSource.CreateCommand(types is null ? _readPageSql : _readPageOfTypesSql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = afterPosition });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = maxCount });
        if (types is not null)
        {
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. types] });
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var events = new List<T>(Math.Min(maxCount, 1024));
        var last = afterPosition;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            last = reader.IsDBNull(EventColumnCount) ? afterPosition : reader.GetInt64(EventColumnCount);
            if (!reader.IsDBNull(0))
            {
                events.Add(read(reader));
            }
        }

        return (events, events.Count == maxCount ? position(events[^1]) : Math.Max(afterPosition, last));
    }

    /// <summary>A text column's bytes as sent (UTF-8: the connection's client encoding).</summary>
    private static byte[] Utf8(NpgsqlDataReader reader, int column)
    {
        using var stream = reader.GetStream(column);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>A row of the daemon's read as an object; its metadata is parsed when first read.</summary>
    internal RecordedEvent ToRecorded(StoredEvent stored)
    {
        var data = _options.Types.Deserialize(stored.Type, stored.Data, _options.Json, stored.StreamId, stored.Version, stored.Position);
        return new RecordedEvent(stored.Position, stored.StreamId, stored.Version, stored.Type, data, () =>
        {
            try
            {
                return JsonSerializer.Deserialize<EventMetadata>(stored.Metadata, MetadataJson) ?? new EventMetadata();
            }
            catch (JsonException e)
            {
                throw new EventDeserializationException(stored.StreamId, stored.Version, stored.Position, stored.Type, e);
            }
        }, stored.RecordedAt, stored.Hash);
    }

    /// <summary>Turns a stored row into an object, or raises the typed error that names its stream and version.</summary>
    public RecordedEvent ToRecorded(RawEvent raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var data = _options.Types.Deserialize(raw.Type, raw.Data, _options.Json, raw.StreamId, raw.Version, raw.Position);
        EventMetadata metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<EventMetadata>(raw.Metadata, MetadataJson) ?? new EventMetadata();
        }
        catch (JsonException e)
        {
            throw new EventDeserializationException(raw.StreamId, raw.Version, raw.Position, raw.Type, e);
        }

        return new RecordedEvent(raw.Position, raw.StreamId, raw.Version, raw.Type, data, metadata, raw.RecordedAt, raw.Hash);
    }

    /// <summary>Recomputes a stream's hash chain from its stored rows and names the first version that does not match.</summary>
    public async Task<HashChainVerification> VerifyStreamAsync(string streamId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        return (await ReadVerifiedAsync([streamId], cancellationToken).ConfigureAwait(false))[0].Verification;
    }

    /// <summary>
    /// The stored rows of several streams (in the order given; none for a stream that does not exist) with each one's
    /// hash chain verified from them, in one round trip: what an export of many histories reads, a page at a time.
    /// </summary>
    public async Task<IReadOnlyList<(string StreamId, IReadOnlyList<RawEvent> Events, HashChainVerification Verification)>> ReadVerifiedAsync(
        IReadOnlyList<string> streamIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streamIds);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT id, version, last_hash FROM {_options.Schema}.streams WHERE id = ANY($1)")
        {
            Parameters = { new NpgsqlParameter<string[]> { TypedValue = [.. streamIds] } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT {EventColumns} FROM {_options.Schema}.events WHERE stream_id = ANY($1) ORDER BY stream_id, version")
        {
            Parameters = { new NpgsqlParameter<string[]> { TypedValue = [.. streamIds] } },
        });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var heads = new Dictionary<string, (long Version, byte[] Hash)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            heads[reader.GetString(0)] = (reader.GetInt64(1), reader.GetFieldValue<byte[]>(2));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var events = new Dictionary<string, List<RawEvent>>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var e = ReadRaw(reader);
            (events.TryGetValue(e.StreamId, out var list) ? list : events[e.StreamId] = []).Add(e);
        }

        return [.. streamIds.Select(id =>
        {
            IReadOnlyList<RawEvent> rows = events.TryGetValue(id, out var list) ? list : [];
            return (id, rows, heads.TryGetValue(id, out var head) ? Verify(id, rows, head.Version, head.Hash) : new HashChainVerification(id, true, null, 0));
        })];
    }

    /// <summary>The first version whose hash the rows do not reproduce, or whose row is missing, or past the rows if the head was altered.</summary>
    private static HashChainVerification Verify(string streamId, IReadOnlyList<RawEvent> rows, long streamVersion, byte[] headHash)
    {
        byte[] previous = HashChain.Genesis.ToArray();
        long expectedVersion = 1;
        long? firstInvalid = null;
        foreach (var e in rows)
        {
            var computed = HashChain.Next(previous, e.StreamId, e.Version, e.Type, e.RecordedAt.UtcDateTime, e.Metadata, e.Data);
            if (firstInvalid is null && (e.Version != expectedVersion || !computed.AsSpan().SequenceEqual(e.Hash)))
            {
                firstInvalid = Math.Min(e.Version, expectedVersion);
            }

            previous = computed;
            expectedVersion = e.Version + 1;
        }

        if (firstInvalid is null && (rows.Count != streamVersion || !previous.AsSpan().SequenceEqual(headHash)))
        {
            // Rows were deleted or the head was altered: the first version that cannot be proven is the one after the last row.
            firstInvalid = rows.Count + 1;
        }

        return new HashChainVerification(streamId, firstInvalid is null, firstInvalid, rows.Count);
    }

    private sealed record PreparedAppend(
        string StreamId, string StreamType, string[] Types, string[] Data, string[] Metadata, DateTimeOffset RecordedAt, Guid? CommandId,
        string[] KeyKinds, string[] KeyValues);

    private PreparedAppend Prepare(string streamId, string streamType, IReadOnlyList<object> events, AppendOptions? options)
    {
        var keys = CheckAppend(streamId, streamType, events, options);
        var metadata = JsonSerializer.Serialize(Metadata(options), MetadataJson);
        var types = new string[events.Count];
        var data = new string[events.Count];
        var metas = new string[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            types[i] = _options.Types.NameOf(events[i].GetType());
            data[i] = JsonSerializer.Serialize(events[i], events[i].GetType(), _options.Json);
            metas[i] = metadata;
        }

        return new PreparedAppend(streamId, streamType, types, data, metas, Now(), RecordedCommandId(options),
            keys.Select(k => k.Kind).ToArray(), keys.Select(k => k.Value).ToArray());
    }

    /// <summary>The command id to record for idempotency, if any.</summary>
    private static Guid? RecordedCommandId(AppendOptions? options) => options is { RecordCommand: true } ? options.CommandId : null;

    /// <summary>Checks an append's arguments (no null event, no empty key); returns its keys.</summary>
    private static IReadOnlyList<StreamKey> CheckAppend(string streamId, string streamType, IReadOnlyList<object> events, AppendOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        ArgumentException.ThrowIfNullOrEmpty(streamType);
        ArgumentNullException.ThrowIfNull(events);
        foreach (var e in events)
        {
            _ = e ?? throw new ArgumentException("Events cannot be null.", nameof(events));
        }

        var keys = options?.Keys ?? [];
        foreach (var key in keys)
        {
            ArgumentException.ThrowIfNullOrEmpty(key?.Kind, nameof(options));
            ArgumentException.ThrowIfNullOrEmpty(key.Value, nameof(options));
        }

        return keys;
    }

    private DateTimeOffset Now() => HashChain.TruncateToMicroseconds(_options.Time.GetUtcNow());

    private static EventMetadata Metadata(AppendOptions? options) => new()
    {
        CorrelationId = options?.CorrelationId,
        CausationId = options?.CausationId,
        Actor = options?.Actor,
        CommandId = options?.CommandId,
        Headers = options?.Headers is { Count: > 0 } h ? h : null,
    };

    private async Task<AppendResult> ExecuteAppendAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, PreparedAppend request, ExpectedVersion expected, CancellationToken cancellationToken)
    {
        // One event, the common case, goes to append_event: no arrays to build, send and unpack.
        var single = request.Types.Length == 1;
        await using var command = new NpgsqlCommand(single ? _appendOneSql : _appendSql, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.StreamId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = request.StreamType });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = expected.Value });
        command.Parameters.Add(request.CommandId is { } id
            ? new NpgsqlParameter<Guid> { TypedValue = id }
            : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        AddEvents(command.Parameters, request);

        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = request.RecordedAt.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = request.KeyKinds });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = request.KeyValues });

        int status;
        long streamVersion, firstVersion;
        long? firstPosition, lastPosition;
        StreamHead? head;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            status = reader.GetInt32(0);
            streamVersion = reader.GetInt64(1);
            firstVersion = reader.IsDBNull(2) ? streamVersion + 1 : reader.GetInt64(2);
            firstPosition = reader.IsDBNull(3) ? null : reader.GetInt64(3);
            lastPosition = reader.IsDBNull(4) ? null : reader.GetInt64(4);
            head = reader.IsDBNull(5) ? null : new StreamHead(streamVersion, reader.GetFieldValue<byte[]>(5));
        }

        return status switch
        {
            Appended => new AppendResult(request.StreamId, firstVersion, streamVersion, firstPosition, lastPosition, false, head),
            DuplicateCommand => new AppendResult(request.StreamId, firstVersion, streamVersion, firstPosition, lastPosition, true),
            WrongVersion => throw new StreamConcurrencyException(request.StreamId, expected, streamVersion),
            _ => throw new InvalidOperationException($"append_events answered an unknown status {status}."),
        };
    }

    /// <summary>Type, body and metadata: scalars for one event (append_event), arrays for several (append_events).</summary>
    private static void AddEvents(NpgsqlParameterCollection parameters, PreparedAppend request)
    {
        if (request.Types.Length == 1)
        {
            parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Types[0] });
            parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Data[0], NpgsqlDbType = NpgsqlDbType.Json });
            parameters.Add(new NpgsqlParameter<string> { TypedValue = request.Metadata[0], NpgsqlDbType = NpgsqlDbType.Json });
        }
        else
        {
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = request.Types });
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = request.Data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Json });
            parameters.Add(new NpgsqlParameter<string[]> { TypedValue = request.Metadata, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Json });
        }
    }

    private static RawEvent ReadRaw(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetInt64(2),
        reader.GetString(3),
        reader.GetString(4),
        reader.GetString(5),
        new DateTimeOffset(reader.GetFieldValue<DateTime>(6), TimeSpan.Zero),
        reader.GetFieldValue<byte[]>(7));
}
