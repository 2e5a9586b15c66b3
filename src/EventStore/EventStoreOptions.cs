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

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,47}$")]
    private static partial Regex SchemaName();
}
