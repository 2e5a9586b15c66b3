using System.Text.Json;
using Idarati.GraphQL.Execution;
using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Tests;

public sealed class ExecutorTests
{
    private sealed record Complaint(string Id, string Subject, string Status, int Version, string? Owner = null);

    private sealed record Ticket(string Id, string Topic);

    private static readonly Complaint[] Complaints = [new("c1", "Attente", "open", 2, "MIN-SANTE"), new("c2", "Retard", "closed", 5)];

    private readonly List<string> _calls = [];

    private Schema BuildSchema()
    {
        var status = new EnumGraphType("Status", null, [new("OPEN", "open"), new("CLOSED", "closed")]);
        var node = new InterfaceGraphType("Node") { ResolveType = v => v is Complaint ? "Complaint" : v is Ticket ? "Ticket" : null };
        node.AddFields(new FieldDefinition("id", Scalars.ID.NonNull));
        var complaint = new ObjectGraphType("Complaint") { IsTypeOf = v => v is Complaint };
        complaint.Implements(node).AddFields(
            new FieldDefinition("id", Scalars.ID.NonNull),
            new FieldDefinition("subject", Scalars.String),
            new FieldDefinition("status", status.NonNull),
            new FieldDefinition("version", Scalars.Int.NonNull),
            new FieldDefinition("owner", Scalars.String.NonNull),
            new FieldDefinition("broken", Scalars.String) { Resolve = _ => throw new InvalidOperationException("The archive is unreachable.") },
            new FieldDefinition("huge", Scalars.Int) { Resolve = _ => ValueTask.FromResult<object?>(5_000_000_000L) });
        var ticket = new ObjectGraphType("Ticket") { IsTypeOf = v => v is Ticket };
        ticket.Implements(node).AddFields(new FieldDefinition("id", Scalars.ID.NonNull), new FieldDefinition("topic", Scalars.String));
        var item = new UnionGraphType("Item", null, [complaint, ticket]);
        var filter = new InputObjectGraphType("Filter").AddFields(
            new InputValueDefinition("status", status), new InputValueDefinition("minVersion", Scalars.Int).WithDefault(0));
        var by = new InputObjectGraphType("By", isOneOf: true).AddFields(new InputValueDefinition("id", Scalars.ID), new InputValueDefinition("subject", Scalars.String));
        var query = new ObjectGraphType("Query");
        query.AddFields(
            new FieldDefinition("complaint", complaint) { Arguments = [new("id", Scalars.ID.NonNull)], Resolve = c => Slow(() => Complaints.FirstOrDefault(x => x.Id == c.Argument<string>("id"))) },
            new FieldDefinition("complaints", new NonNullGraphType(new ListGraphType(complaint.NonNull)))
            {
                Arguments = [new InputValueDefinition("where", filter).WithDefault(new Dictionary<string, object?> { ["minVersion"] = 0 }), new InputValueDefinition("first", Scalars.Int).WithDefault(10)],
                Resolve = c =>
                {
                    var where = c.Argument<IReadOnlyDictionary<string, object?>>("where")!;
                    var found = Complaints.Where(x => (where.GetValueOrDefault("status") is not string s || x.Status == s) && x.Version >= (int)where["minVersion"]!).Take(c.Argument<int>("first"));
                    return ValueTask.FromResult<object?>(found.ToList());
                },
            },
            new FieldDefinition("find", complaint) { Arguments = [new("by", by.NonNull)], Resolve = c => ValueTask.FromResult<object?>(Complaints[0]) },
            new FieldDefinition("items", new ListGraphType(item)) { Resolve = _ => ValueTask.FromResult<object?>(new object[] { Complaints[0], new Ticket("t1", "Procédure") }) },
            new FieldDefinition("nodes", new ListGraphType(node)) { Resolve = _ => ValueTask.FromResult<object?>(new object[] { new Ticket("t2", "Autre"), Complaints[1] }) },
            new FieldDefinition("strictList", new ListGraphType(complaint.NonNull)) { Resolve = _ => ValueTask.FromResult<object?>(Complaints) },
            new FieldDefinition("mustHave", Scalars.String.NonNull) { Resolve = _ => ValueTask.FromResult<object?>(null) },
            new FieldDefinition("echo", Scalars.String) { Arguments = [new("text", Scalars.String)], Resolve = c => ValueTask.FromResult<object?>(c.Argument<string>("text")) },
            new FieldDefinition("slowA", Scalars.String) { Resolve = _ => Record("slowA", 80) },
            new FieldDefinition("slowB", Scalars.String) { Resolve = _ => Record("slowB", 1) });
        var mutation = new ObjectGraphType("Mutation");
        mutation.AddFields(
            new FieldDefinition("first", Scalars.String) { Resolve = _ => Record("first", 80) },
            new FieldDefinition("second", Scalars.String) { Resolve = _ => Record("second", 1) });
        return new Schema(query, mutation);
    }

