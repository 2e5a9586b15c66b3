namespace Idarati.EventStore;

/// <summary>Base type of every error the event store raises on purpose.</summary>
public abstract class EventStoreException : Exception
{
    protected EventStoreException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The stream was not at the version the writer expected. Nothing was written.</summary>
public sealed class StreamConcurrencyException : EventStoreException
{
    public StreamConcurrencyException(string streamId, ExpectedVersion expected, long? actualVersion, Exception? inner = null)
        : base($"Stream '{streamId}' was expected at version {expected} but is at {(actualVersion is { } v ? v.ToString(System.Globalization.CultureInfo.InvariantCulture) : "a newer version")}.", inner)
    {
        StreamId = streamId;
        Expected = expected;
        ActualVersion = actualVersion;
    }

    public string StreamId { get; }

    public ExpectedVersion Expected { get; }

    /// <summary>The version found, when the store knows it (null when a concurrent writer won a race inside the database).</summary>
    public long? ActualVersion { get; }
}

/// <summary>A stored event could not be turned back into an object. Names the stream, version and global position.</summary>
public abstract class EventReadException : EventStoreException
{
    protected EventReadException(string message, string streamId, long version, long position, string typeName, Exception? inner)
        : base(message, inner)
    {
        StreamId = streamId;
        Version = version;
        Position = position;
        TypeName = typeName;
    }

    public string StreamId { get; }

    public long Version { get; }

    public long Position { get; }

    public string TypeName { get; }
}

/// <summary>The stored type name is registered neither as a name, a former name nor an upcast source.</summary>
public sealed class UnknownEventTypeException : EventReadException
{
    public UnknownEventTypeException(string streamId, long version, long position, string typeName)
        : base($"Event type '{typeName}' at stream '{streamId}' version {version} (position {position}) is not registered.", streamId, version, position, typeName, null)
    {
    }
}

/// <summary>The stored body does not deserialize into the registered type.</summary>
public sealed class EventDeserializationException : EventReadException
{
    public EventDeserializationException(string streamId, long version, long position, string typeName, Exception inner)
        : base($"Event '{typeName}' at stream '{streamId}' version {version} (position {position}) could not be read: {inner.Message}", streamId, version, position, typeName, inner)
    {
    }
}

/// <summary>A CLR type was appended without being registered under a stable name.</summary>
public sealed class UnregisteredEventTypeException : EventStoreException
{
    public UnregisteredEventTypeException(Type type)
        : base($"Event type {type.FullName} has no registered stable name; register it with EventTypeRegistry.Register.")
    {
        Type = type;
    }

    public Type Type { get; }
}

/// <summary>The append claimed a unique key that another stream holds. Nothing was written.</summary>
public sealed class DuplicateStreamKeyException : EventStoreException
{
    public DuplicateStreamKeyException(string streamId, StreamKey? key, Exception? inner = null)
        : base(key is null
            ? $"An append to stream '{streamId}' claimed a unique key that another stream holds."
            : $"The key {key.Kind} '{key.Value}' already belongs to another stream than '{streamId}'.", inner)
    {
        StreamId = streamId;
        Key = key;
    }

    public string StreamId { get; }

    /// <summary>The key refused, when the store could tell which.</summary>
    public StreamKey? Key { get; }
}
