namespace Idarati.GraphQL.Language;

/// <summary>Limits a parse: a document with more tokens than <see cref="MaxTokens"/> is refused before it costs more.</summary>
public sealed record ParserOptions(int MaxTokens = int.MaxValue);

/// <summary>
/// A recursive-descent parser for the executable grammar of the GraphQL specification (operations, fragments,
/// selections, arguments, directives, variables, values and type references). Type-system definitions are refused
/// with a syntax error at their first token, where graphql-js reports them as not executable.
/// </summary>
public sealed class Parser
{
    private readonly Lexer _lexer;

    private Parser(string text, ParserOptions? options) => _lexer = new Lexer(text, (options ?? new ParserOptions()).MaxTokens);

    public static Document Parse(string text, ParserOptions? options = null)
    {
        var parser = new Parser(text, options);
        parser._lexer.Advance();
        return parser.ParseDocument();
    }

    /// <summary>A value on its own, such as a default value in a schema: variables refused when <paramref name="constant"/>.</summary>
    public static Value ParseValue(string text, bool constant = true)
    {
        var parser = new Parser(text, null);
        parser._lexer.Advance();
        var value = parser.ParseValueLiteral(constant);
        parser.Expect(TokenKind.EndOfFile);
        return value;
    }

    private Token Current => _lexer.Current;

    private Document ParseDocument()
    {
        var start = Current;
        var definitions = new List<Definition>();
        do
        {
            definitions.Add(ParseDefinition());
        }
        while (Current.Kind != TokenKind.EndOfFile);

        return new Document(definitions, SpanFrom(start));
    }

    private Definition ParseDefinition()
    {
        if (Current.Kind == TokenKind.BraceLeft)
        {
            var start = Current;
            var selectionSet = ParseSelectionSet();
            return new OperationDefinition(OperationType.Query, null, [], [], selectionSet, SpanFrom(start));
        }

        if (Current.Kind == TokenKind.Name)
        {
            switch (Current.Value)
            {
                case "query" or "mutation" or "subscription":
                    return ParseOperationDefinition();
                case "fragment":
                    return ParseFragmentDefinition();
            }
        }

        throw Unexpected(Current);
    }

    private OperationDefinition ParseOperationDefinition()
    {
        var start = Current;
        var operation = Current.Value switch
        {
            "query" => OperationType.Query,
            "mutation" => OperationType.Mutation,
            _ => OperationType.Subscription,
        };
        _lexer.Advance();
        var name = Current.Kind == TokenKind.Name ? ParseName() : null;
        var variables = ParseVariableDefinitions();
        var directives = ParseDirectives(constant: false);
        var selectionSet = ParseSelectionSet();
        return new OperationDefinition(operation, name, variables, directives, selectionSet, SpanFrom(start));
    }

    private List<VariableDefinition> ParseVariableDefinitions() =>
        Current.Kind == TokenKind.ParenLeft ? Many(TokenKind.ParenLeft, ParseVariableDefinition, TokenKind.ParenRight) : [];

    private VariableDefinition ParseVariableDefinition()
    {
        var start = Current;
        var variable = ParseVariable();
        Expect(TokenKind.Colon);
        var type = ParseTypeReference();
        Value? defaultValue = null;
        if (Skip(TokenKind.Equals))
        {
            defaultValue = ParseValueLiteral(constant: true);
        }

        var directives = ParseDirectives(constant: true);
        return new VariableDefinition(variable, type, defaultValue, directives, SpanFrom(start));
    }

    private Variable ParseVariable()
    {
        var start = Current;
        Expect(TokenKind.Dollar);
        return new Variable(ParseName(), SpanFrom(start));
    }

    private SelectionSet ParseSelectionSet()
    {
        var start = Current;
        var selections = Many(TokenKind.BraceLeft, ParseSelection, TokenKind.BraceRight);
        return new SelectionSet(selections, SpanFrom(start));
    }

    private Selection ParseSelection() => Current.Kind == TokenKind.Spread ? ParseFragment() : ParseField();

    private Field ParseField()
    {
        var start = Current;
        var nameOrAlias = ParseName();
        Name? alias = null;
        Name name;
        if (Skip(TokenKind.Colon))
        {
            alias = nameOrAlias;
            name = ParseName();
        }
        else
        {
            name = nameOrAlias;
        }

        var arguments = ParseArguments(constant: false);
        var directives = ParseDirectives(constant: false);
        var selectionSet = Current.Kind == TokenKind.BraceLeft ? ParseSelectionSet() : null;
        return new Field(alias, name, arguments, directives, selectionSet, SpanFrom(start));
    }

    private List<Argument> ParseArguments(bool constant) =>
        Current.Kind == TokenKind.ParenLeft ? Many(TokenKind.ParenLeft, () => ParseArgument(constant), TokenKind.ParenRight) : [];

    private Argument ParseArgument(bool constant)
    {
        var start = Current;
        var name = ParseName();
        Expect(TokenKind.Colon);
        return new Argument(name, ParseValueLiteral(constant), SpanFrom(start));
    }

    /// <summary>Either a fragment spread (<c>...Name</c>) or an inline fragment (<c>... on Type { }</c>, <c>... @dir { }</c>).</summary>
    private Selection ParseFragment()
    {
        var start = Current;
        Expect(TokenKind.Spread);
        var hasTypeCondition = Current is { Kind: TokenKind.Name, Value: "on" };
        if (!hasTypeCondition && Current.Kind == TokenKind.Name)
        {
            var name = ParseName();
            return new FragmentSpread(name, ParseDirectives(constant: false), SpanFrom(start));
        }

        NamedType? typeCondition = null;
        if (hasTypeCondition)
        {
            _lexer.Advance();
            typeCondition = ParseNamedType();
        }

        var directives = ParseDirectives(constant: false);
        return new InlineFragment(typeCondition, directives, ParseSelectionSet(), SpanFrom(start));
    }

