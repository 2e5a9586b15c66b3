using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Validation;

public static partial class Validator
{
    private sealed partial class Walk
    {
        /// <summary>A field as it appears in a selection set: the type it is selected on, the node, and its definition if known.</summary>
        private sealed record FieldInSet(NamedGraphType? Parent, Field Node, FieldDefinition? Definition);

        /// <summary>Why two fields cannot merge: a sentence, or the conflicts of their subfields.</summary>
        private sealed record Conflict(string ResponseName, string? Reason, IReadOnlyList<Conflict> Subconflicts, IReadOnlyList<Field> Fields1, IReadOnlyList<Field> Fields2)
        {
            public string Explain() => Reason ?? string.Join(" and ", Subconflicts.Select(s => $"subfields \"{s.ResponseName}\" conflict because {s.Explain()}"));
        }

        /// <summary>Fragment pairs already compared, for the whole document; a pair compared as not exclusive covers both cases.</summary>
        private readonly Dictionary<(string, string), bool> _comparedFragments = [];

        /// <summary>OverlappingFieldsCanBeMerged (the specification's FieldsInSetCanMerge), for one selection set.</summary>
        private void FieldsCanMerge(NamedGraphType parent, SelectionSet set)
        {
            var conflicts = new List<Conflict>();
            var (fields, fragments) = FieldsAndFragments(parent, set);
            ConflictsWithin(conflicts, fields);
            for (var i = 0; i < fragments.Count; i++)
            {
                ConflictsWithFragment(conflicts, false, fields, fragments[i], new HashSet<string>(StringComparer.Ordinal));
                for (var j = i + 1; j < fragments.Count; j++)
                {
                    ConflictsBetweenFragments(conflicts, false, fragments[i], fragments[j]);
                }
            }

            foreach (var conflict in conflicts)
            {
                Report($"Fields \"{conflict.ResponseName}\" conflict because {conflict.Explain()}. Use different aliases on the fields to fetch both if this was intentional.",
                    [.. conflict.Fields1, .. conflict.Fields2]);
            }
        }

        private (OrderedDictionary<string, List<FieldInSet>> Fields, List<string> Fragments) FieldsAndFragments(NamedGraphType? parent, SelectionSet set)
        {
            var fields = new OrderedDictionary<string, List<FieldInSet>>(StringComparer.Ordinal);
            var fragments = new List<string>();
            Gather(parent, set);
            return (fields, fragments);

            void Gather(NamedGraphType? type, SelectionSet current)
            {
                foreach (var selection in current.Selections)
                {
                    switch (selection)
                    {
                        case Field field:
                            if (!fields.TryGetValue(field.ResponseKey, out var list))
                            {
                                fields[field.ResponseKey] = list = [];
                            }

                            list.Add(new FieldInSet(type, field, type is null ? null : Definition(type, field.Name.Value)));
                            break;
                        case FragmentSpread spread when !fragments.Contains(spread.Name.Value):
                            fragments.Add(spread.Name.Value);
                            break;
                        case InlineFragment inline:
                            Gather(inline.TypeCondition is { } c ? schema.Type(c.Name.Value) : type, inline.SelectionSet);
                            break;
                    }
                }
            }
        }

        private FieldDefinition? Definition(NamedGraphType parent, string name) => name switch
        {
            "__typename" => new FieldDefinition("__typename", Scalars.String.NonNull),
            "__schema" when ReferenceEquals(parent, schema.Query) => Introspection.SchemaField,
            "__type" when ReferenceEquals(parent, schema.Query) => Introspection.TypeField,
            _ => (parent as FieldsGraphType)?.Field(name),
        };

        private void ConflictsWithin(List<Conflict> conflicts, OrderedDictionary<string, List<FieldInSet>> fields)
        {
            foreach (var (name, list) in fields)
            {
                for (var i = 0; i < list.Count; i++)
                {
                    for (var j = i + 1; j < list.Count; j++)
                    {
                        if (FindConflict(name, list[i], list[j], false) is { } conflict)
                        {
                            conflicts.Add(conflict);
                        }
                    }
                }
            }
        }

        private void ConflictsBetween(List<Conflict> conflicts, bool exclusive, OrderedDictionary<string, List<FieldInSet>> first, OrderedDictionary<string, List<FieldInSet>> second)
        {
            foreach (var (name, list1) in first)
            {
                if (!second.TryGetValue(name, out var list2))
                {
                    continue;
                }

                foreach (var a in list1)
                {
                    foreach (var b in list2)
                    {
                        if (FindConflict(name, a, b, exclusive) is { } conflict)
                        {
                            conflicts.Add(conflict);
                        }
                    }
                }
            }
        }

        private void ConflictsWithFragment(List<Conflict> conflicts, bool exclusive, OrderedDictionary<string, List<FieldInSet>> fields, string fragmentName, HashSet<string> visited)
        {
            if (!visited.Add(fragmentName) || !_fragments.TryGetValue(fragmentName, out var fragment))
            {
                return;
            }

            var (fragmentFields, referenced) = FieldsAndFragments(schema.Type(fragment.TypeCondition.Name.Value), fragment.SelectionSet);
            ConflictsBetween(conflicts, exclusive, fields, fragmentFields);
            foreach (var name in referenced)
            {
                ConflictsWithFragment(conflicts, exclusive, fields, name, visited);
            }
        }

