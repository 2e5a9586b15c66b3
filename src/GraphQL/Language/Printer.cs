using System.Text;

namespace Idarati.GraphQL.Language;

/// <summary>Prints values and strings the way graphql-js prints them, so printed schemas and messages compare equal.</summary>
public static class Printer
{
    public static string Print(Value value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value switch
        {
            Variable v => "$" + v.Name.Value,
            IntValue i => i.Text,
            FloatValue f => f.Text,
            StringValue { Block: true } s => BlockString(s.Text),
            StringValue s => String(s.Text),
            BooleanValue b => b.Boolean ? "true" : "false",
            NullValue => "null",
            EnumValue e => e.Text,
            ListValue l => "[" + string.Join(", ", l.Values.Select(Print)) + "]",
            ObjectValue o => "{" + string.Join(", ", o.Fields.Select(f => f.Name.Value + ": " + Print(f.Value))) + "}",
            _ => throw new ArgumentOutOfRangeException(nameof(value), value.GetType().Name, null),
        };
    }

    /// <summary>A quoted string: control characters, quote and backslash escaped; \b \t \n \f \r by name, the rest as \u00XX.</summary>
    public static string String(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\b': builder.Append("\\b"); break;
                case '\t': builder.Append("\\t"); break;
                case '\n': builder.Append("\\n"); break;
                case '\f': builder.Append("\\f"); break;
                case '\r': builder.Append("\\r"); break;
                case < ' ' or (>= '\u007F' and <= '\u009F'): builder.Append("\\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture)); break;
                default: builder.Append(c); break;
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>A block string, on several lines when that reads better, with every triple quote escaped.</summary>
    public static string BlockString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var escaped = value.Replace("\"\"\"", "\\\"\"\"", StringComparison.Ordinal);
        var lines = escaped.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Split('\n');
        var singleLine = lines.Length == 1;
        var forceLeadingNewLine = lines.Length > 1 && lines.Skip(1).All(l => l.Length == 0 || l[0] is ' ' or '\t');
        var trailingTripleQuotes = escaped.EndsWith("\\\"\"\"", StringComparison.Ordinal);
        var trailingQuote = value.EndsWith('"') && !trailingTripleQuotes;
        var forceTrailingNewLine = trailingQuote || value.EndsWith('\\');
        var multipleLines = !singleLine || value.Length > 70 || forceTrailingNewLine || forceLeadingNewLine || trailingTripleQuotes;
        var skipLeadingNewLine = singleLine && value.Length > 0 && value[0] is ' ' or '\t';
        var result = new StringBuilder("\"\"\"");
        if ((multipleLines && !skipLeadingNewLine) || forceLeadingNewLine)
        {
            result.Append('\n');
        }

        result.Append(escaped);
        if (multipleLines || forceTrailingNewLine)
        {
            result.Append('\n');
        }

        return result.Append("\"\"\"").ToString();
    }

    /// <summary>Whether a string survives a round trip as a block string (no control characters, no \r, no edge blank lines, no common indent).</summary>
    public static bool IsPrintableAsBlockString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0)
        {
            return true;
        }

        var (emptyLine, hasIndent, commonIndent, seenNonEmptyLine) = (true, false, true, false);
        foreach (var c in value)
        {
            switch (c)
            {
                case '\n':
                    if (emptyLine && !seenNonEmptyLine)
                    {
                        return false;
                    }

                    (seenNonEmptyLine, emptyLine, hasIndent) = (true, true, false);
                    break;
                case '\t' or ' ':
                    hasIndent = hasIndent || emptyLine;
                    break;
                case '\r' or (< ' ' and not '\t' and not '\n' and not '\u0010' and not '\u0011' and not '\u0012' and not '\u0013' and not '\u0014' and not '\u0015' and not '\u0016' and not '\u0017' and not '\u0018' and not '\u0019' and not '\u001A' and not '\u001B' and not '\u001C' and not '\u001D' and not '\u001E' and not '\u001F'):
                    return false;
                default:
                    commonIndent = commonIndent && hasIndent;
                    emptyLine = false;
                    break;
            }
        }

        return !emptyLine && !(commonIndent && seenNonEmptyLine);
    }
}
