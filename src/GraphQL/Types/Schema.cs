namespace Idarati.GraphQL.Types;

/// <summary>The directives every schema has.</summary>
public static class SpecifiedDirectives
{
    public const string DefaultDeprecationReason = "No longer supported";

    public static DirectiveDefinition Include { get; } = new("include", [DirectiveLocation.FIELD, DirectiveLocation.FRAGMENT_SPREAD, DirectiveLocation.INLINE_FRAGMENT],
        "Directs the executor to include this field or fragment only when the `if` argument is true.")
    {
        Arguments = [new InputValueDefinition("if", Scalars.Boolean.NonNull, "Included when true.")],
    };

    public static DirectiveDefinition Skip { get; } = new("skip", [DirectiveLocation.FIELD, DirectiveLocation.FRAGMENT_SPREAD, DirectiveLocation.INLINE_FRAGMENT],
        "Directs the executor to skip this field or fragment when the `if` argument is true.")
    {
        Arguments = [new InputValueDefinition("if", Scalars.Boolean.NonNull, "Skipped when true.")],
    };

    public static DirectiveDefinition Deprecated { get; } = new("deprecated",
        [DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.ARGUMENT_DEFINITION, DirectiveLocation.INPUT_FIELD_DEFINITION, DirectiveLocation.ENUM_VALUE],
        "Marks an element of a GraphQL schema as no longer supported.")
    {
        Arguments =
        [
            new InputValueDefinition("reason", Scalars.String,
                "Explains why this element was deprecated, usually also including a suggestion for how to access supported similar data. Formatted using the Markdown syntax, as specified by [CommonMark](https://commonmark.org/).")
                .WithDefault(DefaultDeprecationReason),
        ],
    };

    public static DirectiveDefinition SpecifiedBy { get; } = new("specifiedBy", [DirectiveLocation.SCALAR], "Exposes a URL that specifies the behavior of this scalar.")
    {
        Arguments = [new InputValueDefinition("url", Scalars.String.NonNull, "The URL that specifies the behavior of this scalar.")],
    };

    public static DirectiveDefinition OneOf { get; } = new("oneOf", [DirectiveLocation.INPUT_OBJECT],
        "Indicates exactly one field must be supplied and this field must not be `null`.");

    public static IReadOnlyList<DirectiveDefinition> All { get; } = [Include, Skip, Deprecated, SpecifiedBy, OneOf];
}

