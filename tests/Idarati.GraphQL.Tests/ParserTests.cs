using Idarati.GraphQL.Language;

namespace Idarati.GraphQL.Tests;

public sealed class ParserTests
{
    private static GraphQLSyntaxException Fails(string document) => Assert.Throws<GraphQLSyntaxException>(() => Parser.Parse(document));

    [Fact]
    public void A_document_with_every_executable_construct_parses_to_its_tree()
    {
        var document = Parser.Parse(""""
            query Complaints($first: Int = 10, $where: [Filter!]! @deprecated, $on: Boolean) @live {
              page: complaints(first: $first, where: {status: OPEN, ids: [1, -2.5e3, "x", """block""", null, true]}) @include(if: $on) {
                ...Row
                ... on Complaint { id }
                ... @skip(if: false) { version }
              }
            }
            fragment Row on Complaint @dir { trackingNumber }
            { shorthand }
            mutation { answer(id: "1") { ok } }
            subscription S { changed }
            """");

        Assert.Equal(5, document.Definitions.Count);
        var query = Assert.IsType<OperationDefinition>(document.Definitions[0]);
        Assert.Equal((OperationType.Query, "Complaints"), (query.Operation, query.Name!.Value));
        Assert.Equal(["first", "where", "on"], query.VariableDefinitions.Select(v => v.Variable.Name.Value));
        Assert.Equal("[Filter!]!", query.VariableDefinitions[1].Type.ToString());
        Assert.Equal("10", Assert.IsType<IntValue>(query.VariableDefinitions[0].DefaultValue).Text);
        Assert.Equal("deprecated", query.VariableDefinitions[1].Directives.Single().Name.Value);
        Assert.Equal("live", query.Directives.Single().Name.Value);

        var field = Assert.IsType<Field>(query.SelectionSet.Selections.Single());
        Assert.Equal(("page", "complaints", "page"), (field.Alias!.Value, field.Name.Value, field.ResponseKey));
        Assert.IsType<Variable>(field.Arguments[0].Value);
        var where = Assert.IsType<ObjectValue>(field.Arguments[1].Value);
        Assert.Equal("OPEN", Assert.IsType<EnumValue>(where.Fields[0].Value).Text);
        var list = Assert.IsType<ListValue>(where.Fields[1].Value);
        Assert.Collection(list.Values,
            v => Assert.Equal("1", Assert.IsType<IntValue>(v).Text),
            v => Assert.Equal("-2.5e3", Assert.IsType<FloatValue>(v).Text),
            v => Assert.Equal(("x", false), (Assert.IsType<StringValue>(v).Text, ((StringValue)v).Block)),
            v => Assert.Equal(("block", true), (Assert.IsType<StringValue>(v).Text, ((StringValue)v).Block)),
            v => Assert.IsType<NullValue>(v),
            v => Assert.True(Assert.IsType<BooleanValue>(v).Boolean));
        Assert.Equal("include", field.Directives.Single().Name.Value);
        Assert.Collection(field.SelectionSet!.Selections,
            s => Assert.Equal("Row", Assert.IsType<FragmentSpread>(s).Name.Value),
            s => Assert.Equal("Complaint", Assert.IsType<InlineFragment>(s).TypeCondition!.Name.Value),
            s => Assert.Equal(("skip", null), (Assert.IsType<InlineFragment>(s).Directives.Single().Name.Value, ((InlineFragment)s).TypeCondition)));

        var fragment = Assert.IsType<FragmentDefinition>(document.Definitions[1]);
        Assert.Equal(("Row", "Complaint", "dir"), (fragment.Name.Value, fragment.TypeCondition.Name.Value, fragment.Directives.Single().Name.Value));
        Assert.Equal((OperationType.Query, null), (((OperationDefinition)document.Definitions[2]).Operation, ((OperationDefinition)document.Definitions[2]).Name));
        Assert.Equal(OperationType.Mutation, ((OperationDefinition)document.Definitions[3]).Operation);
        Assert.Equal(OperationType.Subscription, ((OperationDefinition)document.Definitions[4]).Operation);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r\n")]
    [InlineData("\r")]
    public void Nodes_know_their_line_and_column_whatever_the_line_ends(string newline)
    {
        var document = Parser.Parse($"\uFEFF# a comment{newline}{{{newline}  a,, b{newline}\t  c(x: 1) }}");

        var fields = ((OperationDefinition)document.Definitions[0]).SelectionSet.Selections.Cast<Field>().ToList();
        Assert.Equal([new SourceLocation(3, 3), new SourceLocation(3, 7), new SourceLocation(4, 4)], fields.Select(f => f.Span.Location));
        Assert.Equal(new SourceLocation(4, 6), fields[2].Arguments[0].Span.Location);
        Assert.Equal("c(x: 1)", document.Definitions[0] is OperationDefinition ? DocumentText(document, fields[2]) : null);

        string DocumentText(Document d, Node n) => $"\uFEFF# a comment{newline}{{{newline}  a,, b{newline}\t  c(x: 1) }}"[n.Span.Start..n.Span.End];
    }

    [Fact]
    public void Strings_decode_every_escape_and_surrogate_pairs()
    {
        var value = Assert.IsType<StringValue>(Parser.ParseValue("""
            "quote \" backslash \\ slash \/ b\b f\f n\n r\r t\t \u00e9 \u{1F600} \uD83D\uDE00 \u{0} é"
            """));
        Assert.Equal("quote \" backslash \\ slash / b\b f\f n\n r\r t\t é 😀 😀 \0 é", value.Text);
    }

    [Theory]
    [InlineData("{ a(s: \"\\uD83D\") }", 1, 9, "Invalid Unicode escape sequence")]
    [InlineData("{ a(s: \"\\u{110000}\") }", 1, 9, "Invalid Unicode escape sequence")]
    [InlineData("{ a(s: \"\\x\") }", 1, 9, "Invalid character escape sequence")]
    [InlineData("{ a(s: \"abc", 1, 12, "Unterminated string")]
    [InlineData("{ a(s: \"ab\ncd\") }", 1, 11, "Unterminated string")]
    [InlineData("{ a(s: \"a\u0007\") }", 1, 10, "Invalid character within String: U+0007")]
    [InlineData("{ a(s: \"\"\"abc", 1, 14, "Unterminated string")]
    [InlineData("{ a(n: 01) }", 1, 9, "Invalid number, unexpected digit after 0")]
    [InlineData("{ a(n: 1.) }", 1, 10, "Invalid number, expected digit but got")]
    [InlineData("{ a(n: 1a) }", 1, 9, "Invalid number, expected digit but got: \"a\"")]
    [InlineData("{ a(n: 1.2.3) }", 1, 11, "Invalid number, expected digit but got: \".\"")]
    [InlineData("{ a(n: .5) }", 1, 8, "Unexpected character: \".\"")]
    [InlineData("{ a ? }", 1, 5, "Unexpected character: \"?\"")]
    [InlineData("{ a(s: 'x') }", 1, 8, "Unexpected single quote character")]
    public void Lexical_errors_name_the_problem_where_it_is(string document, int line, int column, string message)
    {
        var error = Fails(document);
        Assert.Equal(new SourceLocation(line, column), error.Location);
        Assert.StartsWith(message, error.Description, StringComparison.Ordinal);
        Assert.StartsWith("Syntax Error: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", 1, 1, "Unexpected <EOF>.")]
    [InlineData("   # only a comment", 1, 20, "Unexpected <EOF>.")]
    [InlineData("{ a", 1, 4, "Expected Name, found <EOF>.")]
    [InlineData("{}", 1, 2, "Expected Name, found \"}\".")]
    [InlineData("query ($a: Int = $b) { a }", 1, 18, "Unexpected variable \"$b\" in constant value.")]
    [InlineData("fragment on on T { a }", 1, 10, "Unexpected Name \"on\".")]
    [InlineData("fragment F T { a }", 1, 12, "Expected \"on\", found Name \"T\".")]
    [InlineData("type Query { a: Int }", 1, 1, "Unexpected Name \"type\".")]
    [InlineData("{ a(x: ) }", 1, 8, "Unexpected \")\".")]
    [InlineData("query Q($a) { a }", 1, 11, "Expected \":\", found \")\".")]
    [InlineData("{ ...on }", 1, 9, "Expected Name, found \"}\".")]
    [InlineData("query { a }\n  }", 2, 3, "Unexpected \"}\".")]
    public void Syntax_errors_say_what_was_expected_where(string document, int line, int column, string message)
    {
        var error = Fails(document);
        Assert.Equal((new SourceLocation(line, column), message), (error.Location, error.Description));
    }

    [Fact]
    public void Block_strings_lose_their_common_indentation_and_blank_edges_and_keep_the_line_count()
    {
        var document = Parser.Parse("{ a(s: \"\"\"\n\n    Hello,\n      World!\n\n    Yours,\n      \\\"\"\" GraphQL.\n  \"\"\") b }");

        var field = (Field)((OperationDefinition)document.Definitions[0]).SelectionSet.Selections[0];
        Assert.Equal("Hello,\n  World!\n\nYours,\n  \"\"\" GraphQL.", ((StringValue)field.Arguments[0].Value).Text);
        var b = (Field)((OperationDefinition)document.Definitions[0]).SelectionSet.Selections[1];
        Assert.Equal(new SourceLocation(8, 8), b.Span.Location);
        Assert.Equal(new SourceLocation(1, 8), field.Arguments[0].Value.Span.Location);
        Assert.Equal("", Lexer.BlockStringValue("  \n\t\n"));
        Assert.Equal("first\nsecond", Lexer.BlockStringValue("first\n   second"));
    }

    [Fact]
    public void A_document_over_the_token_limit_is_refused_before_it_is_parsed_whole()
    {
        var document = "{ " + string.Join(' ', Enumerable.Range(0, 50).Select(i => $"a{i}")) + " }";
        Assert.Equal(50, ((OperationDefinition)Parser.Parse(document, new ParserOptions(MaxTokens: 52)).Definitions[0]).SelectionSet.Selections.Count);
        var error = Assert.Throws<GraphQLSyntaxException>(() => Parser.Parse(document, new ParserOptions(MaxTokens: 20)));
        Assert.Equal("Document contains more than 20 tokens. Parsing aborted.", error.Description);
    }

    [Fact]
    public void Values_outside_a_document_refuse_variables_when_constant()
    {
        Assert.IsType<Variable>(Parser.ParseValue("$x", constant: false));
        Assert.Equal("Unexpected variable \"$x\" in constant value.", Assert.Throws<GraphQLSyntaxException>(() => Parser.ParseValue("[$x]")).Description);
        Assert.Equal("Expected <EOF>, found Int \"2\".", Assert.Throws<GraphQLSyntaxException>(() => Parser.ParseValue("1 2")).Description);
    }
}
