using Idarati.GraphQL.Language;

namespace Idarati.GraphQL.Types;

/// <summary>
/// The introspection types and meta-fields of the specification (__Schema, __Type, __Field, __InputValue, __EnumValue,
/// __Directive, their enums, <c>__schema</c> and <c>__type(name:)</c>), resolved over the schema's own objects, so that
/// what a client learns is exactly what the engine executes and validates against.
/// </summary>
public static class Introspection
{
    public static EnumGraphType TypeKind { get; } = new("__TypeKind", "The kinds of type described by `__Type.kind`.",
    [
        new("SCALAR", Description: "A scalar: a leaf value such as Int or String."),
        new("OBJECT", Description: "An object with fields; never abstract."),
        new("INTERFACE", Description: "An interface: fields shared by the object types that implement it."),
        new("UNION", Description: "A union: one of several object types."),
        new("ENUM", Description: "An enum: one of a fixed set of values."),
        new("INPUT_OBJECT", Description: "An input object: named fields given as an argument."),
        new("LIST", Description: "A list of the type in `ofType`."),
        new("NON_NULL", Description: "A non-null version of the type in `ofType`."),
    ]);

    public static EnumGraphType DirectiveLocationType { get; } = new("__DirectiveLocation", "Where a directive may be used.",
        Enum.GetValues<DirectiveLocation>().Select(l => new EnumValueDefinition(l.ToString(), l)));

    public static ObjectGraphType SchemaType { get; } = new("__Schema", "A GraphQL service's schema: its types, root operation types and directives.");

    public static ObjectGraphType Type { get; } = new("__Type", "A type of the schema: a named type, or a list or non-null wrapper of one (`ofType`).");

    public static ObjectGraphType Field { get; } = new("__Field", "A field of an object or interface type, with its arguments and return type.");

    public static ObjectGraphType InputValue { get; } = new("__InputValue", "An argument, or a field of an input object, with its type and default value.");

    public static ObjectGraphType EnumValue { get; } = new("__EnumValue", "One value of an enum type.");

    public static ObjectGraphType Directive { get; } = new("__Directive", "A directive the service accepts, where, and with which arguments.");

    public static IReadOnlyList<NamedGraphType> Types { get; } = [SchemaType, Type, TypeKind, Field, InputValue, EnumValue, Directive, DirectiveLocationType];

    public static FieldDefinition SchemaField { get; } = new("__schema", SchemaType.NonNull, "Access the current type schema of this server.")
    {
        Resolve = c => Value(c.Schema),
    };

    public static FieldDefinition TypeField { get; } = new("__type", Type, "Request the type information of a single type.")
    {
        Arguments = [new("name", Scalars.String.NonNull)],
        Resolve = c => Value(c.Schema.Type(c.Argument<string>("name")!)),
    };