/// <summary>A schema problem found when the schema is built; the schema is refused whole.</summary>
public sealed class InvalidSchemaException(IReadOnlyList<string> errors) : Exception("Invalid schema:\n" + string.Join('\n', errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}

/// <summary>
/// The root types, every type they reach (collected in the order graphql-js collects them, so printed and introspected
/// schemas list types alike), and the directives. Built once and checked: names unique and not reserved, fields of
/// output types, arguments and input fields of input types, interfaces implemented faithfully, unions of objects.
/// </summary>
public sealed class Schema
{
    private readonly Dictionary<string, NamedGraphType> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ObjectGraphType>> _implementations = new(StringComparer.Ordinal);
    private readonly HashSet<NamedGraphType> _visited = [];

    public Schema(ObjectGraphType query, ObjectGraphType? mutation = null, ObjectGraphType? subscription = null,
        IEnumerable<NamedGraphType>? types = null, IEnumerable<DirectiveDefinition>? directives = null, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        (Query, Mutation, Subscription, Description) = (query, mutation, subscription, description);
        Directives = [.. SpecifiedDirectives.All, .. directives ?? []];
        var errors = new List<string>();
        var given = (types ?? []).ToList();
        // As graphql-js: the given types first, in their order, then whatever each one reaches.
        foreach (var type in given)
        {
            Add(type, errors);
        }

        foreach (var type in given)
        {
            Collect(type, errors);
        }

        foreach (var root in new FieldsGraphType?[] { query, mutation, subscription }.OfType<FieldsGraphType>())
        {
            Collect(root, errors);
        }

        foreach (var argument in Directives.SelectMany(d => d.Arguments))
        {
            Collect(argument.Type, errors);
        }

        Collect(Introspection.SchemaType, errors);

        foreach (var type in _types.Values.OfType<ObjectGraphType>())
        {
            foreach (var implemented in type.Interfaces)
            {
                if (!_implementations.TryGetValue(implemented.Name, out var list))
                {
                    _implementations[implemented.Name] = list = [];
                }

                list.Add(type);
            }
        }

        // A schema that applies @cost or @listSize declares them, as its SDL must.
        if (_types.Values.Any(UsesCost) && !Directives.Contains(CostDirectives.Cost))
        {
            Directives = [.. Directives, .. CostDirectives.All.Where(d => !Directives.Contains(d))];
        }

        Validate(errors);
        if (errors.Count > 0)
        {
            throw new InvalidSchemaException(errors);
        }
    }

    public string? Description { get; }

    public ObjectGraphType Query { get; }

    public ObjectGraphType? Mutation { get; }

    public ObjectGraphType? Subscription { get; }

    public IReadOnlyList<DirectiveDefinition> Directives { get; private set; }

    private static bool UsesCost(NamedGraphType type) => type.Cost is not null || type switch
    {
        FieldsGraphType fields => fields.Fields.Any(f => f.Cost is not null || f.ListSize is not null || f.Arguments.Any(a => a.Cost is not null)),
        InputObjectGraphType input => input.Fields.Any(f => f.Cost is not null),
        _ => false,
    };

    /// <summary>Every named type, in the order they were collected.</summary>
    public IReadOnlyCollection<NamedGraphType> Types => _types.Values;

    public NamedGraphType? Type(string name) => _types.GetValueOrDefault(name);

    public DirectiveDefinition? Directive(string name) => Directives.FirstOrDefault(d => d.Name == name);

    /// <summary>The object types a value of an abstract type may have.</summary>
    public IReadOnlyList<ObjectGraphType> PossibleTypes(NamedGraphType type) => type switch
    {
        UnionGraphType u => u.Types,
        InterfaceGraphType i => _implementations.GetValueOrDefault(i.Name) ?? [],
        ObjectGraphType o => [o],
        _ => [],
    };

    /// <summary>Puts a type in the map; false when it was there already (or another type holds its name, an error).</summary>
    private bool Add(NamedGraphType named, List<string> errors)
    {
        if (_types.TryGetValue(named.Name, out var known))
        {
            if (!ReferenceEquals(known, named))
            {
                errors.Add($"Schema must contain uniquely named types but contains multiple types named \"{named.Name}\".");
            }

            return false;
        }

        _types[named.Name] = named;
        return true;
    }

    private void Collect(GraphType type, List<string> errors)
    {
        var named = type.Unwrap();
        Add(named, errors);
        if (!_visited.Add(named))
        {
            return;
        }
        switch (named)
        {
            case UnionGraphType union:
                foreach (var member in union.Types)
                {
                    Collect(member, errors);
                }

                break;
            case FieldsGraphType fields:
                foreach (var implemented in fields.Interfaces)
                {
                    Collect(implemented, errors);
                }

                foreach (var field in fields.Fields)
                {
                    Collect(field.Type, errors);
                    foreach (var argument in field.Arguments)
                    {
                        Collect(argument.Type, errors);
                    }
                }

                break;
            case InputObjectGraphType input:
                foreach (var field in input.Fields)
                {
                    Collect(field.Type, errors);
                }

                break;
        }
    }

    public static bool IsInputType(GraphType type) => type.Unwrap() is ScalarGraphType or EnumGraphType or InputObjectGraphType;

    public static bool IsOutputType(GraphType type) => type.Unwrap() is not InputObjectGraphType;

    private void Validate(List<string> errors)
    {
        foreach (var type in _types.Values.Where(t => !Introspection.IsIntrospectionType(t)))
        {
            switch (type)
            {
                case FieldsGraphType fields:
                    ValidateFields(fields, errors);
                    break;
                case UnionGraphType union when union.Types.Count == 0:
                    errors.Add($"Union type {union.Name} must define one or more member types.");
                    break;
                case EnumGraphType e when e.Values.Count == 0:
                    errors.Add($"Enum type {e.Name} must define one or more values.");
                    break;
                case InputObjectGraphType input:
                    if (input.Fields.Count == 0)
                    {
                        errors.Add($"Input Object type {input.Name} must define one or more fields.");
                    }

                    foreach (var field in input.Fields)
                    {
                        CheckName(field.Name, $"{input.Name}.{field.Name}", errors);
                        if (!IsInputType(field.Type))
                        {
                            errors.Add($"The type of {input.Name}.{field.Name} must be Input Type but got: {field.Type}.");
                        }

                        if (input.IsOneOf && (field.Type is NonNullGraphType || field.HasDefault))
                        {
                            errors.Add($"OneOf input field {input.Name}.{field.Name} must be nullable and cannot have a default value.");
                        }
                    }

                    break;
            }

            CheckName(type.Name, type.Name, errors);
        }
    }

    private static void CheckName(string name, string where, List<string> errors)
    {
        if (name.StartsWith("__", StringComparison.Ordinal))
        {
            errors.Add($"Name \"{where}\" must not begin with \"__\", which is reserved by GraphQL introspection.");
        }
    }

    private void ValidateFields(FieldsGraphType type, List<string> errors)
    {
        if (type.Fields.Count == 0)
        {
            errors.Add($"Type {type.Name} must define one or more fields.");
        }

        foreach (var field in type.Fields)
        {
            CheckName(field.Name, $"{type.Name}.{field.Name}", errors);
            if (!IsOutputType(field.Type))
            {
                errors.Add($"The type of {type.Name}.{field.Name} must be Output Type but got: {field.Type}.");
            }

            if (field.ListSize is { } listSize)
            {
                CheckListSize(type, field, listSize, errors);
            }

            foreach (var argument in field.Arguments)
            {
                CheckName(argument.Name, $"{type.Name}.{field.Name}({argument.Name}:)", errors);
                if (!IsInputType(argument.Type))
                {
                    errors.Add($"The type of {type.Name}.{field.Name}({argument.Name}:) must be Input Type but got: {argument.Type}.");
                }
            }
        }

        foreach (var implemented in type.Interfaces)
        {
            if (ReferenceEquals(implemented, type))
            {
                errors.Add($"Type {type.Name} cannot implement itself because it would create a circular reference.");
                continue;
            }

            foreach (var transitive in implemented.Interfaces.Where(t => !type.Interfaces.Contains(t)))
            {
                errors.Add($"Type {type.Name} must implement {transitive.Name} because it is implemented by {implemented.Name}.");
            }

            foreach (var expected in implemented.Fields)
            {
                var actual = type.Field(expected.Name);
                if (actual is null)
                {
                    errors.Add($"Interface field {implemented.Name}.{expected.Name} expected but {type.Name} does not provide it.");
                    continue;
                }

                if (!IsSubType(actual.Type, expected.Type))
                {
                    errors.Add($"Interface field {implemented.Name}.{expected.Name} expects type {expected.Type} but {type.Name}.{expected.Name} is type {actual.Type}.");
                }

                foreach (var argument in expected.Arguments)
                {
                    var actualArgument = actual.Arguments.FirstOrDefault(a => a.Name == argument.Name);
                    if (actualArgument is null)
                    {
                        errors.Add($"Interface field argument {implemented.Name}.{expected.Name}({argument.Name}:) expected but {type.Name}.{expected.Name} does not provide it.");
                    }
                    else if (actualArgument.Type.ToString() != argument.Type.ToString())
                    {
                        errors.Add($"Interface field argument {implemented.Name}.{expected.Name}({argument.Name}:) expects type {argument.Type} but {type.Name}.{expected.Name}({argument.Name}:) is type {actualArgument.Type}.");
                    }
                }

                foreach (var extra in actual.Arguments.Where(a => a.Type is NonNullGraphType && !a.HasDefault && expected.Arguments.All(e => e.Name != a.Name)))
                {
                    errors.Add($"Argument \"{type.Name}.{expected.Name}({extra.Name}:)\" must not be required type \"{extra.Type}\" if not provided by the Interface field \"{implemented.Name}.{expected.Name}\".");
                }
            }
        }
    }

    /// <summary>@listSize names arguments of the field that take an Int, and fields of what it returns; a field that is no list sizes some.</summary>
    private static void CheckListSize(FieldsGraphType type, FieldDefinition field, ListSize listSize, List<string> errors)
    {
        foreach (var name in listSize.SlicingArguments ?? [])
        {
            if (field.Arguments.FirstOrDefault(a => a.Name == name) is not { } argument || argument.Type.Unwrap() != Scalars.Int || argument.Type is ListGraphType)
            {
                errors.Add($"@listSize on {type.Name}.{field.Name} names the slicing argument \"{name}\", which is not an Int argument of the field.");
            }
        }

        var returned = field.Type.Unwrap() as FieldsGraphType;
        foreach (var name in listSize.SizedFields ?? [])
        {
            if (returned?.Field(name) is null)
            {
                errors.Add($"@listSize on {type.Name}.{field.Name} names the sized field \"{name}\", which {field.Type.Unwrap().Name} does not have.");
            }
        }

        var list = field.Type is ListGraphType or NonNullGraphType { OfType: ListGraphType };
        if (!list && listSize.SizedFields is not { Count: > 0 })
        {
            errors.Add($"@listSize on {type.Name}.{field.Name}, which is not a list, must name the sized fields of {field.Type.Unwrap().Name}.");
        }
    }

    /// <summary>Whether a value of <paramref name="maybeSub"/> is always a valid <paramref name="super"/> (covariant output types).</summary>
    public bool IsSubType(GraphType maybeSub, GraphType super) => (maybeSub, super) switch
    {
        (_, _) when maybeSub.ToString() == super.ToString() && ReferenceEquals(maybeSub.Unwrap(), super.Unwrap()) => true,
        (NonNullGraphType a, NonNullGraphType b) => IsSubType(a.OfType, b.OfType),
        (NonNullGraphType a, _) => IsSubType(a.OfType, super),
        (_, NonNullGraphType) => false,
        (ListGraphType a, ListGraphType b) => IsSubType(a.OfType, b.OfType),
        (ListGraphType, _) or (_, ListGraphType) => false,
        (ObjectGraphType o, NamedGraphType abstractType) when abstractType is InterfaceGraphType or UnionGraphType => PossibleTypes(abstractType).Contains(o),
        (InterfaceGraphType i, InterfaceGraphType parent) => i.Interfaces.Contains(parent),
        _ => false,
    };
}
