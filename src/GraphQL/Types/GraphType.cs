using Idarati.GraphQL.Language;

namespace Idarati.GraphQL.Types;

/// <summary>Any GraphQL type: a named type, or a list or non-null wrapper of one.</summary>
public abstract class GraphType
{
    /// <summary>The named type under every wrapper.</summary>
    public abstract NamedGraphType Unwrap();

    /// <summary>The type as SDL writes it: <c>[Complaint!]!</c>.</summary>
    public abstract override string ToString();
}

public sealed class ListGraphType(GraphType ofType) : GraphType
{
    public GraphType OfType { get; } = ofType ?? throw new ArgumentNullException(nameof(ofType));

    public override NamedGraphType Unwrap() => OfType.Unwrap();

    public override string ToString() => $"[{OfType}]";
}

public sealed class NonNullGraphType : GraphType
{
    public NonNullGraphType(GraphType ofType)
    {
        ArgumentNullException.ThrowIfNull(ofType);
        OfType = ofType is NonNullGraphType ? throw new ArgumentException("A non-null type wraps a nullable type.", nameof(ofType)) : ofType;
    }

    public GraphType OfType { get; }

    public override NamedGraphType Unwrap() => OfType.Unwrap();

    public override string ToString() => $"{OfType}!";
}

/// <summary>A type with a name and an optional description: scalar, object, interface, union, enum or input object.</summary>
public abstract class NamedGraphType(string name, string? description) : GraphType
{
    public string Name { get; } = Names.Check(name);

    public string? Description { get; } = description;

    public override NamedGraphType Unwrap() => this;

    public override string ToString() => Name;

    /// <summary>Shorthands for wrappers: <c>Type.NonNull</c>, <c>Type.List</c>.</summary>
    public NonNullGraphType NonNull => new(this);

    public ListGraphType List => new(this);

    /// <summary>@cost on an object, scalar or enum: the weight of each field of this type (IBM GraphQL Cost Directives).</summary>
    public double? Cost { get; init; }
}

/// <summary>A leaf value: coerced on output (<see cref="Serialize"/>) and on input from variables or literals.</summary>
public sealed class ScalarGraphType(
    string name, string? description, Func<object?, object?> serialize, Func<object?, object?> parseValue, Func<Value, object?> parseLiteral, string? specifiedByUrl = null)
    : NamedGraphType(name, description)
{
    /// <summary>Result coercion; throws <see cref="GraphQLCoercionException"/> for a value the type cannot represent.</summary>
    public Func<object?, object?> Serialize { get; } = serialize;

    /// <summary>Input coercion of a variable's value (null never reaches it).</summary>
    public Func<object?, object?> ParseValue { get; } = parseValue;

    /// <summary>Input coercion of a literal in the document (variables and null never reach it).</summary>
    public Func<Value, object?> ParseLiteral { get; } = parseLiteral;

    public string? SpecifiedByUrl { get; } = specifiedByUrl;
}

public sealed record EnumValueDefinition(string Name, object? Value = null, string? Description = null, string? DeprecationReason = null)
{
    /// <summary>The value resolvers see: <see cref="Value"/>, or the name when none was given.</summary>
    public object InternalValue => Value ?? Name;
}

public sealed class EnumGraphType : NamedGraphType
{
    public EnumGraphType(string name, string? description, IEnumerable<EnumValueDefinition> values)
        : base(name, description)
    {
        ArgumentNullException.ThrowIfNull(values);
        Values = [.. values];
        foreach (var value in Values)
        {
            Names.Check(value.Name);
            if (value.Name is "true" or "false" or "null")
            {
                throw new ArgumentException($"Enum {name} cannot include value: {value.Name}.", nameof(values));
            }
        }

        // The first of equal names or values wins, as a search from the start would (the schema check reports duplicates).
        _byName = Values.DistinctBy(v => v.Name).ToDictionary(v => v.Name, StringComparer.Ordinal);
        _byValue = Values.DistinctBy(v => v.InternalValue).ToDictionary(v => v.InternalValue);
    }

