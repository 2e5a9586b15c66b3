
namespace Idarati.GraphQL.Language;

/// <summary>
/// Turns a document into tokens as the GraphQL specification's lexical grammar says: ignored tokens (BOM, white space,
/// line terminators, commas, comments), punctuators, names, numbers, strings with every escape (including
/// <c>\u{...}</c> and surrogate pairs) and block strings with their indentation removed. Lines end at \n, \r\n or \r.
/// </summary>
public sealed partial class Lexer
{
    private readonly string _text;
    private readonly int _maxTokens;
    private int _position;
    private int _line = 1;
    private int _lineStart;
    private int _count;

    public Lexer(string text, int maxTokens = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(text);
        _text = text;
        _maxTokens = maxTokens;
        Current = new Token(TokenKind.StartOfFile, new Span(0, 0, 1, 1), null);
    }

    public Token Current { get; private set; }

    /// <summary>Where the token before <see cref="Current"/> ended: the end of what a parser has consumed.</summary>
    public int LastEnd { get; private set; }

    /// <summary>Moves to the next token and returns it.</summary>
    public Token Advance()
    {
        if (Current.Kind != TokenKind.EndOfFile)
        {
            LastEnd = Current.Span.End;
            Current = Read();
        }

        return Current;
    }

    /// <summary>The token after <see cref="Current"/>, without moving.</summary>
    public Token Peek()
    {
        var (position, line, lineStart, count) = (_position, _line, _lineStart, _count);
        var next = Current.Kind == TokenKind.EndOfFile ? Current : Read();
        (_position, _line, _lineStart, _count) = (position, line, lineStart, count);
        return next;
    }

    private SourceLocation LocationAt(int position) => new(_line, position - _lineStart + 1);

    private GraphQLSyntaxException Error(int position, string message) => new(message, LocationAt(position));

    private Token Make(TokenKind kind, int start, int end, string? value = null)
    {
        // As graphql-js counts: every token but the end of the document.
        if (kind != TokenKind.EndOfFile && ++_count > _maxTokens)
        {
            throw new GraphQLSyntaxException($"Document contains more than {_maxTokens} tokens. Parsing aborted.", LocationAt(start), GraphQLSyntaxException.TokenLimitCode);
        }

        return new Token(kind, new Span(start, end, _line, start - _lineStart + 1), value);
    }

    private Token Read()
    {
        var text = _text;
        while (_position < text.Length)
        {
            var c = text[_position];
            switch (c)
            {
                case '\uFEFF' or '\t' or ' ' or ',':
                    _position++;
                    continue;
                case '\n':
                    NewLine(_position + 1);
                    continue;
                case '\r':
                    NewLine(_position + (_position + 1 < text.Length && text[_position + 1] == '\n' ? 2 : 1));
                    continue;
                case '#':
                    while (_position < text.Length && text[_position] is not ('\n' or '\r'))
                    {
                        _position++;
                    }

                    continue;
            }

            var start = _position;
            var kind = c switch
            {
                '!' => TokenKind.Bang,
                '$' => TokenKind.Dollar,
                '&' => TokenKind.Ampersand,
                '(' => TokenKind.ParenLeft,
                ')' => TokenKind.ParenRight,
                ':' => TokenKind.Colon,
                '=' => TokenKind.Equals,
                '@' => TokenKind.At,
                '[' => TokenKind.BracketLeft,
                ']' => TokenKind.BracketRight,
                '{' => TokenKind.BraceLeft,
                '|' => TokenKind.Pipe,
                '}' => TokenKind.BraceRight,
                _ => TokenKind.StartOfFile,
            };
            if (kind != TokenKind.StartOfFile)
            {
                _position++;
                return Make(kind, start, _position);
            }

            if (c == '.')
            {
                if (string.CompareOrdinal(text, _position, "...", 0, 3) == 0)
                {
                    _position += 3;
                    return Make(TokenKind.Spread, start, _position);
                }

                throw Error(_position, $"Unexpected character: {Describe(_position)}.");
            }

            if (IsNameStart(c))
            {
                while (++_position < text.Length && IsNameContinue(text[_position]))
                {
                }

                return Make(TokenKind.Name, start, _position, text[start.._position]);
            }

            if (c == '-' || char.IsAsciiDigit(c))
            {
                return ReadNumber(start);
            }

            if (c == '"')
            {
                return string.CompareOrdinal(text, _position, "\"\"\"", 0, 3) == 0 ? ReadBlockString(start) : ReadString(start);
            }

            throw Error(_position, c == '\''
                ? "Unexpected single quote character ('), did you mean to use a double quote (\")?"
                : $"Unexpected character: {Describe(_position)}.");
        }

        return Make(TokenKind.EndOfFile, _position, _position);
    }

    private void NewLine(int next)
    {
        _position = next;
        _line++;
        _lineStart = next;
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsNameContinue(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    /// <summary>A character as graphql-js quotes it in messages: printable ASCII in quotes, anything else as U+XXXX.</summary>
    private string Describe(int position)
    {
        if (position >= _text.Length)
        {
            return "<EOF>";
        }

        var c = _text[position];
        if (c is >= ' ' and <= '~')
        {
            return c == '"' ? "'\"'" : $"\"{c}\"";
        }

        var code = char.IsHighSurrogate(c) && position + 1 < _text.Length && char.IsLowSurrogate(_text[position + 1])
            ? char.ConvertToUtf32(c, _text[position + 1])
            : c;
        return $"U+{code:X4}";
    }

    private Token ReadNumber(int start)
    {
        var text = _text;
        var isFloat = false;
        if (Char(_position) == '-')
        {
            _position++;
        }

        if (Char(_position) == '0')
        {
            _position++;
            if (char.IsAsciiDigit(Char(_position)))
            {
                throw Error(_position, $"Invalid number, unexpected digit after 0: {Describe(_position)}.");
            }
        }
        else
        {
            ReadDigits();
        }

        if (Char(_position) == '.')
        {
            isFloat = true;
            _position++;
            ReadDigits();
        }

        if (Char(_position) is 'e' or 'E')
        {
            isFloat = true;
            _position++;
            if (Char(_position) is '+' or '-')
            {
                _position++;
            }

            ReadDigits();
        }

        // A number may not run into a name or a dot: "1a", "1.2.3".
        if (Char(_position) == '.' || IsNameStart(Char(_position)))
        {
            throw Error(_position, $"Invalid number, expected digit but got: {Describe(_position)}.");
        }

        return Make(isFloat ? TokenKind.Float : TokenKind.Int, start, _position, text[start.._position]);
    }

    private char Char(int position) => position < _text.Length ? _text[position] : '\0';

    private void ReadDigits()
    {
        if (!char.IsAsciiDigit(Char(_position)))
        {
            throw Error(_position, $"Invalid number, expected digit but got: {Describe(_position)}.");
        }

        while (char.IsAsciiDigit(Char(_position)))
        {
            _position++;
        }
    }
}