    private static async ValueTask<object?> Slow(Func<object?> value)
    {
        await Task.Delay(1);
        return value();
    }

    private async ValueTask<object?> Record(string name, int delay)
    {
        lock (_calls)
        {
            _calls.Add("start " + name);
        }

        await Task.Delay(delay);
        lock (_calls)
        {
            _calls.Add("end " + name);
        }

        return name;
    }

    private async Task<(string Data, IReadOnlyList<GraphQLError> Errors, ExecutionResult Result)> RunAsync(string document, Dictionary<string, object?>? variables = null, string? operation = null)
    {
        var result = await Executor.ExecuteAsync(new ExecutionRequest(BuildSchema(), Parser.Parse(document)) { Variables = variables, OperationName = operation });
        return (JsonSerializer.Serialize(result.Data), result.Errors, result);
    }

    [Fact]
    public async Task Aliases_arguments_variables_fragments_and_directives_shape_the_data()
    {
        var (data, errors, _) = await RunAsync("""
            query Q($id: ID!, $hide: Boolean = true, $status: Status) {
              one: complaint(id: $id) { __typename id ...Parts subject @skip(if: $hide) }
              two: complaint(id: "c2") { ... on Complaint { status version } subject @include(if: false) }
              open: complaints(where: {status: $status}) { id }
              all: complaints(first: 1) { id }
              items { __typename ... on Ticket { topic } ... on Node { id } }
            }
            fragment Parts on Complaint { status owner }
            """, new() { ["id"] = "c1", ["status"] = "CLOSED" });

        Assert.Empty(errors);
        Assert.Equal("""
            {"one":{"__typename":"Complaint","id":"c1","status":"OPEN","owner":"MIN-SANTE"},"two":{"status":"CLOSED","version":5},"open":[{"id":"c2"}],"all":[{"id":"c1"}],"items":[{"__typename":"Complaint","id":"c1"},{"__typename":"Ticket","topic":"Proc\u00E9dure","id":"t1"}]}
            """, data);
    }

    private sealed record Person(string Name);

    private sealed record Office(int Floor, string Name);

    [Fact]
    public async Task A_field_read_from_sources_of_alternating_types_reads_each_ones_own_property()
    {
        // The executor keeps a field's property reader for the last source type; a source of another type, or a
        // dictionary, must not be read with it.
        var named = new ObjectGraphType("Named").AddFields(new FieldDefinition("name", Scalars.String), new FieldDefinition("floor", Scalars.Int));
        var query = new ObjectGraphType("Query").AddFields(new FieldDefinition("all", new ListGraphType(named))
        {
            Resolve = _ => ValueTask.FromResult<object?>(new object[]
            {
                new Person("Amina"), new Office(3, "Rabat"), new Dictionary<string, object?> { ["name"] = "Oujda", ["floor"] = 1 }, new Person("Youssef"), new Office(7, "Fès"),
            }),
        });
        var schema = new Schema((ObjectGraphType)query);

        for (var round = 0; round < 2; round++)
        {
            var result = await Executor.ExecuteAsync(new ExecutionRequest(schema, Parser.Parse("{ all { name floor } }")));
            Assert.Empty(result.Errors);
            Assert.Equal("""{"all":[{"name":"Amina","floor":null},{"name":"Rabat","floor":3},{"name":"Oujda","floor":1},{"name":"Youssef","floor":null},{"name":"F\u00E8s","floor":7}]}""",
                JsonSerializer.Serialize(result.Data));
        }
    }

    [Fact]
    public async Task A_field_error_nulls_the_nearest_nullable_field_and_is_reported_once_with_its_path()
    {
        var (data, errors, _) = await RunAsync("""
            {
              a: complaint(id: "c1") { id broken }
              b: complaint(id: "c2") { id owner }
              strictList { id owner }
              huge: complaint(id: "c1") { huge }
            }
            """);

        Assert.Equal("""{"a":{"id":"c1","broken":null},"b":null,"strictList":null,"huge":{"huge":null}}""", data);
        var byPath = errors.ToDictionary(e => string.Join('.', e.Path!));
        Assert.Equal("The archive is unreachable.", byPath["a.broken"].Message);
        Assert.Equal(new SourceLocation(2, 31), byPath["a.broken"].Locations!.Single());
        Assert.Equal("Cannot return null for non-nullable field Complaint.owner.", byPath["b.owner"].Message);
        Assert.Equal("Cannot return null for non-nullable field Complaint.owner.", byPath["strictList.1.owner"].Message);
        Assert.Equal("Int cannot represent non 32-bit signed integer value: 5000000000", byPath["huge.huge"].Message);
        Assert.All(errors, e => Assert.Equal(ErrorCodes.Internal, e.Code));
        Assert.Equal(4, errors.Count);
    }

