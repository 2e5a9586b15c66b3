namespace Idarati.GraphQL.Language;

public enum TokenKind
{
    StartOfFile,
    EndOfFile,
    Bang,
    Dollar,
    Ampersand,
    ParenLeft,
    ParenRight,
    Spread,
    Colon,
    Equals,
    At,
    BracketLeft,
    BracketRight,
    BraceLeft,
    Pipe,
    BraceRight,
    Name,
    Int,
    Float,
    String,
    BlockString,
}

/// <summary>A lexical token. <see cref="Value"/> is the name, the number's text or the string's decoded value.</summary>
public readonly record struct Token(TokenKind Kind, Span Span, string? Value)
{
    /// <summary>How graphql-js names the token in its error messages.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.Name or TokenKind.Int or TokenKind.Float => $"{Name(Kind)} \"{Value}\"",
        TokenKind.String or TokenKind.BlockString => Name(Kind),
        _ => Name(Kind),
    };

    public static string Name(TokenKind kind) => kind switch
    {
        TokenKind.StartOfFile => "<SOF>",
        TokenKind.EndOfFile => "<EOF>",
        TokenKind.Bang => "\"!\"",
        TokenKind.Dollar => "\"$\"",
        TokenKind.Ampersand => "\"&\"",
        TokenKind.ParenLeft => "\"(\"",
        TokenKind.ParenRight => "\")\"",
        TokenKind.Spread => "\"...\"",
        TokenKind.Colon => "\":\"",
        TokenKind.Equals => "\"=\"",
        TokenKind.At => "\"@\"",
        TokenKind.BracketLeft => "\"[\"",
        TokenKind.BracketRight => "\"]\"",
        TokenKind.BraceLeft => "\"{\"",
        TokenKind.Pipe => "\"|\"",
        TokenKind.BraceRight => "\"}\"",
        TokenKind.Name => "Name",
        TokenKind.Int => "Int",
        TokenKind.Float => "Float",
        TokenKind.String => "String",
        TokenKind.BlockString => "BlockString",
        _ => kind.ToString(),
    };
}
