using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Tests;

public sealed class SchemaTests
{
    private static readonly ScalarGraphType DateTime = new("DateTime", null, v => v, v => v, l => l, "https://tools.ietf.org/html/rfc3339");

    /// <summary>
    /// The schema of Expected/printed-by-graphql-js.graphql, built in code (internal: the conformance test reuses it). That file is graphql-js 16's own output:
    /// <c>node -e "const g=require('graphql'),fs=require('fs');process.stdout.write(g.printSchema(g.buildSchema(fs.readFileSync('f.graphql','utf8'))))"</c>.
    /// </summary>
    internal static Schema TestSchema()
    {
        var kind = new EnumGraphType("Kind", "Kinds of complaints",
            [new("COMPLAINT"), new("OBSERVATION", Description: "A remark"), new("SUGGESTION", DeprecationReason: "Merged into OBSERVATION")]);
        var scope = new EnumGraphType("Scope", null, [new("PUBLIC"), new("PRIVATE")]);
        var direction = new EnumGraphType("Direction", null, [new("ASC"), new("DESC")]);
        var node = new InterfaceGraphType("Node");
        node.AddFields(new FieldDefinition("id", Scalars.ID.NonNull));
        var versioned = new InterfaceGraphType("Versioned", "An entity with a version");
        versioned.Implements(node).AddFields(new FieldDefinition("id", Scalars.ID.NonNull), new FieldDefinition("version", Scalars.Int.NonNull));
        var complaint = new ObjectGraphType("Complaint");
        complaint.Implements(node, versioned).AddFields(
            new FieldDefinition("id", Scalars.ID.NonNull), new FieldDefinition("version", Scalars.Int.NonNull), new FieldDefinition("kind", kind.NonNull),
            new FieldDefinition("submittedAt", DateTime), new FieldDefinition("score", Scalars.Float));
        var ticket = new ObjectGraphType("Ticket");
        ticket.Implements(node).AddFields(new FieldDefinition("id", Scalars.ID.NonNull));
        var searchResult = new UnionGraphType("SearchResult", null, [complaint, ticket]);
        var filter = new InputObjectGraphType("ComplaintFilter").AddFields(
            new InputValueDefinition("status", Scalars.String).WithDefault("open"),
            new InputValueDefinition("kinds", new ListGraphType(kind.NonNull)),
            new InputValueDefinition("minScore", Scalars.Float, "  leading spaces").WithDefault(1.5),
            new InputValueDefinition("limit", Scalars.Int).WithDefault(3));
        var order = new InputObjectGraphType("Order").AddFields(new InputValueDefinition("submittedAt", direction));
        var byId = new InputObjectGraphType("ById", isOneOf: true).AddFields(new InputValueDefinition("id", Scalars.ID), new InputValueDefinition("trackingNumber", Scalars.String));
        var root = new ObjectGraphType("Root", "The root of every query");
        root.AddFields(
            new FieldDefinition("complaint", complaint, "One complaint, by id.\nAgents see only their administration's.") { Arguments = [new("id", Scalars.ID.NonNull)] },
            new FieldDefinition("complaints", new NonNullGraphType(new ListGraphType(complaint.NonNull)))
            {
                Arguments =
                [
                    new InputValueDefinition("first", Scalars.Int).WithDefault(20),
                    new InputValueDefinition("where", filter),
                    new InputValueDefinition("order", new ListGraphType(order.NonNull)).WithDefault(new List<object?> { new Dictionary<string, object?> { ["submittedAt"] = "DESC" } }),
                ],
            },
            new FieldDefinition("search", new ListGraphType(searchResult))
            {
                Arguments =
                [
                    new InputValueDefinition("text", Scalars.String).WithDefault("a \"quoted\" word\n"),
                    new InputValueDefinition("kinds", new ListGraphType(kind.NonNull)).WithDefault(new[] { "COMPLAINT", "SUGGESTION" }),
                ],
            },
            new FieldDefinition("legacy", Scalars.String, DeprecationReason: SpecifiedDirectives.DefaultDeprecationReason),
            new FieldDefinition("old", Scalars.Int, DeprecationReason: "Use `complaints`.")
            {
                Arguments = [new("count", Scalars.Int, "how many"), new InputValueDefinition("flag", Scalars.Boolean, DeprecationReason: "Use count").WithDefault(true)],
            });
        var mutation = new ObjectGraphType("Mutation");
        mutation.AddFields(new FieldDefinition("find", complaint) { Arguments = [new("by", byId.NonNull)] });
        var cached = new DirectiveDefinition("cached", [DirectiveLocation.FIELD_DEFINITION, DirectiveLocation.OBJECT], "A directive for tests", IsRepeatable: true)
        {
            Arguments = [new InputValueDefinition("ttl", Scalars.Int, "seconds").WithDefault(60), new InputValueDefinition("scope", scope).WithDefault("PUBLIC")],
        };
        return new Schema(root, mutation, types: [root, node, versioned, complaint, ticket, searchResult, kind, scope, direction, filter, order, byId, DateTime, mutation],
            directives: [cached]);
    }

