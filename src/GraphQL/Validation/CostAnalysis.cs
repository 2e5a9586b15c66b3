using System.Collections;
using Idarati.GraphQL.Execution;
using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Validation;

/// <summary>
/// A request's cost from the schema's @cost and @listSize (IBM GraphQL Cost Directives), as <see cref="QueryLimits"/>
/// states it; counting stops at the limits' ceiling, so a deep query is only "too much", never an overflowed number.
/// </summary>
internal sealed class CostAnalysis(QueryLimits limits, Schema schema, Dictionary<string, FragmentDefinition> fragments,
    IReadOnlyDictionary<string, object?>? variables, List<GraphQLError> errors)
{
    private readonly HashSet<string> _visiting = new(StringComparer.Ordinal);

    /// <param name="sizedFields">The fields of this set a parent's @listSize sizes (a connection's edges and nodes).</param>
    /// <param name="size">Their size.</param>
    public long Of(NamedGraphType parent, SelectionSet set, IReadOnlyList<string>? sizedFields, long size)
    {
        long total = 0;
        foreach (var selection in set.Selections)
        {
            total += selection switch
            {
                Field field => Field(parent, field, sizedFields, size),
                InlineFragment inline => Of(inline.TypeCondition is { } c ? schema.Type(c.Name.Value) ?? parent : parent, inline.SelectionSet, sizedFields, size),
                FragmentSpread spread when fragments.TryGetValue(spread.Name.Value, out var fragment) && _visiting.Add(spread.Name.Value) => Spread(parent, fragment, sizedFields, size),
                _ => 0,
            };
            if (total >= limits.CostCeiling)
            {
                return limits.CostCeiling;
            }
        }

        return total;
    }

    private long Spread(NamedGraphType parent, FragmentDefinition fragment, IReadOnlyList<string>? sizedFields, long size)
    {
        var cost = Of(schema.Type(fragment.TypeCondition.Name.Value) ?? parent, fragment.SelectionSet, sizedFields, size);
        _visiting.Remove(fragment.Name.Value);
        return cost;
    }

    private long Field(NamedGraphType parent, Field field, IReadOnlyList<string>? sizedFields, long parentSize)
    {
        if (field.Name.Value is "__schema" or "__type" or "__typename" || (parent as FieldsGraphType)?.Field(field.Name.Value) is not { } definition)
        {
            return 0;
        }

        var named = definition.Type.Unwrap();
        var weight = definition.Cost ?? named.Cost ?? (named is FieldsGraphType or UnionGraphType ? 1 : 0);
        weight += Arguments(field, definition);
        var listSize = definition.ListSize;
        var size = listSize is not null || IsList(definition.Type) ? Size(field, definition) : 1;
        long inner = 0;
        if (field.SelectionSet is { } set)
        {
            inner = listSize?.SizedFields is { Count: > 0 } sized ? Of(named, set, sized, size) : Of(named, set, null, 1);
        }

        // A field the parent's @listSize sizes holds that many items; a list field without sizedFields holds its own size.
        var multiplier = sizedFields?.Contains(field.Name.Value) == true ? parentSize : listSize?.SizedFields is { Count: > 0 } ? 1 : size;
        var cost = (long)Math.Ceiling(weight) + inner;
        return cost >= limits.CostCeiling || multiplier >= limits.CostCeiling || cost * multiplier >= limits.CostCeiling ? limits.CostCeiling : cost * multiplier;
    }

    private static bool IsList(GraphType type) => type switch
    {
        NonNullGraphType n => IsList(n.OfType),
        ListGraphType => true,
        _ => false,
    };

    /// <summary>The largest slicing argument given, else the assumed size, else a slicing argument's default, else the default list size.</summary>
    private long Size(Field field, FieldDefinition definition)
    {
        var slicing = definition.ListSize?.SlicingArguments ?? [];
        var given = new List<long>();
        foreach (var name in slicing)
        {
            var argument = field.Arguments.FirstOrDefault(a => a.Name.Value == name);
            var declared = definition.Arguments.FirstOrDefault(a => a.Name == name);
            if (argument is not null && declared is not null && Values.TryFromLiteral(argument.Value, declared.Type, variables, out var value) && value is int n)
            {
                given.Add(Math.Max(n, 0));
            }
        }

        if (definition.ListSize is { RequireOneSlicingArgument: true } && slicing.Count > 0 && given.Count != 1)
        {
            errors.Add(new GraphQLError($"Field \"{definition.Name}\" takes exactly one of its slicing arguments ({string.Join(", ", slicing)}); {given.Count} were given.",
                [field.Span.Location]).WithCode(ErrorCodes.ValidationFailed));
        }

        if (given.Count > 0)
        {
            return given.Max();
        }

        if (definition.ListSize?.AssumedSize is { } assumed)
        {
            return assumed;
        }

        return slicing.Select(name => definition.Arguments.FirstOrDefault(a => a.Name == name)).FirstOrDefault(a => a is { HasDefault: true, DefaultValue: int }) is { DefaultValue: int d }
            ? d
            : limits.DefaultListSize;
    }

    /// <summary>The weights of the arguments given and, inside their values, of the input fields given.</summary>
    private double Arguments(Field field, FieldDefinition definition)
    {
        double weight = 0;
        foreach (var argument in field.Arguments)
        {
            if (definition.Arguments.FirstOrDefault(a => a.Name == argument.Name.Value) is not { } declared)
            {
                continue;
            }

            weight += declared.Cost ?? 0;
            if (Values.TryFromLiteral(argument.Value, declared.Type, variables, out var value))
            {
                weight += InputFields(declared.Type, value);
            }
        }

        return weight;
    }

    private static double InputFields(GraphType type, object? value) => (type is NonNullGraphType n ? n.OfType : type, value) switch
    {
        (ListGraphType list, IEnumerable items and not string) => items.Cast<object?>().Sum(item => InputFields(list.OfType, item)),
        (InputObjectGraphType input, IReadOnlyDictionary<string, object?> fields) =>
            input.Fields.Where(f => fields.ContainsKey(f.Name)).Sum(f => (f.Cost ?? 0) + InputFields(f.Type, fields[f.Name])),
        _ => 0,
    };
}
