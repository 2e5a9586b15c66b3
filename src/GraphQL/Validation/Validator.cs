using Idarati.GraphQL.Execution;
using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Validation;

/// <summary>
/// The validation rules of the specification, with graphql-js's messages and locations, applied to an executable
/// document before it runs. Rules about definitions and names are checked on the document; rules about fields,
/// arguments, directives, fragments and values are checked in one walk that knows each selection set's parent type.
/// Every error carries the code GRAPHQL_VALIDATION_FAILED. Not here: graphql-js's "Did you mean"
/// suggestions (messages otherwise match). ExecutableDefinitions
/// holds by construction: the parser refuses type-system definitions, at the location graphql-js reports them.
/// </summary>
public static partial class Validator
{
    public static IReadOnlyList<GraphQLError> Validate(Schema schema, Document document)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(document);
        var walk = new Walk(schema, document);
        walk.Run();
        return walk.Errors;
    }

    private sealed partial class Walk(Schema schema, Document document)
    {
        private readonly List<OperationDefinition> _operations = [.. document.Definitions.OfType<OperationDefinition>()];
        private readonly List<FragmentDefinition> _fragmentList = [.. document.Definitions.OfType<FragmentDefinition>()];
        private readonly Dictionary<string, FragmentDefinition> _fragments = document.Definitions.OfType<FragmentDefinition>()
            .GroupBy(f => f.Name.Value).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        public List<GraphQLError> Errors { get; } = [];

        private void Report(string message, params Node[] nodes) =>
            Errors.Add(new GraphQLError(message, [.. nodes.Select(n => n.Span.Location)]).WithCode(ErrorCodes.ValidationFailed));

        public void Run()
        {
            UniqueNames();
            FragmentCycles();
            UnusedFragments();
            foreach (var operation in _operations)
            {
                Operation(operation);
            }

            foreach (var fragment in _fragmentList)
            {
                if (!KnownTypeCondition(fragment.TypeCondition, fragment.Name.Value, out var type))
                {
                    continue;
                }

                Directives(fragment.Directives, DirectiveLocation.FRAGMENT_DEFINITION);
                SelectionSet(type, fragment.SelectionSet);
            }
        }

        /// <summary>UniqueOperationNames, LoneAnonymousOperation, UniqueFragmentNames.</summary>
        private void UniqueNames()
        {
            foreach (var group in _operations.Where(o => o.Name is not null).GroupBy(o => o.Name!.Value).Where(g => g.Count() > 1))
            {
                foreach (var duplicate in group.Skip(1))
                {
                    Report($"There can be only one operation named \"{group.Key}\".", group.First().Name!, duplicate.Name!);
                }
            }

            if (_operations.Count > 1)
            {
                foreach (var anonymous in _operations.Where(o => o.Name is null))
                {
                    Report("This anonymous operation must be the only defined operation.", anonymous);
                }
            }

            foreach (var group in _fragmentList.GroupBy(f => f.Name.Value).Where(g => g.Count() > 1))
            {
                foreach (var duplicate in group.Skip(1))
                {
                    Report($"There can be only one fragment named \"{group.Key}\".", group.First().Name, duplicate.Name);
                }
            }
        }

        /// <summary>The fragment spreads directly inside a selection set, at any depth of fields and inline fragments.</summary>
        private static IEnumerable<FragmentSpread> Spreads(SelectionSet set) => set.Selections.SelectMany(s => s switch
        {
            FragmentSpread spread => [spread],
            Field { SelectionSet: { } inner } => Spreads(inner),
            InlineFragment inline => Spreads(inline.SelectionSet),
            _ => [],
        });

        /// <summary>NoFragmentCycles: a fragment may not spread itself, directly or through others.</summary>
        private void FragmentCycles()
        {
            var visited = new HashSet<string>(StringComparer.Ordinal);
            foreach (var fragment in _fragmentList)
            {
                var path = new List<FragmentSpread>();
                var onPath = new Dictionary<string, int>(StringComparer.Ordinal);
                Detect(fragment);

                void Detect(FragmentDefinition current)
                {
                    if (!visited.Add(current.Name.Value))
                    {
                        return;
                    }

                    onPath[current.Name.Value] = path.Count;
                    foreach (var spread in Spreads(current.SelectionSet))
                    {
                        var name = spread.Name.Value;
                        if (!onPath.TryGetValue(name, out var index))
                        {
                            if (_fragments.TryGetValue(name, out var next))
                            {
                                path.Add(spread);
                                Detect(next);
                                path.RemoveAt(path.Count - 1);
                            }

                            continue;
                        }

                        var cycle = path.Skip(index).Append(spread).ToList();
                        var via = cycle.Take(cycle.Count - 1).Select(s => $"\"{s.Name.Value}\"").ToList();
                        Report($"Cannot spread fragment \"{name}\" within itself" + (via.Count > 0 ? $" via {string.Join(", ", via)}." : "."), [.. cycle]);
                    }

                    onPath.Remove(current.Name.Value);
                }
            }
        }

        /// <summary>The fragments an operation reaches, transitively.</summary>
        private HashSet<string> Reachable(SelectionSet set)
        {
            var reached = new HashSet<string>(StringComparer.Ordinal);
            var pending = new Stack<SelectionSet>([set]);
            while (pending.TryPop(out var current))
            {
                foreach (var spread in Spreads(current))
                {
                    if (reached.Add(spread.Name.Value) && _fragments.TryGetValue(spread.Name.Value, out var fragment))
                    {
                        pending.Push(fragment.SelectionSet);
                    }
                }
            }

            return reached;
        }

        /// <summary>NoUnusedFragments.</summary>
        private void UnusedFragments()
        {
            var used = new HashSet<string>(_operations.SelectMany(o => Reachable(o.SelectionSet)), StringComparer.Ordinal);
            foreach (var fragment in _fragmentList.Where(f => !used.Contains(f.Name.Value)))
            {
                Report($"Fragment \"{fragment.Name.Value}\" is never used.", fragment);
            }
        }
    }
}
