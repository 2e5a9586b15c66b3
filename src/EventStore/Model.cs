namespace Idarati.EventStore;

/// <summary>Who and why: carried by every event of one append.</summary>
public sealed record AppendOptions
{
    /// <summary>Retrying with the same command id appends nothing and returns the first result (see <see cref="RecordCommand"/>).</summary>
    public Guid? CommandId { get; init; }

    /// <summary>
    /// Whether the command id is recorded for idempotency (the default). An id nobody can send again, such as one a
    /// handler made up because the request carried no idempotency key, needs no record: it is kept in the events'
    /// metadata only, and the append writes no idempotency row.
    /// </summary>
    public bool RecordCommand { get; init; } = true;

    public Guid? CorrelationId { get; init; }

    public Guid? CausationId { get; init; }

    public string? Actor { get; init; }

    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>Unique keys the append claims for its stream; a key another stream holds refuses the whole append.</summary>
    public IReadOnlyList<StreamKey>? Keys { get; init; }
}

/// <summary>A unique secondary key of a stream, such as a tracking number: (kind, value) belongs to one stream forever.</summary>
public sealed record StreamKey(string Kind, string Value);

/// <summary>
/// The outcome of an append. <see cref="Duplicate"/> is true when the command id had already been appended; then
/// <see cref="Head"/> is null, since the stream may have moved on since.
/// </summary>
public sealed record AppendResult(
    string StreamId,
    long FirstVersion,
    long StreamVersion,
    long? FirstPosition,
    long? LastPosition,
    bool Duplicate,
    StreamHead? Head = null);

/// <summary>
/// A stream's head as a writer last saw it: its version and the hash of its last event. Appending with a known head
/// lets the store chain hashes on the client and write with plain SQL; a stale head is refused like a stale version.
/// </summary>
public sealed record StreamHead(long Version, byte[] Hash)
{
    /// <summary>The head of a stream that does not exist yet.</summary>
    public static StreamHead New { get; } = new(0, new byte[32]);
}

/// <summary>The metadata stored beside each event.</summary>
public sealed record EventMetadata
{
    public Guid? CorrelationId { get; init; }

    public Guid? CausationId { get; init; }

    public string? Actor { get; init; }

    public Guid? CommandId { get; init; }

    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}

/// <summary>A stored event as the database holds it, before any deserialization.</summary>
public sealed record RawEvent(
    long Position,
    string StreamId,
    long Version,
    string Type,
    string Data,
    string Metadata,
    DateTimeOffset RecordedAt,
    byte[] Hash);

/// <summary>
/// A stored event with its body turned back into an object. The metadata may be read on first use: a projection
/// replaying the log rarely looks at it, and parsing it for every event was a tenth of a rebuild's work.
/// </summary>
public sealed class RecordedEvent
{
    private EventMetadata? _metadata;
    private Func<EventMetadata>? _readMetadata;

    public RecordedEvent(long position, string streamId, long version, string type, object data, EventMetadata metadata, DateTimeOffset recordedAt, byte[] hash)
        : this(position, streamId, version, type, data, recordedAt, hash) => _metadata = metadata;

    internal RecordedEvent(long position, string streamId, long version, string type, object data, Func<EventMetadata> readMetadata, DateTimeOffset recordedAt, byte[] hash)
        : this(position, streamId, version, type, data, recordedAt, hash) => _readMetadata = readMetadata;

    private RecordedEvent(long position, string streamId, long version, string type, object data, DateTimeOffset recordedAt, byte[] hash)
    {
        Position = position;
        StreamId = streamId;
        Version = version;
        Type = type;
        Data = data;
        RecordedAt = recordedAt;
        Hash = hash;
    }

    public long Position { get; }

    public string StreamId { get; }

    public long Version { get; }

    public string Type { get; }

    public object Data { get; }

    /// <summary>The metadata; read on first use for events from the daemon (a malformed one throws <see cref="EventDeserializationException"/> then).</summary>
    public EventMetadata Metadata => _metadata ??= _readMetadata!();

    public DateTimeOffset RecordedAt { get; }

    public byte[] Hash { get; }
}

/// <summary>A row of the log as the daemon reads it: bodies kept in UTF-8, as stored, to be deserialized without a detour through strings.</summary>
internal sealed record StoredEvent(long Position, string StreamId, long Version, string Type, byte[] Data, byte[] Metadata, DateTimeOffset RecordedAt, byte[] Hash);

/// <summary>A stream as loaded: its type, the version of the last event loaded and the events themselves.</summary>
public sealed record LoadedStream(string StreamId, string StreamType, long Version, IReadOnlyList<RecordedEvent> Events)
{
    /// <summary>The head to append after: the last loaded event's version and hash.</summary>
    public StreamHead Head => new(Version, Events[^1].Hash);
}

/// <summary>Limits a stream read to a version or a point in time (for auditors).</summary>
public sealed record StreamReadOptions
{
    public long? UpToVersion { get; init; }

    public DateTimeOffset? AsOf { get; init; }
}

/// <summary>The verdict of a hash-chain verification.</summary>
public sealed record HashChainVerification(string StreamId, bool Valid, long? FirstInvalidVersion, long EventCount);

/// <summary>A page of the global log and how far it covered: a reader resumes after <see cref="ScannedTo"/>.</summary>
public sealed record GlobalLogPage(IReadOnlyList<RawEvent> Events, long ScannedTo);

/// <summary>One stream of a bulk append.</summary>
public sealed record BulkStream(string StreamId, string StreamType, ExpectedVersion Expected, IReadOnlyList<object> Events, AppendOptions? Options = null);

/// <summary>The outcome of a bulk append: streams and events written, streams skipped because their command id was already recorded.</summary>
public sealed record BulkAppendResult(int StreamsWritten, int EventsWritten, int DuplicatesSkipped, long? FirstPosition, long? LastPosition);