    public IReadOnlyList<EnumValueDefinition> Values { get; }

    private readonly Dictionary<string, EnumValueDefinition> _byName;
    private readonly Dictionary<object, EnumValueDefinition> _byValue;

    public EnumValueDefinition? ByName(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The value whose internal value equals <paramref name="value"/> (a lookup: enums are serialized on every row).</summary>
    public EnumValueDefinition? ByValue(object? value) => value is null ? null : _byValue.GetValueOrDefault(value);
}

/// <summary>An argument, an input object's field or a directive's argument.</summary>
public sealed record InputValueDefinition(string Name, GraphType Type, string? Description = null, string? DeprecationReason = null)
{
    /// <summary>Whether a default is declared (null is a default value of its own).</summary>
    public bool HasDefault { get; init; }

    /// <summary>The default as an internal value (what coercion of the literal would give).</summary>
    public object? DefaultValue { get; init; }

    public InputValueDefinition WithDefault(object? value) => this with { HasDefault = true, DefaultValue = value };

    /// <summary>@cost on an argument or input field: the weight it adds when a request gives it.</summary>
    public double? Cost { get; init; }
}

/// <summary>What a resolver gets: the parent value, the coerced arguments, and the request's context.</summary>
public sealed record ResolveContext(
    object? Source, IReadOnlyDictionary<string, object?> Arguments, FieldDefinition Field, Schema Schema, object? RequestContext, CancellationToken CancellationToken)
{
    public T? Argument<T>(string name) => Arguments.TryGetValue(name, out var value) && value is T typed ? typed : default;
}

public sealed record FieldDefinition(string Name, GraphType Type, string? Description = null, string? DeprecationReason = null)
{
    public IReadOnlyList<InputValueDefinition> Arguments { get; init; } = [];

    /// <summary>Computes the field's value; without one, the parent's property or dictionary entry of the same name.</summary>
    public Func<ResolveContext, ValueTask<object?>>? Resolve { get; init; }

    /// <summary>
    /// A root field of the subscription type: the source stream of events it answers (the spec's ResolveFieldEventStream).
    /// Each event is then the root value of one execution of the selection set, so <see cref="Resolve"/> sees it as its
    /// source. Throwing here (a refused role, a missing complaint) refuses the subscription with that error.
    /// </summary>
    public Func<ResolveContext, ValueTask<IAsyncEnumerable<object?>>>? Subscribe { get; init; }

    /// <summary>@cost: the weight of each appearance of this field, over its type's.</summary>
    public double? Cost { get; init; }

    /// <summary>@listSize: how many items the field returns, for the cost.</summary>
    public ListSize? ListSize { get; init; }
}

/// <summary>A field of a type, and the reader of the property it resolves to by default for the last source type seen.</summary>
internal sealed class FieldSlot(FieldDefinition definition)
{
    public FieldDefinition Definition { get; } = definition;

    /// <summary>Replaced whole, never mutated: requests on other threads read either the old reader or the new.</summary>
    public PropertyReader? Reader { get; set; }
}

/// <summary>A compiled getter of one property of one CLR type; a null getter: that type has no such property.</summary>
internal sealed record PropertyReader(Type SourceType, Func<object, object?>? Getter);

/// <summary>Object and interface types: named fields, and the interfaces they implement.</summary>
public abstract class FieldsGraphType(string name, string? description) : NamedGraphType(name, description)
{
    private readonly List<FieldDefinition> _fields = [];
    private readonly Dictionary<string, FieldSlot> _byName = new(StringComparer.Ordinal);
    private readonly List<InterfaceGraphType> _interfaces = [];

    public IReadOnlyList<FieldDefinition> Fields => _fields;

    public IReadOnlyList<InterfaceGraphType> Interfaces => _interfaces;

    /// <summary>A lookup, not a scan: execution asks for every field of every object it completes.</summary>
    public FieldDefinition? Field(string name) => _byName.GetValueOrDefault(name)?.Definition;

