using Idarati.GraphQL.Execution;
using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Validation;

/// <summary>
/// What one request may cost. Depth counts nested fields (through fragments); aliases count aliased fields; cost adds one
/// per field and multiplies what a paged field selects by its page size (its <c>first</c> or <c>last</c> argument, else
/// that argument's default) and what another list selects by <see cref="DefaultListSize"/> (but not the lists of a page,
/// such as a connection's nodes, which hold that page). Each refusal is a GraphQL error with its own code.
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
    public IReadOnlyList<GraphQLError> Check(Schema schema, Document document, string? operationName, IReadOnlyDictionary<string, object?>? variables)
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
            return [];
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

        var cost = Cost(schema, root, operation.SelectionSet, fragments, variables, [], pageOfParent: false);
        if (cost > MaxCost)
        {
            // Counting stops past the ceiling: a deep query's cost is "more than" it, never an overflowed number.
            var said = cost >= CostCeiling ? $"more than {CostCeiling - 1}" : cost.ToString(System.Globalization.CultureInfo.InvariantCulture);
            errors.Add(new GraphQLError($"The query costs {said}; at most {MaxCost} is allowed.", [operation.Span.Location])
            {
                Extensions = new Dictionary<string, object?> { ["code"] = CostCode, ["cost"] = cost, ["maxCost"] = MaxCost },
            });
        }

        return errors;
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

    /// <summary>Where counting stops: a cost at or over it is only "too much" (the products of page sizes overflow otherwise).</summary>
    private long CostCeiling => (MaxCost * 10L) + 1;

    /// <param name="pageOfParent">The set belongs to a field that took a page size: its lists (a connection's nodes) hold that page, not more.</param>
    private long Cost(Schema schema, NamedGraphType parent, SelectionSet set, Dictionary<string, FragmentDefinition> fragments,
        IReadOnlyDictionary<string, object?>? variables, HashSet<string> visiting, bool pageOfParent)
    {
        long total = 0;
        foreach (var selection in set.Selections)
        {
            switch (selection)
            {
                case Field field:
                    var definition = (parent as FieldsGraphType)?.Field(field.Name.Value);
                    total++;
                    if (definition is null || field.SelectionSet is null)
                    {
                        break;
                    }

                    var paged = definition.Arguments.Any(a => a.Name is "first" or "last");
                    var inner = Cost(schema, definition.Type.Unwrap(), field.SelectionSet, fragments, variables, visiting, paged);
                    // inner is at most the ceiling and a page size at most int.MaxValue: the product fits a long.
                    total += paged ? inner * PageSize(field, definition, variables)
                        : ContainsList(definition.Type) && !pageOfParent ? inner * DefaultListSize
                        : inner;
                    break;
                case InlineFragment inline:
                    total += Cost(schema, inline.TypeCondition is { } c ? schema.Type(c.Name.Value) ?? parent : parent, inline.SelectionSet, fragments, variables, visiting, pageOfParent);
                    break;
                case FragmentSpread spread when fragments.TryGetValue(spread.Name.Value, out var fragment) && visiting.Add(spread.Name.Value):
                    total += Cost(schema, schema.Type(fragment.TypeCondition.Name.Value) ?? parent, fragment.SelectionSet, fragments, variables, visiting, pageOfParent);
                    visiting.Remove(spread.Name.Value);
                    break;
            }

            if (total >= CostCeiling)
            {
                return CostCeiling;
            }
        }

        return total;
    }

    private static bool ContainsList(GraphType type) => type switch
    {
        NonNullGraphType n => ContainsList(n.OfType),
        ListGraphType => true,
        _ => false,
    };

    private long PageSize(Field field, FieldDefinition definition, IReadOnlyDictionary<string, object?>? variables)
    {
        foreach (var name in new[] { "first", "last" })
        {
            var argument = field.Arguments.FirstOrDefault(a => a.Name.Value == name);
            var declared = definition.Arguments.FirstOrDefault(a => a.Name == name);
            if (argument is not null && declared is not null && Values.TryFromLiteral(argument.Value, declared.Type, variables, out var value) && value is int n)
            {
                return Math.Max(n, 1);
            }

            if (declared is { HasDefault: true, DefaultValue: int d })
            {
                return Math.Max(d, 1);
            }
        }

        return DefaultListSize;
    }
}