    [Fact]
    public void The_printed_schema_is_the_text_graphql_js_prints_for_the_same_schema()
    {
        var expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Expected", "printed-by-graphql-js.graphql"));
        Assert.Equal(expected, SchemaPrinter.Print(TestSchema()));
    }

    [Fact]
    public void The_schema_knows_its_types_and_what_implements_its_interfaces()
    {
        var schema = TestSchema();
        Assert.Equal(["Complaint", "Ticket"], schema.PossibleTypes(schema.Type("Node")!).Select(t => t.Name));
        Assert.Equal(["Complaint"], schema.PossibleTypes(schema.Type("Versioned")!).Select(t => t.Name));
        Assert.Contains(schema.Types, t => t.Name == "Boolean");
        Assert.True(schema.IsSubType(new NonNullGraphType(schema.Type("Complaint")!), schema.Type("Node")!));
        Assert.False(schema.IsSubType(schema.Type("Ticket")!, schema.Type("Versioned")!));
    }

    [Fact]
    public void A_schema_with_broken_rules_is_refused_with_every_reason()
    {
        var node = new InterfaceGraphType("Node");
        node.AddFields(new FieldDefinition("id", Scalars.ID.NonNull) { Arguments = [new("full", Scalars.Boolean)] });
        var input = new InputObjectGraphType("In").AddFields(new InputValueDefinition("x", Scalars.Int));
        var bad = new ObjectGraphType("Bad");
        bad.Implements(node).AddFields(
            new FieldDefinition("id", Scalars.ID) { Arguments = [new("extra", Scalars.Int.NonNull)] },
            new FieldDefinition("__secret", Scalars.String),
            new FieldDefinition("wrong", input));
        var query = new ObjectGraphType("Query");
        query.AddFields(new FieldDefinition("bad", bad), new FieldDefinition("twin", new ObjectGraphType("Bad")));

        var error = Assert.Throws<InvalidSchemaException>(() => new Schema(query));
        Assert.Contains("Interface field Node.id expects type ID! but Bad.id is type ID.", error.Errors);
        Assert.Contains("Interface field argument Node.id(full:) expected but Bad.id does not provide it.", error.Errors);
        Assert.Contains("Argument \"Bad.id(extra:)\" must not be required type \"Int!\" if not provided by the Interface field \"Node.id\".", error.Errors);
        Assert.Contains("Name \"Bad.__secret\" must not begin with \"__\", which is reserved by GraphQL introspection.", error.Errors);
        Assert.Contains("The type of Bad.wrong must be Output Type but got: In.", error.Errors);
        Assert.Contains("Schema must contain uniquely named types but contains multiple types named \"Bad\".", error.Errors);
        Assert.Throws<ArgumentException>(() => new EnumGraphType("E", null, [new("true")]));
        Assert.Throws<ArgumentException>(() => new ObjectGraphType("has-dash"));
    }
}
