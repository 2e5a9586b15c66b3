using System.Collections;
using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Execution;

/// <summary>
/// Input coercion as the specification defines it: variable values (plain CLR values from JSON: null, bool, numbers,
/// strings, lists, string-keyed dictionaries) and literals of the document, into internal values of input types.
/// </summary>
public static class Values
{
    /// <summary>The type a variable definition names, or null when the schema has no such input type.</summary>
    public static GraphType? TypeFrom(Schema schema, TypeReference reference) => reference switch
    {
        NamedType n => schema.Type(n.Name.Value),
        ListType l => TypeFrom(schema, l.Type) is { } inner ? new ListGraphType(inner) : null,
        NonNullType nn => TypeFrom(schema, nn.Type) is { } inner ? new NonNullGraphType(inner) : null,
        _ => null,
    };

    /// <summary>Coerces the request's variables against the operation's definitions; every problem is reported, none thrown.</summary>
    public static IReadOnlyDictionary<string, object?> CoerceVariables(
        Schema schema, IReadOnlyList<VariableDefinition> definitions, IReadOnlyDictionary<string, object?>? inputs, List<GraphQLError> errors)
    {
        var coerced = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            var name = definition.Variable.Name.Value;
            var type = TypeFrom(schema, definition.Type);
            if (type is null || !Schema.IsInputType(type))
            {
                errors.Add(new GraphQLError($"Variable \"${name}\" expected value of type \"{definition.Type}\" which cannot be used as an input type.", [definition.Span.Location])
                    .WithCode(ErrorCodes.BadUserInput));
                continue;
            }

            if (inputs is null || !inputs.TryGetValue(name, out var input))
            {
                if (definition.DefaultValue is { } literal)
                {
                    if (TryFromLiteral(literal, type, null, out var value))
                    {
                        coerced[name] = value;
                    }
                }
                else if (type is NonNullGraphType)
                {
                    errors.Add(new GraphQLError($"Variable \"${name}\" of required type \"{type}\" was not provided.", [definition.Span.Location]).WithCode(ErrorCodes.BadUserInput));
                }

                continue;
            }

            if (input is null && type is NonNullGraphType)
            {
                errors.Add(new GraphQLError($"Variable \"${name}\" of non-null type \"{type}\" must not be null.", [definition.Span.Location]).WithCode(ErrorCodes.BadUserInput));
                continue;
            }

            var problems = new List<string>();
            var result = CoerceInput(input, type, [], problems);
            if (problems.Count == 0)
            {
                coerced[name] = result;
            }

            foreach (var problem in problems)
            {
                errors.Add(new GraphQLError($"Variable \"${name}\" got invalid value {problem}", [definition.Span.Location]).WithCode(ErrorCodes.BadUserInput));
            }
        }

