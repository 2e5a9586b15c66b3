using System.Globalization;
using System.Text;

namespace Idarati.GraphQL.Language;

/// <summary>Strings and block strings: every escape, source characters checked, block strings with their indentation removed.</summary>
public sealed partial class Lexer
{
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
