using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Validation;

public static partial class Validator
{
    private sealed partial class Walk
    {
        /// <summary>A variable used in a position that expects a type; <see cref="HasDefault"/> when the position has a default.</summary>
        private sealed record Usage(Variable Node, GraphType? Expected, bool HasDefault);

        private bool KnownTypeCondition(NamedType condition, string? fragmentName, out NamedGraphType type)
        {
            type = null!;
            if (schema.Type(condition.Name.Value) is not { } found)
            {
                Report($"Unknown type \"{condition.Name.Value}\".", condition);
                return false;
            }

            if (found is not (ObjectGraphType or InterfaceGraphType or UnionGraphType))
            {
                Report(fragmentName is null
                    ? $"Fragment cannot condition on non composite type \"{found.Name}\"."
                    : $"Fragment \"{fragmentName}\" cannot condition on non composite type \"{found.Name}\".", condition);
                return false;
            }

            type = found;
            return true;
        }

        private void SelectionSet(NamedGraphType parent, SelectionSet set)
        {
            FieldsCanMerge(parent, set);
            foreach (var selection in set.Selections)
            {
                switch (selection)
                {
                    case Field field:
                        Field(parent, field);
                        break;
                    case InlineFragment inline:
                        Directives(inline.Directives, DirectiveLocation.INLINE_FRAGMENT);
                        var target = parent;
                        if (inline.TypeCondition is { } condition)
                        {
                            if (!KnownTypeCondition(condition, null, out target))
                            {
                                continue;
                            }

                            if (!Overlap(parent, target))
                            {
                                Report($"Fragment cannot be spread here as objects of type \"{parent.Name}\" can never be of type \"{target.Name}\".", inline);
                            }
                        }

                        SelectionSet(target, inline.SelectionSet);
                        break;
                    case FragmentSpread spread:
                        Directives(spread.Directives, DirectiveLocation.FRAGMENT_SPREAD);
                        if (!_fragments.TryGetValue(spread.Name.Value, out var fragment))
                        {
                            Report($"Unknown fragment \"{spread.Name.Value}\".", spread.Name);
                        }
                        else if (schema.Type(fragment.TypeCondition.Name.Value) is { } fragmentType
                            && fragmentType is ObjectGraphType or InterfaceGraphType or UnionGraphType && !Overlap(parent, fragmentType))
                        {
                            Report($"Fragment \"{spread.Name.Value}\" cannot be spread here as objects of type \"{parent.Name}\" can never be of type \"{fragmentType.Name}\".", spread);
                        }

                        break;
                }
            }
        }

        /// <summary>PossibleFragmentSpreads: some object type is possible in both.</summary>
        private bool Overlap(NamedGraphType a, NamedGraphType b) => schema.PossibleTypes(a).Intersect(schema.PossibleTypes(b)).Any();

        /// <summary>While above zero, a reported introspection field's subtree is not checked again for depth.</summary>
        private int _deepIntrospection;

        /// <summary>MaxIntrospectionDepth: at most two nested introspection lists (fields, interfaces, possibleTypes, inputFields) under __schema or __type.</summary>
        private bool IntrospectionTooDeep(Selection node, Dictionary<string, int> visited, int depth)
        {
            if (node is FragmentSpread spread)
            {
                if ((visited.TryGetValue(spread.Name.Value, out var entered) && entered >= depth) || !_fragments.TryGetValue(spread.Name.Value, out var fragment))
                {
                    return false;
                }

                visited[spread.Name.Value] = depth;
                return fragment.SelectionSet.Selections.Any(child => IntrospectionTooDeep(child, visited, depth));
            }

            if (node is Field { Name.Value: "fields" or "interfaces" or "possibleTypes" or "inputFields" } && ++depth >= 3)
            {
                return true;
            }

            var set = node switch
            {
                Field f => f.SelectionSet,
                InlineFragment i => i.SelectionSet,
                _ => null,
            };
            return set is not null && set.Selections.Any(child => IntrospectionTooDeep(child, visited, depth));
        }

