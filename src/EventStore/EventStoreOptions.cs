using System.Text.Json;
using System.Text.RegularExpressions;

namespace Idarati.EventStore;

/// <summary>How a store is set up: where its tables live, how bodies are serialized, where time comes from.</summary>
public sealed partial class EventStoreOptions
{
    private string _schema = "event_store";

    /// <summary>The PostgreSQL schema holding the store's tables and functions (lower-case identifier).</summary>
    public string Schema
    {
        get => _schema;
        set
        {
            if (!SchemaName().IsMatch(value ?? string.Empty))
            {
                throw new ArgumentException("The schema must be a lower-case identifier of at most 48 characters.", nameof(value));
            }

            _schema = value!;
        }
    }

    public EventTypeRegistry Types { get; init; } = new();

    public JsonSerializerOptions Json { get; init; } = new(JsonSerializerDefaults.Web);

    /// <summary>The source of recorded times; inject a fake one for deterministic tests.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>The default of <see cref="GroupCommitWriters"/>.</summary>
    public const int DefaultGroupCommitWriters = 2;

    private int _groupCommitWriters = DefaultGroupCommitWriters;

    /// <summary>
    /// How many group commits of known-head appends may be written at once (see PostgresEventStore's group commit);
    /// appends that arrive while they are all busy wait and go together in the next one. 0 writes every append in a
    /// transaction of its own.
    /// </summary>
    public int GroupCommitWriters
    {
        get => _groupCommitWriters;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _groupCommitWriters = value;
        }
    }

    private IReadOnlyCollection<string> _listedStreamTypes = [];

    /// <summary>
    /// The stream types <see cref="PostgresEventStore.LoadStreamsOfTypeAsync"/> may list (small sets such as reference
    /// data). The store keeps a partial index for each, so the many streams of other types (complaints, tickets) are
    /// written without maintaining any index by type. Names: lower-case letters, digits, '-' and '_'.
    /// </summary>
    public IReadOnlyCollection<string> ListedStreamTypes
    {
        get => _listedStreamTypes;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            foreach (var type in value)
            {
                if (!StreamTypeName().IsMatch(type ?? string.Empty))
                {
                    throw new ArgumentException($"'{type}' cannot be a listed stream type: lower-case letters, digits, '-' and '_', at most 40.", nameof(value));
                }
            }

            _listedStreamTypes = [.. value.Distinct(StringComparer.Ordinal)];
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,39}$")]
    private static partial Regex StreamTypeName();

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,47}$")]
    private static partial Regex SchemaName();
}
