using System.Globalization;

namespace Idarati.GraphQL.Types;

/// <summary>
/// <c>@listSize</c> of the IBM GraphQL Cost Directives specification on a field: how many items a list field returns, as
/// the value of one of its slicing arguments or else <see cref="AssumedSize"/>; <see cref="SizedFields"/> names the
/// fields of the returned object that hold the items (a connection's <c>edges</c> and <c>nodes</c>) when the field
/// itself is not a list; <see cref="RequireOneSlicingArgument"/> refuses a request that gives none or several.
/// </summary>
public sealed record ListSize(int? AssumedSize = null, IReadOnlyList<string>? SlicingArguments = null, IReadOnlyList<string>? SizedFields = null, bool RequireOneSlicingArgument = true);

/// <summary>
/// The IBM GraphQL Cost Directives (<c>@cost</c>, <c>@listSize</c>) as they are declared in a schema's SDL. A schema
/// that uses them lists <see cref="All"/> among its directives; their applications are <see cref="FieldDefinition.Cost"/>,
/// <see cref="FieldDefinition.ListSize"/>, <see cref="InputValueDefinition.Cost"/> and <see cref="NamedGraphType.Cost"/>,
/// printed in the SDL and read by the cost limit (Validation/Limits.cs).
/// </summary>
public static class CostDirectives
{
    public static DirectiveDefinition Cost { get; } = new("cost",
        [DirectiveLocation.ARGUMENT_DEFINITION, DirectiveLocation.ENUM, DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.INPUT_FIELD_DEFINITION, DirectiveLocation.OBJECT, DirectiveLocation.SCALAR],
        "The weight a field, argument, input field or type adds to a request's cost each time it appears (IBM GraphQL Cost Directives).")
    {
        Arguments = [new InputValueDefinition("weight", Scalars.String.NonNull, "A number, as a string so that it may have decimals.")],
    };

    public static DirectiveDefinition ListSize { get; } = new("listSize", [DirectiveLocation.FIELD_DEFINITION],
        "How many items a list field returns, for the cost of a request (IBM GraphQL Cost Directives).")
    {
        Arguments =
        [
            new InputValueDefinition("assumedSize", Scalars.Int, "The size when no slicing argument gives it."),
            new InputValueDefinition("slicingArguments", new ListGraphType(Scalars.String.NonNull), "The arguments whose value is the size."),
            new InputValueDefinition("sizedFields", new ListGraphType(Scalars.String.NonNull), "The fields of the returned object that hold the items, when the field itself is not the list."),
            new InputValueDefinition("requireOneSlicingArgument", Scalars.Boolean, "Whether a request must give exactly one slicing argument.").WithDefault(true),
        ],
    };

    public static IReadOnlyList<DirectiveDefinition> All { get; } = [Cost, ListSize];

    /// <summary>A weight as the directive's string spells it (invariant, no exponent: "10", "2.5").</summary>
    public static string Weight(double weight) => weight.ToString("0.###############", CultureInfo.InvariantCulture);

    /// <summary>The applications on an element, in SDL: <c> @cost(weight: "10") @listSize(...)</c>.</summary>
    internal static string Applied(double? cost, ListSize? listSize)
    {
        var text = cost is { } weight ? $" @cost(weight: \"{Weight(weight)}\")" : "";
        if (listSize is null)
        {
            return text;
        }

        var arguments = new List<string>();
        if (listSize.AssumedSize is { } assumed)
        {
            arguments.Add($"assumedSize: {assumed.ToString(CultureInfo.InvariantCulture)}");
        }

        if (listSize.SlicingArguments is { } slicing)
        {
            arguments.Add($"slicingArguments: [{string.Join(", ", slicing.Select(Language.Printer.String))}]");
        }

        if (listSize.SizedFields is { } sized)
        {
            arguments.Add($"sizedFields: [{string.Join(", ", sized.Select(Language.Printer.String))}]");
        }

        if (!listSize.RequireOneSlicingArgument)
        {
            arguments.Add("requireOneSlicingArgument: false");
        }

        return text + " @listSize" + (arguments.Count > 0 ? $"({string.Join(", ", arguments)})" : "");
    }
}
