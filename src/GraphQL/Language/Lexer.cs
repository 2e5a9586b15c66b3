using System.Globalization;
using System.Text;

namespace Idarati.GraphQL.Language;

/// <summary>
/// Turns a document into tokens as the GraphQL specification's lexical grammar says: ignored tokens (BOM, white space,
/// line terminators, commas, comments), punctuators, names, numbers, strings with every escape (including
/// <c>\u{...}</c> and surrogate pairs) and block strings with their indentation removed. Lines end at \n, \r\n or \r.
/// </summary>
public sealed class Lexer
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

    private Token ReadString(int start)
    {
        var text = _text;
        var value = new StringBuilder();
        _position++;
        var chunk = _position;
        while (_position < text.Length)
        {
            var c = text[_position];
            if (c == '"')
            {
                value.Append(text, chunk, _position - chunk);
                _position++;
                return Make(TokenKind.String, start, _position, value.ToString());
            }

            if (c is '\n' or '\r')
            {
                break;
            }

            if (c == '\\')
            {
                value.Append(text, chunk, _position - chunk);
                value.Append(ReadEscape());
                chunk = _position;
                continue;
            }

            _position += SourceCharacterLength(_position, "String");
        }

        throw Error(_position, "Unterminated string.");
    }

    /// <summary>The length (1 or 2 UTF-16 units) of a valid source character, or the error the spec asks for.</summary>
    private int SourceCharacterLength(int position, string where)
    {
        var c = _text[position];
        if (c < ' ' && c != '\t')
        {
            throw Error(position, $"Invalid character within {where}: {Describe(position)}.");
        }

        if (char.IsHighSurrogate(c) && position + 1 < _text.Length && char.IsLowSurrogate(_text[position + 1]))
        {
            return 2;
        }

        if (char.IsSurrogate(c))
        {
            throw Error(position, $"Invalid character within {where}: {Describe(position)}.");
        }

        return 1;
    }

    private string ReadEscape()
    {
        var start = _position;
        var next = Char(_position + 1);
        switch (next)
        {
            case '"': _position += 2; return "\"";
            case '\\': _position += 2; return "\\";
            case '/': _position += 2; return "/";
            case 'b': _position += 2; return "\b";
            case 'f': _position += 2; return "\f";
            case 'n': _position += 2; return "\n";
            case 'r': _position += 2; return "\r";
            case 't': _position += 2; return "\t";
            case 'u':
                return Char(_position + 2) == '{' ? ReadVariableWidthEscape(start) : ReadFixedWidthEscape(start);
            default:
                throw Error(start, $"Invalid character escape sequence: \"{_text.Substring(start, Math.Min(2, _text.Length - start))}\".");
        }
    }

    private string ReadVariableWidthEscape(int start)
    {
        var position = start + 3;
        var code = 0;
        while (position < _text.Length && Uri.IsHexDigit(_text[position]) && position - start < 12)
        {
            code = (code * 16) + Convert.ToInt32(_text[position].ToString(), 16);
            position++;
            if (code > 0x10FFFF)
            {
                break;
            }
        }

        if (position < _text.Length && _text[position] == '}' && position > start + 3 && code <= 0x10FFFF && !(code is >= 0xD800 and <= 0xDFFF))
        {
            _position = position + 1;
            return char.ConvertFromUtf32(code);
        }

        var end = _text.IndexOf('}', start);
        throw Error(start, $"Invalid Unicode escape sequence: \"{_text[start..(end >= 0 && end - start < 16 ? end + 1 : Math.Min(_text.Length, position + 1))]}\".");
    }

    private string ReadFixedWidthEscape(int start)
    {
        if (HexAt(start + 2) is not { } code)
        {
            throw Error(start, $"Invalid Unicode escape sequence: \"{_text.Substring(start, Math.Min(6, _text.Length - start))}\".");
        }

        if (char.IsHighSurrogate((char)code) && Char(start + 6) == '\\' && Char(start + 7) == 'u' && HexAt(start + 8) is { } low && char.IsLowSurrogate((char)low))
        {
            _position = start + 12;
            return new string([(char)code, (char)low]);
        }

        if (code is >= 0xD800 and <= 0xDFFF)
        {
            throw Error(start, $"Invalid Unicode escape sequence: \"{_text.Substring(start, 6)}\".");
        }

        _position = start + 6;
        return ((char)code).ToString();
    }

    private int? HexAt(int position) =>
        position + 4 <= _text.Length && int.TryParse(_text.AsSpan(position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code)
            ? code
            : null;

    private Token ReadBlockString(int start)
    {
        var text = _text;
        var (line, lineStart) = (_line, _lineStart);
        var raw = new StringBuilder();
        _position += 3;
        var chunk = _position;
        while (_position < text.Length)
        {
            if (string.CompareOrdinal(text, _position, "\"\"\"", 0, 3) == 0)
            {
                raw.Append(text, chunk, _position - chunk);
                _position += 3;
                var token = new Token(TokenKind.BlockString, new Span(start, _position, line, start - lineStart + 1), BlockStringValue(raw.ToString()));
                if (++_count > _maxTokens)
                {
                    throw new GraphQLSyntaxException($"Document contains more than {_maxTokens} tokens. Parsing aborted.", token.Span.Location, GraphQLSyntaxException.TokenLimitCode);
                }

                return token;
            }

            var c = text[_position];
            if (c == '\\' && string.CompareOrdinal(text, _position + 1, "\"\"\"", 0, 3) == 0)
            {
                raw.Append(text, chunk, _position - chunk).Append("\"\"\"");
                _position += 4;
                chunk = _position;
            }
            else if (c == '\n')
            {
                NewLine(_position + 1);
            }
            else if (c == '\r')
            {
                NewLine(_position + (Char(_position + 1) == '\n' ? 2 : 1));
            }
            else
            {
                _position += SourceCharacterLength(_position, "String");
            }
        }

        throw Error(_position, "Unterminated string.");
    }

    /// <summary>The spec's BlockStringValue: common indentation removed, blank first and last lines dropped, lines joined by \n.</summary>
    public static string BlockStringValue(string raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var lines = raw.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        int? common = null;
        for (var i = 1; i < lines.Length; i++)
        {
            var indent = lines[i].TakeWhile(ch => ch is ' ' or '\t').Count();
            if (indent < lines[i].Length && (common is null || indent < common))
            {
                common = indent;
            }
        }

        if (common is > 0)
        {
            for (var i = 1; i < lines.Length; i++)
            {
                lines[i] = lines[i].Length >= common ? lines[i][common.Value..] : string.Empty;
            }
        }

        var first = 0;
        var last = lines.Length - 1;
        while (first <= last && lines[first].All(ch => ch is ' ' or '\t'))
        {
            first++;
        }

        while (last >= first && lines[last].All(ch => ch is ' ' or '\t'))
        {
            last--;
        }

        return string.Join('\n', lines[first..(last + 1)]);
    }
}