        private void Field(NamedGraphType parent, Field field)
        {
            var tooDeep = _deepIntrospection == 0 && field.Name.Value is "__schema" or "__type" && IntrospectionTooDeep(field, new Dictionary<string, int>(StringComparer.Ordinal), 0);
            if (tooDeep)
            {
                Report("Maximum introspection depth exceeded", field);
                _deepIntrospection++;
            }

            try
            {
                CheckField(parent, field);
            }
            finally
            {
                if (tooDeep)
                {
                    _deepIntrospection--;
                }
            }
        }

        private void CheckField(NamedGraphType parent, Field field)
        {
            Directives(field.Directives, DirectiveLocation.FIELD);
            var name = field.Name.Value;
            FieldDefinition? definition = name switch
            {
                "__typename" => new FieldDefinition("__typename", Scalars.String.NonNull),
                "__schema" when ReferenceEquals(parent, schema.Query) => Introspection.SchemaField,
                "__type" when ReferenceEquals(parent, schema.Query) => Introspection.TypeField,
                _ => (parent as FieldsGraphType)?.Field(name),
            };
            if (definition is null)
            {
                Report($"Cannot query field \"{name}\" on type \"{parent.Name}\".", field);
                return;
            }

            Arguments(field.Arguments, definition.Arguments, $"field \"{parent.Name}.{name}\"");
            foreach (var missing in Missing(definition.Arguments, field.Arguments))
            {
                Report($"Field \"{name}\" argument \"{missing.Name}\" of type \"{missing.Type}\" is required, but it was not provided.", field);
            }

            var type = definition.Type.Unwrap();
            var leaf = type is ScalarGraphType or EnumGraphType;
            if (leaf && field.SelectionSet is { } selection)
            {
                Report($"Field \"{name}\" must not have a selection since type \"{definition.Type}\" has no subfields.", selection);
            }
            else if (!leaf && field.SelectionSet is null)
            {
                Report($"Field \"{name}\" of type \"{definition.Type}\" must have a selection of subfields. Did you mean \"{name} {{ ... }}\"?", field);
            }
            else if (!leaf)
            {
                SelectionSet(type, field.SelectionSet!);
            }
        }

        private static IEnumerable<InputValueDefinition> Missing(IReadOnlyList<InputValueDefinition> definitions, IReadOnlyList<Argument> given) =>
            definitions.Where(d => d.Type is NonNullGraphType && !d.HasDefault && given.All(a => a.Name.Value != d.Name));

        /// <summary>KnownArgumentNames, UniqueArgumentNames, ValuesOfCorrectType for arguments.</summary>
        private void Arguments(IReadOnlyList<Argument> arguments, IReadOnlyList<InputValueDefinition> definitions, string owner)
        {
            foreach (var group in arguments.GroupBy(a => a.Name.Value).Where(g => g.Count() > 1))
            {
                Report($"There can be only one argument named \"{group.Key}\".", [.. group.Select(a => a.Name)]);
            }

            foreach (var argument in arguments)
            {
                var definition = definitions.FirstOrDefault(d => d.Name == argument.Name.Value);
                if (definition is null)
                {
                    Report($"Unknown argument \"{argument.Name.Value}\" on {owner}.", argument);
                    continue;
                }

                Value(argument.Value, definition.Type);
            }
        }

