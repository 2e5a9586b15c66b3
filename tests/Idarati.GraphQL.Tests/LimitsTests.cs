using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;
using Idarati.GraphQL.Validation;

namespace Idarati.GraphQL.Tests;

/// <summary>The query limits on documents far past them: the figures they report stay true.</summary>
public sealed class LimitsTests
{
    private static Schema TreeSchema()
    {
        var tree = new ObjectGraphType("Tree");
        tree.AddFields(
            new FieldDefinition("name", Scalars.String),
            new FieldDefinition("children", new ListGraphType(tree.NonNull)) { Arguments = [new InputValueDefinition("first", Scalars.Int).WithDefault(10)] });
        var query = new ObjectGraphType("Query");
        query.AddFields(new FieldDefinition("tree", tree));
        return new Schema(query);
    }

    [Theory]
    [InlineData(2, "children(first: 200)", 40_202)]
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
}
