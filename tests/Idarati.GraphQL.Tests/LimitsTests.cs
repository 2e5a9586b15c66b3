using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;
using Idarati.GraphQL.Validation;

namespace Idarati.GraphQL.Tests;

/// <summary>
/// The query limits on documents far past them (the figures they report stay true), and the cost as the IBM GraphQL Cost
/// Directives declare it: weights of fields, types, arguments and input fields, list sizes from slicing arguments, assumed
/// sizes and sized fields, the slicing argument a field requires, and the directives in the SDL.
/// </summary>
public sealed class LimitsTests
{
    private static Schema TreeSchema()
    {
        var tree = new ObjectGraphType("Tree");
        tree.AddFields(
            new FieldDefinition("name", Scalars.String) { Cost = 1 },
            new FieldDefinition("children", new ListGraphType(tree.NonNull))
            {
                Arguments = [new InputValueDefinition("first", Scalars.Int).WithDefault(10)],
                ListSize = new ListSize(SlicingArguments: ["first"], RequireOneSlicingArgument: false),
            });
        var query = new ObjectGraphType("Query");
        query.AddFields(new FieldDefinition("tree", tree));
        return new Schema(query);
    }

    [Theory]
    // tree 1 + 200 × (children 1 + 200 × (children 1 + name 1)).
    [InlineData(2, "children(first: 200)", 80_201)]
    [InlineData(200, "children(first: 200)", -1)]
    [InlineData(200, "children", -1)]
    public void A_query_far_over_the_cost_says_so_without_overflowing(int levels, string field, long exact)
    {
        var text = "{ tree { " + string.Concat(Enumerable.Repeat(field + " { ", levels)) + "name" + new string('}', levels + 1).Replace("}", " }") + " }";
        var limits = new QueryLimits(MaxDepth: 1000);
        var errors = limits.Check(TreeSchema(), Parser.Parse(text), null, null);

        var cost = Assert.Single(errors, e => e.Code == QueryLimits.CostCode);
        var reported = (long)cost.Extensions["cost"]!;
        Assert.True(reported > limits.MaxCost, cost.Message);
        if (exact > 0)
        {
            Assert.Equal(exact, reported);
            Assert.Contains($"costs {exact};", cost.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal((limits.MaxCost * 10L) + 1, reported);
            Assert.Contains($"costs more than {limits.MaxCost * 10L};", cost.Message, StringComparison.Ordinal);
        }
    }

    private static Schema Catalogue()
    {
        var money = new ScalarGraphType("Money", null, v => v, v => v, l => l is IntValue i ? int.Parse(i.Text, System.Globalization.CultureInfo.InvariantCulture) : null) { Cost = 3 };
        var office = new ObjectGraphType("Office") { Cost = 5 };
        office.AddFields(new FieldDefinition("name", Scalars.String), new FieldDefinition("budget", money));
        var filter = new InputObjectGraphType("OfficeFilter").AddFields(
            new InputValueDefinition("name", Scalars.String), new InputValueDefinition("fullText", Scalars.String) { Cost = 20 });
        var connection = new ObjectGraphType("OfficeConnection");
        connection.AddFields(new FieldDefinition("nodes", new ListGraphType(office.NonNull)), new FieldDefinition("totalCount", Scalars.Int) { Cost = 10 });
        var query = new ObjectGraphType("Query");
        query.AddFields(
            new FieldDefinition("offices", connection.NonNull)
            {
                Arguments = [new InputValueDefinition("first", Scalars.Int), new InputValueDefinition("last", Scalars.Int), new InputValueDefinition("where", filter)],
                ListSize = new ListSize(AssumedSize: 50, SlicingArguments: ["first", "last"], SizedFields: ["nodes"]),
            },
            new FieldDefinition("nearby", new ListGraphType(office.NonNull)) { Cost = 2, ListSize = new ListSize(AssumedSize: 4, RequireOneSlicingArgument: false) },
            new FieldDefinition("anyOffices", new ListGraphType(office.NonNull)),
            new FieldDefinition("audit", Scalars.Boolean) { Arguments = [new InputValueDefinition("deep", Scalars.Boolean) { Cost = 7 }] });
        return new Schema(query);
    }

    private static (long Cost, IReadOnlyList<Idarati.GraphQL.Execution.GraphQLError> Errors) Measure(string text, IReadOnlyDictionary<string, object?>? variables = null)
    {
        var (errors, cost) = new QueryLimits().Measure(Catalogue(), Parser.Parse(text), null, variables);
        return (cost, errors);
    }

    [Theory]
    // offices (object 1) + nodes sized by first: 20 × (Office 5 + budget's Money 3).
    [InlineData("{ offices(first: 20) { nodes { name budget } } }", 161)]
    // A variable's value sizes it the same way; totalCount weighs 10 once.
    [InlineData("query($n: Int) { offices(last: $n) { totalCount nodes { name } } }", 1 + 10 + (7 * 5))]
    // Input fields given weigh their @cost: fullText 20.
    [InlineData("{ offices(first: 1, where: { fullText: \"santé\" }) { nodes { name } } }", 1 + 20 + 5)]
    // No slicing argument: the assumed size, 4 items of the field's own weight 2, each an Office of 5.
    [InlineData("{ nearby { name } }", 4 * (2 + 0))]
    // A list without @listSize: the default size, 10.
    [InlineData("{ anyOffices { name } }", 10 * 5)]
    // An argument given weighs its @cost.
    [InlineData("{ audit(deep: true) }", 7)]
    [InlineData("{ audit }", 0)]
    public void The_cost_is_what_the_schema_declares(string query, long expected)
    {
        var (cost, errors) = Measure(query, new Dictionary<string, object?> { ["n"] = 7 });
        Assert.Empty(errors);
        Assert.Equal(expected, cost);
    }

    [Theory]
    [InlineData("{ offices { nodes { name } } }", 0)]
    [InlineData("{ offices(first: 2, last: 2) { nodes { name } } }", 2)]
    public void A_field_that_requires_one_slicing_argument_refuses_none_and_several(string query, int given)
    {
        var (_, errors) = Measure(query);
        var error = Assert.Single(errors);
        Assert.Equal("GRAPHQL_VALIDATION_FAILED", error.Code);
        Assert.Contains($"{given} were given", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sdl_declares_and_applies_the_directives_and_a_wrong_list_size_refuses_the_schema()
    {
        var sdl = SchemaPrinter.Print(Catalogue());
        Assert.Contains("directive @cost(\n", sdl, StringComparison.Ordinal);
        Assert.Contains("directive @listSize(", sdl, StringComparison.Ordinal);
        Assert.Contains("scalar Money @cost(weight: \"3\")", sdl, StringComparison.Ordinal);
        Assert.Contains("type Office @cost(weight: \"5\") {", sdl, StringComparison.Ordinal);
        Assert.Contains("fullText: String @cost(weight: \"20\")", sdl, StringComparison.Ordinal);
        Assert.Contains("offices(first: Int, last: Int, where: OfficeFilter): OfficeConnection! @listSize(assumedSize: 50, slicingArguments: [\"first\", \"last\"], sizedFields: [\"nodes\"])", sdl, StringComparison.Ordinal);
        Assert.Contains("nearby: [Office!] @cost(weight: \"2\") @listSize(assumedSize: 4, requireOneSlicingArgument: false)", sdl, StringComparison.Ordinal);

        var query = new ObjectGraphType("Query");
        query.AddFields(new FieldDefinition("one", Scalars.String) { Arguments = [new InputValueDefinition("first", Scalars.String)], ListSize = new ListSize(SlicingArguments: ["first", "count"]) });
        var refused = Assert.Throws<InvalidSchemaException>(() => new Schema(query));
        Assert.Equal(3, refused.Errors.Count);
    }
}