        return coerced;
    }

    /// <summary>Coerces an external value; each problem is a message ending the sentence "got invalid value ...".</summary>
    public static object? CoerceInput(object? value, GraphType type, IReadOnlyList<object> path, List<string> problems)
    {
        var at = path.Count == 0 ? "" : " at \"value" + string.Concat(path.Select(p => p is int i ? $"[{i}]" : $".{p}")) + "\"";
        switch (type)
        {
            case NonNullGraphType nonNull:
                if (value is null)
                {
                    problems.Add($"null{at}; Expected non-nullable type \"{type}\" not to be null.");
                    return null;
                }

                return CoerceInput(value, nonNull.OfType, path, problems);
            case not null when value is null:
                return null;
            case ListGraphType list:
                if (value is IList items && value is not IDictionary)
                {
                    var result = new List<object?>(items.Count);
                    for (var i = 0; i < items.Count; i++)
                    {
                        result.Add(CoerceInput(items[i], list.OfType, [.. path, i], problems));
                    }

                    return result;
                }

                return new List<object?> { CoerceInput(value, list.OfType, path, problems) };
            case InputObjectGraphType input:
                if (value is not IReadOnlyDictionary<string, object?> fields)
                {
                    problems.Add($"{Scalars.Inspect(value)}{at}; Expected type \"{input.Name}\" to be an object.");
                    return null;
                }

                var coerced = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var field in input.Fields)
                {
                    if (fields.TryGetValue(field.Name, out var fieldValue))
                    {
                        coerced[field.Name] = CoerceInput(fieldValue, field.Type, [.. path, field.Name], problems);
                    }
                    else if (field.HasDefault)
                    {
                        coerced[field.Name] = field.DefaultValue;
                    }
                    else if (field.Type is NonNullGraphType)
                    {
                        problems.Add($"{Json(value)}{at}; Field \"{input.Name}.{field.Name}\" of required type \"{field.Type}\" was not provided.");
                    }
                }

                foreach (var unknown in fields.Keys.Where(k => input.Field(k) is null))
                {
                    problems.Add($"{Json(value)}{at}; Field \"{unknown}\" is not defined by type \"{input.Name}\".");
                }

                if (input.IsOneOf && (fields.Count != 1 || fields.Values.Single() is null))
                {
                    problems.Add(fields.Count != 1
                        ? $"{Json(value)}{at}; Exactly one key must be specified for OneOf type \"{input.Name}\"."
                        : $"{Json(value)}{at}; Field \"{fields.Keys.Single()}\" must be non-null.");
                }

                return coerced;
            case EnumGraphType e:
                if (value is string name && e.ByName(name) is { } enumValue)
                {
                    return enumValue.InternalValue;
                }

                problems.Add($"{Json(value)}{at}; Value {Json(value)} does not exist in \"{e.Name}\" enum.");
                return null;
            case ScalarGraphType scalar:
                try
                {
                    return scalar.ParseValue(value);
                }
                catch (GraphQLCoercionException error)
                {
                    problems.Add($"{Json(value)}{at}; {error.Message}");
                    return null;
                }

            default:
                problems.Add($"{Json(value)}{at}; Expected an input type, found \"{type}\".");
                return null;
        }
    }

    /// <summary>
    /// The internal value of a literal (graphql-js valueFromAST): false when the literal is not valid for the type, or
    /// names a variable that was not provided where a value is required.
    /// </summary>
    public static bool TryFromLiteral(Value literal, GraphType type, IReadOnlyDictionary<string, object?>? variables, out object? value)
    {
        value = null;
        if (literal is Variable variable)
        {
            if (variables is null || !variables.TryGetValue(variable.Name.Value, out value))
            {
                return false;
            }

            return value is not null || type is not NonNullGraphType;
        }

        switch (type)
        {
            case NonNullGraphType nonNull:
                return literal is not NullValue && TryFromLiteral(literal, nonNull.OfType, variables, out value);
            case not null when literal is NullValue:
                return true;
            case ListGraphType list:
                if (literal is ListValue items)
                {
                    var result = new List<object?>(items.Values.Count);
                    foreach (var item in items.Values)
                    {
                        if (item is Variable v && (variables is null || !variables.ContainsKey(v.Name.Value)))
                        {
                            if (list.OfType is NonNullGraphType)
                            {
                                return false;
                            }

                            result.Add(null);
                            continue;
                        }

                        if (!TryFromLiteral(item, list.OfType, variables, out var itemValue))
                        {
                            return false;
                        }

                        result.Add(itemValue);
                    }

                    value = result;
                    return true;
                }

                if (!TryFromLiteral(literal, list.OfType, variables, out var single))
                {
                    return false;
                }

                value = new List<object?> { single };
                return true;
            case InputObjectGraphType input:
                if (literal is not ObjectValue obj)
                {
                    return false;
                }

                var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var field in input.Fields)
                {
                    var node = obj.Fields.FirstOrDefault(f => f.Name.Value == field.Name);
                    if (node is null || (node.Value is Variable v && (variables is null || !variables.ContainsKey(v.Name.Value))))
                    {
                        if (field.HasDefault)
                        {
                            fields[field.Name] = field.DefaultValue;
                        }
                        else if (field.Type is NonNullGraphType)
                        {
                            return false;
                        }

                        continue;
                    }

                    if (!TryFromLiteral(node.Value, field.Type, variables, out var fieldValue))
                    {
                        return false;
                    }

                    fields[field.Name] = fieldValue;
                }

                if (obj.Fields.Any(f => input.Field(f.Name.Value) is null)
                    || (input.IsOneOf && (fields.Count != 1 || fields.Values.Single() is null)))
                {
                    return false;
                }

                value = fields;
                return true;
            case EnumGraphType e:
                if (literal is EnumValue ev && e.ByName(ev.Text) is { } enumValue)
                {
                    value = enumValue.InternalValue;
                    return true;
                }

                return false;
            case ScalarGraphType scalar:
                try
                {
                    value = scalar.ParseLiteral(literal);
                    return true;
                }
                catch (GraphQLCoercionException)
                {
                    return false;
                }

            default:
                return false;
        }
    }

    private static string Json(object? value) => value switch
    {
        null => "null",
        string s => System.Text.Json.JsonSerializer.Serialize(s),
        bool b => b ? "true" : "false",
        IReadOnlyDictionary<string, object?> d => "{ " + string.Join(", ", d.Select(kv => $"{kv.Key}: {Json(kv.Value)}")) + " }",
        IList l => "[" + string.Join(", ", l.Cast<object?>().Select(Json)) + "]",
        _ => Scalars.Inspect(value),
    };
}
