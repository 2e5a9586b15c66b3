using System.Collections;
using System.Globalization;
using Idarati.GraphQL.Language;

namespace Idarati.GraphQL.Types;

/// <summary>
/// The schema in SDL, laid out as graphql-js's printSchema lays it out (so that a client that rebuilds the schema from
/// introspection prints the very same text): schema block only for unusual root names or a description, custom
/// directives, then every type but the specified scalars and introspection types, in the schema's order. Applied
/// @cost and @listSize follow the element they weigh; introspection cannot carry them, so a schema rebuilt from it prints
/// the same text without them.
/// </summary>
public static class SchemaPrinter
{
    public static string Print(Schema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var parts = new List<string>();
        if (SchemaDefinition(schema) is { } definition)
        {
            parts.Add(definition);
        }

        parts.AddRange(schema.Directives.Where(d => !SpecifiedDirectives.All.Contains(d)).Select(Directive));
        parts.AddRange(schema.Types.Where(t => !Scalars.IsSpecified(t) && !Introspection.IsIntrospectionType(t)).Select(Type));
        return string.Join("\n\n", parts);
    }

    private static string? SchemaDefinition(Schema schema)
    {
        var commonNames = schema.Query.Name == "Query" && schema.Mutation?.Name is null or "Mutation" && schema.Subscription?.Name is null or "Subscription";
        if (schema.Description is null && commonNames)
        {
            return null;
        }

        var roots = new List<string> { $"  query: {schema.Query.Name}" };
        if (schema.Mutation is { } mutation)
        {
            roots.Add($"  mutation: {mutation.Name}");
        }

        if (schema.Subscription is { } subscription)
        {
            roots.Add($"  subscription: {subscription.Name}");
        }

        return Description(schema.Description) + "schema {\n" + string.Join('\n', roots) + "\n}";
    }