        /// <summary>KnownDirectives, UniqueDirectivesPerLocation, and their arguments.</summary>
        private void Directives(IReadOnlyList<Directive> directives, DirectiveLocation location)
        {
            var seen = new Dictionary<string, Directive>(StringComparer.Ordinal);
            foreach (var directive in directives)
            {
                var definition = schema.Directive(directive.Name.Value);
                if (definition is null)
                {
                    Report($"Unknown directive \"@{directive.Name.Value}\".", directive);
                    continue;
                }

                if (!definition.Locations.Contains(location))
                {
                    Report($"Directive \"@{directive.Name.Value}\" may not be used on {location}.", directive);
                }

                if (!definition.IsRepeatable && !seen.TryAdd(directive.Name.Value, directive))
                {
                    Report($"The directive \"@{directive.Name.Value}\" can only be used once at this location.", seen[directive.Name.Value], directive);
                }

                Arguments(directive.Arguments, definition.Arguments, $"directive \"@{directive.Name.Value}\"");
                foreach (var missing in Missing(definition.Arguments, directive.Arguments))
                {
                    Report($"Directive \"@{directive.Name.Value}\" argument \"{missing.Name}\" of type \"{missing.Type}\" is required, but it was not provided.", directive);
                }
            }
        }

        /// <summary>Variable usages of an operation, through every fragment it reaches, each with the type its position expects.</summary>
        private void Usages(NamedGraphType parent, SelectionSet set, List<Usage> usages, HashSet<string> visited)
        {
            foreach (var selection in set.Selections)
            {
                usages.AddRange(selection.Directives.SelectMany(DirectiveUsages));
                switch (selection)
                {
                    case Field field:
                        var definition = (parent as FieldsGraphType)?.Field(field.Name.Value)
                            ?? (field.Name.Value == "__type" && ReferenceEquals(parent, schema.Query) ? Introspection.TypeField : null);
                        foreach (var argument in field.Arguments)
                        {
                            var argumentDefinition = definition?.Arguments.FirstOrDefault(a => a.Name == argument.Name.Value);
                            ValueUsages(argument.Value, argumentDefinition?.Type, argumentDefinition?.HasDefault ?? false, usages);
                        }

                        if (field.SelectionSet is { } inner)
                        {
                            var type = definition?.Type.Unwrap() ?? (field.Name.Value == "__schema" ? Introspection.SchemaType : null);
                            Usages(type ?? parent, inner, usages, visited);
                        }

                        break;
                    case InlineFragment inline:
                        Usages(inline.TypeCondition is { } c && schema.Type(c.Name.Value) is { } t ? t : parent, inline.SelectionSet, usages, visited);
                        break;
                    case FragmentSpread spread when visited.Add(spread.Name.Value) && _fragments.TryGetValue(spread.Name.Value, out var fragment):
                        usages.AddRange(fragment.Directives.SelectMany(DirectiveUsages));
                        Usages(schema.Type(fragment.TypeCondition.Name.Value) ?? parent, fragment.SelectionSet, usages, visited);
                        break;
                }
            }
        }

        private IEnumerable<Usage> DirectiveUsages(Directive directive)
        {
            var usages = new List<Usage>();
            var definition = schema.Directive(directive.Name.Value);
            foreach (var argument in directive.Arguments)
            {
                var argumentDefinition = definition?.Arguments.FirstOrDefault(a => a.Name == argument.Name.Value);
                ValueUsages(argument.Value, argumentDefinition?.Type, argumentDefinition?.HasDefault ?? false, usages);
            }

            return usages;
        }

        private static void ValueUsages(Value value, GraphType? expected, bool hasDefault, List<Usage> usages)
        {
            switch (value)
            {
                case Variable variable:
                    usages.Add(new Usage(variable, expected, hasDefault));
                    break;
                case ListValue list:
                    var item = (expected is NonNullGraphType n ? n.OfType : expected) is ListGraphType l ? l.OfType : null;
                    foreach (var element in list.Values)
                    {
                        ValueUsages(element, item, false, usages);
                    }

                    break;
                case ObjectValue obj:
                    var input = expected?.Unwrap() as InputObjectGraphType;
                    foreach (var field in obj.Fields)
                    {
                        var fieldDefinition = input?.Field(field.Name.Value);
                        ValueUsages(field.Value, fieldDefinition?.Type, fieldDefinition?.HasDefault ?? false, usages);
                    }

                    break;
            }
        }
    }
}
