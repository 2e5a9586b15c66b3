using System.Text.Json;
using System.Text.Json.Nodes;

namespace Idarati.EventStore;

/// <summary>
/// Maps stable event type names to CLR types and back. The name is what is stored, never the CLR name, so a
/// class can be renamed or moved freely. Old names stay readable through former names, and old shapes
/// through upcasters that rewrite the JSON on read; stored rows are never rewritten.
/// </summary>
public sealed class EventTypeRegistry
{
    private readonly Dictionary<string, Type> _typesByName = new(StringComparer.Ordinal);
    private readonly Dictionary<Type, string> _namesByType = [];
    private readonly Dictionary<string, string> _formerNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Upcaster> _upcasters = new(StringComparer.Ordinal);
    private volatile bool _frozen;

    private sealed record Upcaster(string TargetName, Func<JsonNode, JsonNode> Transform);

    /// <summary>Registers <typeparamref name="T"/> under <paramref name="name"/>; <paramref name="formerNames"/> are names older rows were written under.</summary>
    public EventTypeRegistry Register<T>(string name, params string[] formerNames) => Register(typeof(T), name, formerNames);

    public EventTypeRegistry Register(Type type, string name, params string[] formerNames)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(formerNames);
        lock (_typesByName)
        {
            EnsureOpen();
            if (_namesByType.TryGetValue(type, out var existing))
            {
                throw new InvalidOperationException($"{type.FullName} is already registered as '{existing}'.");
            }

            EnsureNameFree(name);
            foreach (var former in formerNames)
            {
                EnsureNameFree(former);
            }

            _typesByName.Add(name, type);
            _namesByType.Add(type, name);
            foreach (var former in formerNames)
            {
                _formerNames.Add(former, name);
            }
        }

        return this;
    }

    /// <summary>
    /// Reads rows stored under <paramref name="storedName"/> as <paramref name="targetName"/> after rewriting their JSON with
    /// <paramref name="transform"/>. Upcasters chain: the target may itself be upcast further.
    /// </summary>
    public EventTypeRegistry Upcast(string storedName, string targetName, Func<JsonNode, JsonNode> transform)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(storedName);
        ArgumentException.ThrowIfNullOrWhiteSpace(targetName);
        ArgumentNullException.ThrowIfNull(transform);
        if (storedName == targetName)
        {
            throw new ArgumentException("An upcaster must lead to another name; give the new shape a new name.", nameof(targetName));
        }

        lock (_typesByName)
        {
            EnsureOpen();
            EnsureNameFree(storedName);
            _upcasters.Add(storedName, new Upcaster(targetName, transform));
        }

        return this;
    }

    /// <summary>The stable name of <paramref name="type"/>.</summary>
    public string NameOf(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return _namesByType.TryGetValue(type, out var name) ? name : throw new UnregisteredEventTypeException(type);
    }

    public bool IsRegistered(Type type) => _namesByType.ContainsKey(type);

    /// <summary>
    /// Every name a row of one of <paramref name="types"/> may be stored under: its name, its former names and the
    /// names upcast to it, so a reader that filters on stored names misses no old row.
    /// </summary>
    public IReadOnlyList<string> StoredNamesOf(IEnumerable<Type> types)
    {
        var wanted = types.ToHashSet();
        return _typesByName.Keys.Concat(_formerNames.Keys).Concat(_upcasters.Keys)
            .Where(name => Resolve(name) is { } type && wanted.Contains(type))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private Type? Resolve(string storedName)
    {
        var name = storedName;
        for (var hops = 0; hops < 32; hops++)
        {
            name = _formerNames.GetValueOrDefault(name, name);
            if (_typesByName.TryGetValue(name, out var type))
            {
                return type;
            }

            if (!_upcasters.TryGetValue(name, out var upcaster))
            {
                return null;
            }

            name = upcaster.TargetName;
        }

        return null;
    }

    /// <summary>Stops further registration; the store calls it so a name cannot change meaning while it runs.</summary>
    public void Freeze() => _frozen = true;

    /// <summary>Turns a stored row back into an object, or explains why it cannot in the exception's terms.</summary>
    internal object Deserialize(string storedName, string json, JsonSerializerOptions options, string streamId, long version, long position) =>
        Deserialize(storedName, json, default, options, streamId, version, position);

    /// <summary>The same from the body's UTF-8 bytes, as the daemon reads them.</summary>
    internal object Deserialize(string storedName, ReadOnlyMemory<byte> utf8, JsonSerializerOptions options, string streamId, long version, long position) =>
        Deserialize(storedName, null, utf8, options, streamId, version, position);

    /// <summary>The body is <paramref name="json"/> when not null, else <paramref name="utf8"/>.</summary>
    private object Deserialize(string storedName, string? json, ReadOnlyMemory<byte> utf8, JsonSerializerOptions options, string streamId, long version, long position)
    {
        var name = storedName;
        JsonNode? node = null;
        for (var hops = 0; hops < 32; hops++)
        {
            if (_formerNames.TryGetValue(name, out var current))
            {
                name = current;
            }

            if (_typesByName.TryGetValue(name, out var type))
            {
                try
                {
                    var result = node is not null ? node.Deserialize(type, options)
                        : json is not null ? JsonSerializer.Deserialize(json, type, options)
                        : JsonSerializer.Deserialize(utf8.Span, type, options);
                    return result ?? throw new JsonException("The body is JSON null.");
                }
                catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or ArgumentException or FormatException)
                {
                    throw new EventDeserializationException(streamId, version, position, storedName, e);
                }
            }

            if (!_upcasters.TryGetValue(name, out var upcaster))
            {
                break;
            }

            try
            {
                node = upcaster.Transform(node ?? (json is not null ? JsonNode.Parse(json) : JsonNode.Parse(utf8.Span)) ?? throw new JsonException("The body is JSON null."));
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                throw new EventDeserializationException(streamId, version, position, storedName, e);
            }

            name = upcaster.TargetName;
        }

        throw new UnknownEventTypeException(streamId, version, position, storedName);
    }

    private void EnsureOpen()
    {
        if (_frozen)
        {
            throw new InvalidOperationException("The registry is frozen: register every event type before the store starts.");
        }
    }

    private void EnsureNameFree(string name)
    {
        if (_typesByName.ContainsKey(name) || _formerNames.ContainsKey(name) || _upcasters.ContainsKey(name))
        {
            throw new InvalidOperationException($"The event type name '{name}' is already registered.");
        }
    }
}
