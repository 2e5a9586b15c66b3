using Idarati.GraphQL.Execution;
using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Validation;

/// <summary>
/// What one request may cost. Depth counts nested fields (through fragments); aliases count aliased fields; cost is the
/// static analysis of the IBM GraphQL Cost Directives: each field weighs its <c>@cost</c>, else its type's, else 1 for
/// an object, interface or union and 0 for a scalar or enum; each argument and input field given adds its
/// <c>@cost</c>; a list multiplies what it holds by its size: the largest slicing argument given of its
/// <c>@listSize</c>, else its assumed size, else the slicing argument's default, else <see cref="DefaultListSize"/>; with
/// <c>sizedFields</c> the size multiplies those fields of the returned object instead (a connection's <c>edges</c> and
/// <c>nodes</c>). A <c>@listSize</c> that requires one slicing argument refuses a request giving none or several.
/// Introspection costs nothing here. Each refusal is a GraphQL error with its own code.
/// The depth limit counts data fields only: introspection (<c>__schema</c>, <c>__type</c>) is bounded by validation's
/// own rule, graphql-js's MaxIntrospectionDepthRule (lists of fields, interfaces, possible types and input fields
/// nested three deep), while its <c>ofType</c> chains (15 fields deep in GraphiQL's own query) are free.
/// </summary>
public sealed record QueryLimits(int MaxDepth = 12, int MaxAliases = 30, int MaxCost = 20_000, int DefaultListSize = 10)
{
    public const string DepthCode = "MAX_DEPTH_EXCEEDED";
    public const string AliasesCode = "MAX_ALIASES_EXCEEDED";
    public const string CostCode = "MAX_COST_EXCEEDED";

    /// <summary>The refusals of the operation that would run, for a document that already passed validation.</summary>
    public IReadOnlyList<GraphQLError> Check(Schema schema, Document document, string? operationName, IReadOnlyDictionary<string, object?>? variables) =>
        Measure(schema, document, operationName, variables).Errors;

    /// <summary>The refusals, and the cost of the operation that would run (0 when there is none).</summary>
    public (IReadOnlyList<GraphQLError> Errors, long Cost) Measure(Schema schema, Document document, string? operationName, IReadOnlyDictionary<string, object?>? variables)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(document);
        var operations = document.Definitions.OfType<OperationDefinition>().ToList();
        var operation = operationName is null ? (operations.Count == 1 ? operations[0] : null) : operations.FirstOrDefault(o => o.Name?.Value == operationName);
        var root = operation?.Operation switch
        {
            OperationType.Query => schema.Query,
            OperationType.Mutation => schema.Mutation,
            OperationType.Subscription => schema.Subscription,
            _ => null,
        };
        if (operation is null || root is null)
        {
            return ([], 0);
        }

        var fragments = document.Definitions.OfType<FragmentDefinition>().GroupBy(f => f.Name.Value).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var errors = new List<GraphQLError>();
        var aliases = document.Definitions.Sum(d => d switch
        {
            OperationDefinition o => Aliases(o.SelectionSet),
            FragmentDefinition f => Aliases(f.SelectionSet),
            _ => 0,
        });
        if (aliases > MaxAliases)
        {
            errors.Add(new GraphQLError($"The document uses {aliases} aliases; at most {MaxAliases} are allowed.", [operation.Span.Location]).WithCode(AliasesCode));
        }

        var (depth, deepest) = (0, (Field?)null);
        Depth(operation.SelectionSet, fragments, 1, [], ref depth, ref deepest);
        if (depth > MaxDepth)
        {
            errors.Add(new GraphQLError($"The query is {depth} fields deep; at most {MaxDepth} are allowed.", [(deepest?.Span ?? operation.Span).Location]).WithCode(DepthCode));
        }

        var cost = new CostAnalysis(this, schema, fragments, variables, errors).Of(root, operation.SelectionSet, null, 1);
        if (cost > MaxCost)
        {
            // Counting stops past the ceiling: a deep query's cost is "more than" it, never an overflowed number.
            var said = cost >= CostCeiling ? $"more than {CostCeiling - 1}" : cost.ToString(System.Globalization.CultureInfo.InvariantCulture);
            errors.Add(new GraphQLError($"The query costs {said}; at most {MaxCost} is allowed.", [operation.Span.Location])
            {
                Extensions = new Dictionary<string, object?> { ["code"] = CostCode, ["cost"] = cost, ["maxCost"] = MaxCost },
            });
        }

        return (errors, cost);
    }

    private static int Aliases(SelectionSet set) => set.Selections.Sum(s => s switch
    {
        Field f => (f.Alias is null ? 0 : 1) + (f.SelectionSet is { } inner ? Aliases(inner) : 0),
        InlineFragment i => Aliases(i.SelectionSet),
        _ => 0,
    });

    /// <summary>Finds the deepest data field (fields nested in fields, through fragments, introspection left out) and its depth.</summary>
    private static void Depth(SelectionSet set, Dictionary<string, FragmentDefinition> fragments, int level, HashSet<string> visiting, ref int best, ref Field? deepest)
    {
        foreach (var selection in set.Selections)
        {
            switch (selection)
            {
                case Field { Name.Value: "__schema" or "__type" }:
                    break;
                case Field field:
                    if (level > best)
                    {
                        (best, deepest) = (level, field);
                    }

                    if (field.SelectionSet is { } inner)
                    {
                        Depth(inner, fragments, level + 1, visiting, ref best, ref deepest);
                    }

                    break;
                case InlineFragment inline:
                    Depth(inline.SelectionSet, fragments, level, visiting, ref best, ref deepest);
                    break;
                case FragmentSpread spread when fragments.TryGetValue(spread.Name.Value, out var fragment) && visiting.Add(spread.Name.Value):
                    Depth(fragment.SelectionSet, fragments, level, visiting, ref best, ref deepest);
                    visiting.Remove(spread.Name.Value);
                    break;
            }
        }
    }

    /// <summary>Where counting stops: a cost at or over it is only "too much" (the products of list sizes overflow otherwise).</summary>
    internal long CostCeiling => (MaxCost * 10L) + 1;
}
