using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Validation;

// The rules of an operation as a whole: its variables (unique, of input types, defined where used, allowed in each
// position), and a subscription's single root field. The selections' rules are in Selections.cs.
public static partial class Validator
{
    private sealed partial class Walk
    {
        private void Operation(OperationDefinition operation)
        {
            var location = operation.Operation switch
            {
                OperationType.Query => DirectiveLocation.QUERY,
                OperationType.Mutation => DirectiveLocation.MUTATION,
                _ => DirectiveLocation.SUBSCRIPTION,
            };
            Directives(operation.Directives, location);

            // UniqueVariableNames, VariablesAreInputTypes, KnownTypeNames, values of defaults.
            var defined = new Dictionary<string, (VariableDefinition Definition, GraphType? Type)>(StringComparer.Ordinal);
            foreach (var group in operation.VariableDefinitions.GroupBy(v => v.Variable.Name.Value).Where(g => g.Count() > 1))
            {
                Report($"There can be only one variable named \"${group.Key}\".", [.. group.Select(v => v.Variable.Name)]);
            }

            foreach (var definition in operation.VariableDefinitions)
            {
                var type = VariableType(definition.Type);
                if (type is not null && !Schema.IsInputType(type))
                {
                    Report($"Variable \"${definition.Variable.Name.Value}\" cannot be non-input type \"{definition.Type}\".", definition.Type);
                    type = null;
                }

                if (type is not null && definition.DefaultValue is { } value)
                {
                    Value(value, type);
                }

                Directives(definition.Directives, DirectiveLocation.VARIABLE_DEFINITION);
                defined.TryAdd(definition.Variable.Name.Value, (definition, type));
            }

            var root = operation.Operation switch
            {
                OperationType.Query => schema.Query,
                OperationType.Mutation => schema.Mutation,
                _ => schema.Subscription,
            };
            if (root is null)
            {
                return;
            }

            if (operation.Operation == OperationType.Subscription)
            {
                SingleRootField(operation, root);
            }

            SelectionSet(root, operation.SelectionSet);

            // NoUndefinedVariables, NoUnusedVariables, VariablesInAllowedPosition.
            var usages = new List<Usage>();
            Usages(root, operation.SelectionSet, usages, new HashSet<string>(StringComparer.Ordinal));
            usages.AddRange(operation.Directives.SelectMany(d => DirectiveUsages(d)));
            var name = operation.Name?.Value;
            foreach (var usage in usages)
            {
                var variable = usage.Node.Name.Value;
                if (!defined.TryGetValue(variable, out var definition))
                {
                    Report(name is null ? $"Variable \"${variable}\" is not defined." : $"Variable \"${variable}\" is not defined by operation \"{name}\".", usage.Node, operation);
                    continue;
                }

                if (definition.Type is { } variableType && usage.Expected is { } expected && !AllowedIn(variableType, definition.Definition.DefaultValue, expected, usage.HasDefault))
                {
                    Report($"Variable \"${variable}\" of type \"{variableType}\" used in position expecting type \"{expected}\".", definition.Definition, usage.Node);
                }
            }

            var used = usages.Select(u => u.Node.Name.Value).ToHashSet(StringComparer.Ordinal);
            foreach (var definition in operation.VariableDefinitions.Where(d => !used.Contains(d.Variable.Name.Value)))
            {
                Report(name is null
                    ? $"Variable \"${definition.Variable.Name.Value}\" is never used."
                    : $"Variable \"${definition.Variable.Name.Value}\" is never used in operation \"{name}\".", definition);
            }
        }

        /// <summary>A nullable variable fits a non-null position when either side has a default (the specification's AreTypesCompatible with defaults).</summary>
        private bool AllowedIn(GraphType variableType, Value? variableDefault, GraphType expected, bool positionHasDefault)
        {
            if (expected is NonNullGraphType nonNull && variableType is not NonNullGraphType)
            {
                var hasNonNullDefault = variableDefault is not null and not NullValue;
                return (hasNonNullDefault || positionHasDefault) && Compatible(variableType, nonNull.OfType);
            }

            return Compatible(variableType, expected);
        }

        private bool Compatible(GraphType variable, GraphType expected) => (variable, expected) switch
        {
            (NonNullGraphType v, NonNullGraphType e) => Compatible(v.OfType, e.OfType),
            (NonNullGraphType v, _) => Compatible(v.OfType, expected),
            (_, NonNullGraphType) => false,
            (ListGraphType v, ListGraphType e) => Compatible(v.OfType, e.OfType),
            (ListGraphType, _) or (_, ListGraphType) => false,
            _ => ReferenceEquals(variable.Unwrap(), expected.Unwrap()),
        };

        /// <summary>SingleFieldSubscriptions.</summary>
        private void SingleRootField(OperationDefinition operation, ObjectGraphType root)
        {
            var fields = new List<Field>();
            Flatten(root, operation.SelectionSet, fields, new HashSet<string>(StringComparer.Ordinal));
            var keys = fields.GroupBy(f => f.ResponseKey).ToList();
            var who = operation.Name is null ? "Anonymous Subscription" : $"Subscription \"{operation.Name.Value}\"";
            if (keys.Count > 1)
            {
                Report($"{who} must select only one top level field.", [.. keys.Skip(1).SelectMany(g => g)]);
            }

            foreach (var field in keys.SelectMany(g => g).Where(f => f.Name.Value.StartsWith("__", StringComparison.Ordinal)))
            {
                Report($"{who} must not select an introspection top level field.", field);
            }
        }

        private void Flatten(ObjectGraphType type, SelectionSet set, List<Field> into, HashSet<string> visited)
        {
            foreach (var selection in set.Selections)
            {
                switch (selection)
                {
                    case Field field:
                        into.Add(field);
                        break;
                    case InlineFragment inline:
                        Flatten(type, inline.SelectionSet, into, visited);
                        break;
                    case FragmentSpread spread when visited.Add(spread.Name.Value) && _fragments.TryGetValue(spread.Name.Value, out var fragment):
                        Flatten(type, fragment.SelectionSet, into, visited);
                        break;
                }
            }
        }

        /// <summary>A variable definition's type, or null after reporting an unknown type name.</summary>
        private GraphType? VariableType(TypeReference reference)
        {
            var named = reference switch
            {
                NamedType n => n,
                ListType l => Innermost(l.Type),
                NonNullType nn => Innermost(nn.Type),
                _ => null,
            };
            if (named is not null && schema.Type(named.Name.Value) is null)
            {
                Report($"Unknown type \"{named.Name.Value}\".", named);
                return null;
            }

            return Execution.Values.TypeFrom(schema, reference);

            static NamedType Innermost(TypeReference r) => r switch
            {
                NamedType n => n,
                ListType l => Innermost(l.Type),
                NonNullType nn => Innermost(nn.Type),
                _ => throw new ArgumentOutOfRangeException(nameof(r)),
            };
        }
    }
}