    private FragmentDefinition ParseFragmentDefinition()
    {
        var start = Current;
        ExpectKeyword("fragment");
        if (Current is { Kind: TokenKind.Name, Value: "on" })
        {
            throw Unexpected(Current);
        }

        var name = ParseName();
        ExpectKeyword("on");
        var typeCondition = ParseNamedType();
        var directives = ParseDirectives(constant: false);
        return new FragmentDefinition(name, typeCondition, directives, ParseSelectionSet(), SpanFrom(start));
    }

    private Value ParseValueLiteral(bool constant)
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.BracketLeft:
                var values = Any(TokenKind.BracketLeft, () => ParseValueLiteral(constant), TokenKind.BracketRight);
                return new ListValue(values, SpanFrom(token));
            case TokenKind.BraceLeft:
                var fields = Any(TokenKind.BraceLeft, () => ParseObjectField(constant), TokenKind.BraceRight);
                return new ObjectValue(fields, SpanFrom(token));
            case TokenKind.Int:
                _lexer.Advance();
                return new IntValue(token.Value!, token.Span);
            case TokenKind.Float:
                _lexer.Advance();
                return new FloatValue(token.Value!, token.Span);
            case TokenKind.String or TokenKind.BlockString:
                _lexer.Advance();
                return new StringValue(token.Value!, token.Kind == TokenKind.BlockString, token.Span);
            case TokenKind.Name:
                _lexer.Advance();
                return token.Value switch
                {
                    "true" => new BooleanValue(true, token.Span),
                    "false" => new BooleanValue(false, token.Span),
                    "null" => new NullValue(token.Span),
                    _ => new EnumValue(token.Value!, token.Span),
                };
            case TokenKind.Dollar:
                if (constant)
                {
                    var next = _lexer.Peek();
                    if (next.Kind == TokenKind.Name)
                    {
                        throw new GraphQLSyntaxException($"Unexpected variable \"${next.Value}\" in constant value.", token.Span.Location);
                    }

                    throw Unexpected(token);
                }

                return ParseVariable();
            default:
                throw Unexpected(token);
        }
    }

    private ObjectField ParseObjectField(bool constant)
    {
        var start = Current;
        var name = ParseName();
        Expect(TokenKind.Colon);
        return new ObjectField(name, ParseValueLiteral(constant), SpanFrom(start));
    }

    private List<Directive> ParseDirectives(bool constant)
    {
        var directives = new List<Directive>();
        while (Current.Kind == TokenKind.At)
        {
            var start = Current;
            _lexer.Advance();
            var name = ParseName();
            directives.Add(new Directive(name, ParseArguments(constant), SpanFrom(start)));
        }

        return directives;
    }

    private TypeReference ParseTypeReference()
    {
        var start = Current;
        TypeReference type;
        if (Skip(TokenKind.BracketLeft))
        {
            var inner = ParseTypeReference();
            Expect(TokenKind.BracketRight);
            type = new ListType(inner, SpanFrom(start));
        }
        else
        {
            type = ParseNamedType();
        }

        return Skip(TokenKind.Bang) ? new NonNullType(type, SpanFrom(start)) : type;
    }

    private NamedType ParseNamedType()
    {
        var start = Current;
        return new NamedType(ParseName(), SpanFrom(start));
    }

    private Name ParseName()
    {
        var token = Expect(TokenKind.Name);
        return new Name(token.Value!, token.Span);
    }

    /// <summary>open item+ close: at least one item.</summary>
    private List<T> Many<T>(TokenKind open, Func<T> item, TokenKind close)
    {
        Expect(open);
        var items = new List<T>();
        do
        {
            items.Add(item());
        }
        while (!Skip(close));

        return items;
    }

    /// <summary>open item* close.</summary>
    private List<T> Any<T>(TokenKind open, Func<T> item, TokenKind close)
    {
        Expect(open);
        var items = new List<T>();
        while (!Skip(close))
        {
            items.Add(item());
        }

        return items;
    }

    private Token Expect(TokenKind kind)
    {
        var token = Current;
        if (token.Kind != kind)
        {
            throw new GraphQLSyntaxException($"Expected {Token.Name(kind)}, found {token.Describe()}.", token.Span.Location);
        }

        _lexer.Advance();
        return token;
    }

    private void ExpectKeyword(string keyword)
    {
        var token = Current;
        if (token.Kind != TokenKind.Name || token.Value != keyword)
        {
            throw new GraphQLSyntaxException($"Expected \"{keyword}\", found {token.Describe()}.", token.Span.Location);
        }

        _lexer.Advance();
    }

    private bool Skip(TokenKind kind)
    {
        if (Current.Kind != kind)
        {
            return false;
        }

        _lexer.Advance();
        return true;
    }

    private static GraphQLSyntaxException Unexpected(Token token) => new($"Unexpected {token.Describe()}.", token.Span.Location);

    /// <summary>From the start of <paramref name="start"/> to the end of the last token consumed.</summary>
    private Span SpanFrom(Token start) => start.Span with { End = _lexer.LastEnd };
}
