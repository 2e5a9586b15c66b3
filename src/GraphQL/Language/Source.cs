namespace Idarati.GraphQL.Language;

/// <summary>A point in a document: 1-based line and column, columns counted in UTF-16 code units as graphql-js counts them.</summary>
public readonly record struct SourceLocation(int Line, int Column);

/// <summary>Where a node or token lies: its start and end offsets in the text, and the line and column of its start.</summary>
public readonly record struct Span(int Start, int End, int Line, int Column)
{
    public SourceLocation Location => new(Line, Column);
}

/// <summary>A syntax error in a document, at the place the lexer or the parser stopped.</summary>
public sealed class GraphQLSyntaxException(string message, SourceLocation location, string code = "GRAPHQL_PARSE_FAILED")
    : Exception($"Syntax Error: {message}")
{
    public const string TokenLimitCode = "MAX_TOKENS_EXCEEDED";

    /// <summary>GRAPHQL_PARSE_FAILED, or MAX_TOKENS_EXCEEDED when the document is refused for its size.</summary>
    public string Code { get; } = code;

    public string Description { get; } = message;

    public SourceLocation Location { get; } = location;
}