        private void ConflictsBetweenFragments(List<Conflict> conflicts, bool exclusive, string name1, string name2)
        {
            if (name1 == name2 || !_fragments.TryGetValue(name1, out var fragment1) || !_fragments.TryGetValue(name2, out var fragment2))
            {
                return;
            }

            var key = string.CompareOrdinal(name1, name2) < 0 ? (name1, name2) : (name2, name1);
            if (_comparedFragments.TryGetValue(key, out var comparedExclusive) && (!comparedExclusive || exclusive))
            {
                return;
            }

            _comparedFragments[key] = exclusive;
            var (fields1, referenced1) = FieldsAndFragments(schema.Type(fragment1.TypeCondition.Name.Value), fragment1.SelectionSet);
            var (fields2, referenced2) = FieldsAndFragments(schema.Type(fragment2.TypeCondition.Name.Value), fragment2.SelectionSet);
            ConflictsBetween(conflicts, exclusive, fields1, fields2);
            foreach (var name in referenced2)
            {
                ConflictsBetweenFragments(conflicts, exclusive, name1, name);
            }

            foreach (var name in referenced1)
            {
                ConflictsBetweenFragments(conflicts, exclusive, name, name2);
            }
        }

        private Conflict? FindConflict(string responseName, FieldInSet a, FieldInSet b, bool parentsExclusive)
        {
            // Fields on two different object types never both apply to one value: only their shapes must agree.
            var exclusive = parentsExclusive || (!ReferenceEquals(a.Parent, b.Parent) && a.Parent is ObjectGraphType && b.Parent is ObjectGraphType);
            if (!exclusive)
            {
                if (a.Node.Name.Value != b.Node.Name.Value)
                {
                    return new Conflict(responseName, $"\"{a.Node.Name.Value}\" and \"{b.Node.Name.Value}\" are different fields", [], [a.Node], [b.Node]);
                }

                if (!SameArguments(a.Node.Arguments, b.Node.Arguments))
                {
                    return new Conflict(responseName, "they have differing arguments", [], [a.Node], [b.Node]);
                }
            }

            var type1 = a.Definition?.Type;
            var type2 = b.Definition?.Type;
            if (type1 is not null && type2 is not null && TypesConflict(type1, type2))
            {
                return new Conflict(responseName, $"they return conflicting types \"{type1}\" and \"{type2}\"", [], [a.Node], [b.Node]);
            }

            if (a.Node.SelectionSet is { } set1 && b.Node.SelectionSet is { } set2)
            {
                var subconflicts = new List<Conflict>();
                var (fields1, fragments1) = FieldsAndFragments(type1?.Unwrap(), set1);
                var (fields2, fragments2) = FieldsAndFragments(type2?.Unwrap(), set2);
                ConflictsBetween(subconflicts, exclusive, fields1, fields2);
                foreach (var name in fragments2)
                {
                    ConflictsWithFragment(subconflicts, exclusive, fields1, name, new HashSet<string>(StringComparer.Ordinal));
                }

                foreach (var name in fragments1)
                {
                    ConflictsWithFragment(subconflicts, exclusive, fields2, name, new HashSet<string>(StringComparer.Ordinal));
                }

                foreach (var name1 in fragments1)
                {
                    foreach (var name2 in fragments2)
                    {
                        ConflictsBetweenFragments(subconflicts, exclusive, name1, name2);
                    }
                }

                if (subconflicts.Count > 0)
                {
                    return new Conflict(responseName, null, subconflicts,
                        [a.Node, .. subconflicts.SelectMany(s => s.Fields1)], [b.Node, .. subconflicts.SelectMany(s => s.Fields2)]);
                }
            }

            return null;
        }

        private static bool TypesConflict(GraphType a, GraphType b) => (a, b) switch
        {
            (ListGraphType l1, ListGraphType l2) => TypesConflict(l1.OfType, l2.OfType),
            (ListGraphType, _) or (_, ListGraphType) => true,
            (NonNullGraphType n1, NonNullGraphType n2) => TypesConflict(n1.OfType, n2.OfType),
            (NonNullGraphType, _) or (_, NonNullGraphType) => true,
            _ when a is ScalarGraphType or EnumGraphType || b is ScalarGraphType or EnumGraphType => !ReferenceEquals(a, b),
            _ => false,
        };

        /// <summary>The same arguments, in any order, with values that print the same once object fields are sorted.</summary>
        private static bool SameArguments(IReadOnlyList<Argument> first, IReadOnlyList<Argument> second) =>
            first.Count == second.Count && first.All(a => second.FirstOrDefault(b => b.Name.Value == a.Name.Value) is { } match && Sorted(a.Value) == Sorted(match.Value));

        private static string Sorted(Value value) => value switch
        {
            ObjectValue o => "{" + string.Join(", ", o.Fields.OrderBy(f => f.Name.Value, StringComparer.Ordinal).Select(f => f.Name.Value + ": " + Sorted(f.Value))) + "}",
            ListValue l => "[" + string.Join(", ", l.Values.Select(Sorted)) + "]",
            _ => Printer.Print(value),
        };
    }
}