    /// <summary>The field with what execution keeps beside it (the property reader of its last source type).</summary>
    internal FieldSlot? Slot(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Adds fields; types are built first and wired after, so they may refer to each other.</summary>
    public FieldsGraphType AddFields(params FieldDefinition[] fields)
    {
        foreach (var field in fields)
        {
            Names.Check(field.Name);
            if (Field(field.Name) is not null)
            {
                throw new ArgumentException($"{Name}.{field.Name} is defined twice.", nameof(fields));
            }

            _fields.Add(field);
            _byName.Add(field.Name, new FieldSlot(field));
        }

        return this;
    }

    public FieldsGraphType Implements(params InterfaceGraphType[] interfaces)
    {
        _interfaces.AddRange(interfaces);
        return this;
    }
}

public sealed class ObjectGraphType(string name, string? description = null) : FieldsGraphType(name, description)
{
    /// <summary>Whether a value belongs to this type, for interfaces and unions that do not resolve types themselves.</summary>
    public Func<object, bool>? IsTypeOf { get; init; }
}

public sealed class InterfaceGraphType(string name, string? description = null) : FieldsGraphType(name, description)
{
    /// <summary>The object type of a value; falls back on each possible type's <see cref="ObjectGraphType.IsTypeOf"/>.</summary>
    public Func<object, string?>? ResolveType { get; init; }
}

public sealed class UnionGraphType(string name, string? description, IEnumerable<ObjectGraphType> types) : NamedGraphType(name, description)
{
    public IReadOnlyList<ObjectGraphType> Types { get; } = [.. types];

    public Func<object, string?>? ResolveType { get; init; }
}

public sealed class InputObjectGraphType(string name, string? description = null, bool isOneOf = false) : NamedGraphType(name, description)
{
    private readonly List<InputValueDefinition> _fields = [];

    public bool IsOneOf { get; } = isOneOf;

    public IReadOnlyList<InputValueDefinition> Fields => _fields;

    public InputValueDefinition? Field(string name) => _fields.FirstOrDefault(f => f.Name == name);

    public InputObjectGraphType AddFields(params InputValueDefinition[] fields)
    {
        foreach (var field in fields)
        {
            Names.Check(field.Name);
            _fields.Add(field);
        }

        return this;
    }
}

/// <summary>Where a directive may appear, as the specification names the locations.</summary>
public enum DirectiveLocation
{
    QUERY,
    MUTATION,
    SUBSCRIPTION,
    FIELD,
    FRAGMENT_DEFINITION,
    FRAGMENT_SPREAD,
    INLINE_FRAGMENT,
    VARIABLE_DEFINITION,
    SCHEMA,
    SCALAR,
    OBJECT,
    FIELD_DEFINITION,
    ARGUMENT_DEFINITION,
    INTERFACE,
    UNION,
    ENUM,
    ENUM_VALUE,
    INPUT_OBJECT,
    INPUT_FIELD_DEFINITION,
}

public sealed record DirectiveDefinition(string Name, IReadOnlyList<DirectiveLocation> Locations, string? Description = null, bool IsRepeatable = false)
{
    public IReadOnlyList<InputValueDefinition> Arguments { get; init; } = [];
}

/// <summary>A value a scalar cannot represent, on input or output; the message goes to the client as is.</summary>
public sealed class GraphQLCoercionException(string message) : Exception(message);

internal static class Names
{
    /// <summary>Names match /^[_a-zA-Z][_a-zA-Z0-9]*$/ (the schema refuses user names starting with "__", which introspection reserves).</summary>
    public static string Check(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!(char.IsAsciiLetter(name[0]) || name[0] == '_') || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c == '_')))
        {
            throw new ArgumentException($"Names must only contain [_a-zA-Z0-9] and start with [_a-zA-Z] but \"{name}\" does not.", nameof(name));
        }

        return name;
    }
}