    [Fact]
    public async Task A_non_null_root_field_that_fails_leaves_no_data()
    {
        var (data, errors, result) = await RunAsync("{ echo(text: \"x\") mustHave }");
        Assert.Equal("null", data);
        Assert.True(result.Executed);
        Assert.Equal("Cannot return null for non-nullable field Query.mustHave.", errors.Single().Message);
        Assert.Equal(["mustHave"], errors.Single().Path!);
    }

    [Fact]
    public async Task Mutation_fields_run_one_after_the_other_and_query_fields_together()
    {
        await RunAsync("mutation { first second }");
        Assert.Equal(["start first", "end first", "start second", "end second"], _calls);
        _calls.Clear();
        Assert.Equal("""{"slowA":"slowA","slowB":"slowB"}""", (await RunAsync("{ slowA slowB }")).Data);
        Assert.True(_calls.IndexOf("start slowB") < _calls.IndexOf("end slowA"), string.Join(", ", _calls));
    }

    [Theory]
    [InlineData("query ($id: ID!) { complaint(id: $id) { id } }", null, "Variable \"$id\" of required type \"ID!\" was not provided.")]
    [InlineData("query ($id: ID!) { complaint(id: $id) { id } }", "null", "Variable \"$id\" of non-null type \"ID!\" must not be null.")]
    [InlineData("query ($n: Int) { complaints(first: $n) { id } }", "\"3\"", "Variable \"$n\" got invalid value \"3\"; Int cannot represent non-integer value: \"3\"")]
    [InlineData("query ($n: Int) { complaints(first: $n) { id } }", "2.5", "Variable \"$n\" got invalid value 2.5; Int cannot represent non-integer value: 2.5")]
    [InlineData("query ($s: Status) { complaints(where: {status: $s}) { id } }", "\"PENDING\"", "Variable \"$s\" got invalid value \"PENDING\"; Value \"PENDING\" does not exist in \"Status\" enum.")]
    [InlineData("query ($f: Filter) { complaints(where: $f) { id } }", "{\"colour\": 1}", "Variable \"$f\" got invalid value { colour: 1 }; Field \"colour\" is not defined by type \"Filter\".")]
    [InlineData("query ($b: By!) { find(by: $b) { id } }", "{\"id\": \"c1\", \"subject\": \"x\"}", "Variable \"$b\" got invalid value { id: \"c1\", subject: \"x\" }; Exactly one key must be specified for OneOf type \"By\".")]
    public async Task Bad_variables_stop_the_request_before_anything_runs(string document, string? json, string message)
    {
        var variables = json is null ? new Dictionary<string, object?>() : new Dictionary<string, object?> { ["v"] = null };
        if (json is not null)
        {
            var name = document[(document.IndexOf('$', StringComparison.Ordinal) + 1)..document.IndexOf(':', StringComparison.Ordinal)];
            variables = new Dictionary<string, object?> { [name] = Idarati.GraphQL.Http.GraphQLHttp.FromJson(JsonDocument.Parse(json).RootElement) };
        }

        var (data, errors, result) = await RunAsync(document, variables);
        Assert.False(result.Executed);
        Assert.Equal("null", data);
        Assert.Equal(message, errors.Single().Message);
        Assert.Equal(ErrorCodes.BadUserInput, errors.Single().Code);
        Assert.Equal(new SourceLocation(1, 8), errors.Single().Locations!.Single());
    }

    [Fact]
    public async Task The_operation_is_chosen_by_name_when_there_are_several()
    {
        const string Document = "query A { echo(text: \"a\") } query B { echo(text: \"b\") }";
        Assert.Equal("""{"echo":"b"}""", (await RunAsync(Document, operation: "B")).Data);
        Assert.Equal("Must provide operation name if query contains multiple operations.", (await RunAsync(Document)).Errors.Single().Message);
        Assert.Equal("Unknown operation named \"C\".", (await RunAsync(Document, operation: "C")).Errors.Single().Message);
        Assert.Equal("""{"nodes":[{"__typename":"Ticket"},{"__typename":"Complaint"}]}""", (await RunAsync("{ nodes { __typename } }")).Data);
    }
}