    public static string Type(NamedGraphType type) => type switch
    {
        ScalarGraphType s => Description(s.Description) + "scalar " + s.Name + (s.SpecifiedByUrl is { } url ? $" @specifiedBy(url: {Printer.String(url)})" : "") + CostDirectives.Applied(s.Cost, null),
        ObjectGraphType o => Description(o.Description) + "type " + o.Name + Implements(o) + CostDirectives.Applied(o.Cost, null) + Fields(o),
        InterfaceGraphType i => Description(i.Description) + "interface " + i.Name + Implements(i) + Fields(i),
        UnionGraphType u => Description(u.Description) + "union " + u.Name + (u.Types.Count > 0 ? " = " + string.Join(" | ", u.Types.Select(t => t.Name)) : ""),
        EnumGraphType e => Description(e.Description) + "enum " + e.Name + CostDirectives.Applied(e.Cost, null) + Block(e.Values.Select((v, i) => Description(v.Description, "  ", i == 0) + "  " + v.Name + Deprecated(v.DeprecationReason))),
        InputObjectGraphType o => Description(o.Description) + "input " + o.Name + (o.IsOneOf ? " @oneOf" : "") + Block(o.Fields.Select((f, i) => Description(f.Description, "  ", i == 0) + "  " + InputValue(f))),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type.GetType().Name, null),
    };

    private static string Directive(DirectiveDefinition directive) =>
        Description(directive.Description) + "directive @" + directive.Name + Arguments(directive.Arguments, "") + (directive.IsRepeatable ? " repeatable" : "")
        + " on " + string.Join(" | ", directive.Locations);

    private static string Implements(FieldsGraphType type) =>
        type.Interfaces.Count > 0 ? " implements " + string.Join(" & ", type.Interfaces.Select(i => i.Name)) : "";

    private static string Fields(FieldsGraphType type) => Block(type.Fields.Select((f, i) =>
        Description(f.Description, "  ", i == 0) + "  " + f.Name + Arguments(f.Arguments, "  ") + ": " + f.Type + Deprecated(f.DeprecationReason) + CostDirectives.Applied(f.Cost, f.ListSize)));

    private static string Block(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count > 0 ? " {\n" + string.Join('\n', list) + "\n}" : "";
    }

    private static string Arguments(IReadOnlyList<InputValueDefinition> arguments, string indentation)
    {
        if (arguments.Count == 0)
        {
            return "";
        }

        if (arguments.All(a => string.IsNullOrEmpty(a.Description)))
        {
            return "(" + string.Join(", ", arguments.Select(InputValue)) + ")";
        }

        return "(\n" + string.Join('\n', arguments.Select((a, i) => Description(a.Description, "  " + indentation, i == 0) + "  " + indentation + InputValue(a)))
            + "\n" + indentation + ")";
    }

    private static string InputValue(InputValueDefinition value)
    {
        var declaration = value.Name + ": " + value.Type;
        if (value.HasDefault && LiteralOf(value.DefaultValue, value.Type) is { } literal)
        {
            declaration += " = " + Printer.Print(literal);
        }

        return declaration + Deprecated(value.DeprecationReason) + CostDirectives.Applied(value.Cost, null);
    }

    private static string Deprecated(string? reason) => reason switch
    {
        null => "",
        SpecifiedDirectives.DefaultDeprecationReason => " @deprecated",
        _ => $" @deprecated(reason: {Printer.String(reason)})",
    };

    private static string Description(string? description, string indentation = "", bool firstInBlock = true)
    {
        if (description is null)
        {
            return "";
        }

        var text = Printer.IsPrintableAsBlockString(description) ? Printer.BlockString(description) : Printer.String(description);
        var prefix = indentation.Length > 0 && !firstInBlock ? "\n" + indentation : indentation;
        return prefix + text.Replace("\n", "\n" + indentation, StringComparison.Ordinal) + "\n";
    }

    /// <summary>
    /// The literal that denotes an internal value of a type (graphql-js's astFromValue), for default values: enums by name,
    /// input objects by field, a single value where a list is expected as itself, integral numbers as Int.
    /// </summary>
    public static Value? LiteralOf(object? value, GraphType type)
    {
        var none = default(Span);
        switch (type)
        {
            case NonNullGraphType nonNull:
                var inner = LiteralOf(value, nonNull.OfType);
                return inner is NullValue ? null : inner;
            case not null when value is null:
                return new NullValue(none);
            case ListGraphType list when value is IEnumerable items and not string:
                return new ListValue([.. items.Cast<object?>().Select(item => LiteralOf(item, list.OfType)).OfType<Value>()], none);
            case ListGraphType list:
                return LiteralOf(value, list.OfType);
            case InputObjectGraphType input when value is IReadOnlyDictionary<string, object?> fields:
                return new ObjectValue([.. input.Fields.Where(f => fields.ContainsKey(f.Name))
                    .Select(f => (f, LiteralOf(fields[f.Name], f.Type)))
                    .Where(x => x.Item2 is not null)
                    .Select(x => new ObjectField(new Name(x.f.Name, none), x.Item2!, none))], none);
            case EnumGraphType e:
                return e.ByValue(value) is { } v ? new EnumValue(v.Name, none) : null;
            case ScalarGraphType scalar:
                var serialized = scalar.Serialize(value);
                return serialized switch
                {
                    bool b => new BooleanValue(b, none),
                    int or long => new IntValue(Convert.ToString(serialized, CultureInfo.InvariantCulture)!, none),
                    double d when double.IsFinite(d) => d == Math.Floor(d) && Math.Abs(d) < 1e21
                        ? new IntValue(d.ToString("0", CultureInfo.InvariantCulture), none)
                        : new FloatValue(d.ToString("R", CultureInfo.InvariantCulture), none),
                    string s when ReferenceEquals(scalar, Scalars.ID) && long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) && !s.StartsWith('+') =>
                        new IntValue(s, none),
                    string s => new StringValue(s, false, none),
                    _ => throw new GraphQLCoercionException($"Cannot convert value to AST: {serialized}."),
                };
            default:
                return null;
        }
    }
}