    static Introspection()
    {
        var includeDeprecated = new InputValueDefinition("includeDeprecated", Scalars.Boolean).WithDefault(false);
        SchemaType.AddFields(
            new FieldDefinition("description", Scalars.String) { Resolve = c => Value(((Schema)c.Source!).Description) },
            new FieldDefinition("types", new NonNullGraphType(new ListGraphType(Type.NonNull)), "Every type of the schema.") { Resolve = c => Value(((Schema)c.Source!).Types) },
            new FieldDefinition("queryType", Type.NonNull, "The type at the root of query operations.") { Resolve = c => Value(((Schema)c.Source!).Query) },
            new FieldDefinition("mutationType", Type, "The type at the root of mutation operations, if any.") { Resolve = c => Value(((Schema)c.Source!).Mutation) },
            new FieldDefinition("subscriptionType", Type, "The type at the root of subscription operations, if any.") { Resolve = c => Value(((Schema)c.Source!).Subscription) },
            new FieldDefinition("directives", new NonNullGraphType(new ListGraphType(Directive.NonNull)), "Every directive the schema accepts.") { Resolve = c => Value(((Schema)c.Source!).Directives) });

        Type.AddFields(
            new FieldDefinition("kind", TypeKind.NonNull) { Resolve = c => Value(KindOf((GraphType)c.Source!)) },
            new FieldDefinition("name", Scalars.String) { Resolve = c => Value((c.Source as NamedGraphType)?.Name) },
            new FieldDefinition("description", Scalars.String) { Resolve = c => Value((c.Source as NamedGraphType)?.Description) },
            new FieldDefinition("specifiedByURL", Scalars.String) { Resolve = c => Value((c.Source as ScalarGraphType)?.SpecifiedByUrl) },
            new FieldDefinition("fields", new ListGraphType(Field.NonNull))
            {
                Arguments = [includeDeprecated],
                Resolve = c => Value((c.Source as FieldsGraphType)?.Fields.Where(f => c.Argument<bool>("includeDeprecated") || f.DeprecationReason is null).ToList()),
            },
            new FieldDefinition("interfaces", new ListGraphType(Type.NonNull)) { Resolve = c => Value((c.Source as FieldsGraphType)?.Interfaces) },
            new FieldDefinition("possibleTypes", new ListGraphType(Type.NonNull))
            {
                Resolve = c => Value(c.Source is InterfaceGraphType or UnionGraphType ? c.Schema.PossibleTypes((NamedGraphType)c.Source) : null),
            },
            new FieldDefinition("enumValues", new ListGraphType(EnumValue.NonNull))
            {
                Arguments = [includeDeprecated],
                Resolve = c => Value((c.Source as EnumGraphType)?.Values.Where(v => c.Argument<bool>("includeDeprecated") || v.DeprecationReason is null).ToList()),
            },
            new FieldDefinition("inputFields", new ListGraphType(InputValue.NonNull))
            {
                Arguments = [includeDeprecated],
                Resolve = c => Value((c.Source as InputObjectGraphType)?.Fields.Where(f => c.Argument<bool>("includeDeprecated") || f.DeprecationReason is null).ToList()),
            },
            new FieldDefinition("ofType", Type) { Resolve = c => Value(c.Source switch { ListGraphType l => l.OfType, NonNullGraphType n => n.OfType, _ => null }) },
            new FieldDefinition("isOneOf", Scalars.Boolean) { Resolve = c => Value(c.Source is InputObjectGraphType input ? input.IsOneOf : null) });

        Field.AddFields(
            new FieldDefinition("name", Scalars.String.NonNull) { Resolve = c => Value(((FieldDefinition)c.Source!).Name) },
            new FieldDefinition("description", Scalars.String) { Resolve = c => Value(((FieldDefinition)c.Source!).Description) },
            new FieldDefinition("args", new NonNullGraphType(new ListGraphType(InputValue.NonNull)))
            {
                Arguments = [includeDeprecated],
                Resolve = c => Value(((FieldDefinition)c.Source!).Arguments.Where(a => c.Argument<bool>("includeDeprecated") || a.DeprecationReason is null).ToList()),
            },
            new FieldDefinition("type", Type.NonNull) { Resolve = c => Value(((FieldDefinition)c.Source!).Type) },
            new FieldDefinition("isDeprecated", Scalars.Boolean.NonNull) { Resolve = c => Value(((FieldDefinition)c.Source!).DeprecationReason is not null) },
            new FieldDefinition("deprecationReason", Scalars.String) { Resolve = c => Value(((FieldDefinition)c.Source!).DeprecationReason) });

        InputValue.AddFields(
            new FieldDefinition("name", Scalars.String.NonNull) { Resolve = c => Value(((InputValueDefinition)c.Source!).Name) },
            new FieldDefinition("description", Scalars.String) { Resolve = c => Value(((InputValueDefinition)c.Source!).Description) },
            new FieldDefinition("type", Type.NonNull) { Resolve = c => Value(((InputValueDefinition)c.Source!).Type) },
            new FieldDefinition("defaultValue", Scalars.String, "The default value as a GraphQL literal, if any.")
            {
                Resolve = c => Value(c.Source is InputValueDefinition { HasDefault: true } input && SchemaPrinter.LiteralOf(input.DefaultValue, input.Type) is { } literal
                    ? Printer.Print(literal) : null),
            },
            new FieldDefinition("isDeprecated", Scalars.Boolean.NonNull) { Resolve = c => Value(((InputValueDefinition)c.Source!).DeprecationReason is not null) },
            new FieldDefinition("deprecationReason", Scalars.String) { Resolve = c => Value(((InputValueDefinition)c.Source!).DeprecationReason) });

        EnumValue.AddFields(
            new FieldDefinition("name", Scalars.String.NonNull) { Resolve = c => Value(((EnumValueDefinition)c.Source!).Name) },
            new FieldDefinition("description", Scalars.String) { Resolve = c => Value(((EnumValueDefinition)c.Source!).Description) },
            new FieldDefinition("isDeprecated", Scalars.Boolean.NonNull) { Resolve = c => Value(((EnumValueDefinition)c.Source!).DeprecationReason is not null) },
            new FieldDefinition("deprecationReason", Scalars.String) { Resolve = c => Value(((EnumValueDefinition)c.Source!).DeprecationReason) });

        Directive.AddFields(
            new FieldDefinition("name", Scalars.String.NonNull) { Resolve = c => Value(((DirectiveDefinition)c.Source!).Name) },
            new FieldDefinition("description", Scalars.String) { Resolve = c => Value(((DirectiveDefinition)c.Source!).Description) },
            new FieldDefinition("isRepeatable", Scalars.Boolean.NonNull) { Resolve = c => Value(((DirectiveDefinition)c.Source!).IsRepeatable) },
            new FieldDefinition("locations", new NonNullGraphType(new ListGraphType(DirectiveLocationType.NonNull))) { Resolve = c => Value(((DirectiveDefinition)c.Source!).Locations) },
            new FieldDefinition("args", new NonNullGraphType(new ListGraphType(InputValue.NonNull)))
            {
                Arguments = [includeDeprecated],
                Resolve = c => Value(((DirectiveDefinition)c.Source!).Arguments.Where(a => c.Argument<bool>("includeDeprecated") || a.DeprecationReason is null).ToList()),
            });
    }

    public static bool IsIntrospectionType(NamedGraphType type) => Types.Contains(type);

    private static string KindOf(GraphType type) => type switch
    {
        ScalarGraphType => "SCALAR",
        ObjectGraphType => "OBJECT",
        InterfaceGraphType => "INTERFACE",
        UnionGraphType => "UNION",
        EnumGraphType => "ENUM",
        InputObjectGraphType => "INPUT_OBJECT",
        ListGraphType => "LIST",
        NonNullGraphType => "NON_NULL",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type.GetType().Name, null),
    };

    private static ValueTask<object?> Value(object? value) => ValueTask.FromResult(value);
}
