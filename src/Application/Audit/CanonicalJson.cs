using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Idarati.Application.Audit;

/// <summary>
/// RFC 8785 JSON Canonicalization Scheme: one byte sequence per JSON value, whatever its key order, white space,
/// escapes or number spelling. A hash over these bytes survives a round trip through PostgreSQL's jsonb (which reorders
/// keys and respells numbers), so the tamper-evidence chain can be recomputed from what Marten stores. Written straight
/// to UTF-8: a string or value already in canonical spelling is copied byte for byte from the parsed document.
/// </summary>
public static class CanonicalJson
{
    public static byte[] Canonicalize(JsonElement value)
    {
        var output = new ArrayBufferWriter<byte>();
        Write(output, value);
        return output.WrittenSpan.ToArray();
    }

    public static byte[] Canonicalize(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Canonicalize(document.RootElement);
    }

    /// <summary>Writes the canonical form of <paramref name="value"/>.</summary>
    public static void Write(IBufferWriter<byte> output, JsonElement value)
    {
        ArgumentNullException.ThrowIfNull(output);
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                WriteObject(output, value);
                break;
            case JsonValueKind.Array:
                Raw(output, "["u8);
                var first = true;
                foreach (var item in value.EnumerateArray())
                {
                    Raw(output, first ? [] : ","u8);
                    first = false;
                    Write(output, item);
                }

                Raw(output, "]"u8);
                break;
            case JsonValueKind.String:
                // A string without an escape is already canonical (JSON forbids raw controls and quotes in one): copy it.
                var raw = JsonMarshal.GetRawUtf8Value(value);
                if (raw.IndexOf((byte)'\\') < 0)
                {
                    Raw(output, raw);
                }
                else
                {
                    WriteString(output, value.GetString()!);
                }

                break;
            case JsonValueKind.Number:
                var number = JsonMarshal.GetRawUtf8Value(value);
                if (IsPlainInteger(number))
                {
                    Raw(output, number);
                }
                else
                {
                    WriteNumber(output, value.GetDouble());
                }

                break;
            case JsonValueKind.True:
                Raw(output, "true"u8);
                break;
            case JsonValueKind.False:
                Raw(output, "false"u8);
                break;
            default:
                Raw(output, "null"u8);
                break;
        }
    }

    /// <summary>Writes a string as RFC 8785 writes it, quotes included.</summary>
    public static void WriteString(IBufferWriter<byte> output, string value)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(value);
        Raw(output, "\""u8);
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c >= ' ' && c != '"' && c != '\\')
            {
                continue;
            }

            Utf8(output, value.AsSpan(start, i - start));
            start = i + 1;
            Raw(output, c switch
            {
                '"' => "\\\""u8,
                '\\' => "\\\\"u8,
                '\b' => "\\b"u8,
                '\f' => "\\f"u8,
                '\n' => "\\n"u8,
                '\r' => "\\r"u8,
                '\t' => "\\t"u8,
                _ => Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}")),
            });
        }

        Utf8(output, value.AsSpan(start));
        Raw(output, "\""u8);
    }

    /// <summary>Writes a number as ECMAScript prints it (see <see cref="Number"/>).</summary>
    public static void WriteNumber(IBufferWriter<byte> output, double value)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (value == Math.Floor(value) && Math.Abs(value) < 1e15)
        {
            // Integers below 10^15 print as their digits, as Number would spell them.
            var span = output.GetSpan(20);
            ((long)value).TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
            output.Advance(written);
            return;
        }

        Utf8(output, Number(value));
    }

    /// <summary>
    /// ECMAScript's Number::toString (RFC 8785 section 3.2.2.3): the shortest digits that round-trip, in plain
    /// notation from 1e-6 up to 1e21, in exponent notation ("1e+21", "1e-7") outside.
    /// </summary>
    public static string Number(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "JSON has no NaN or Infinity.");
        }

        if (value == 0)
        {
            return "0";
        }

        // "R" gives the shortest round-tripping digits; split them into a digit string and a decimal exponent.
        var roundTrip = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var (digits, exponent) = Decompose(roundTrip);
        var n = exponent + 1; // the position of the decimal point after the first digit, as ECMAScript's n
        var k = digits.Length;
        string text;
        if (k <= n && n <= 21)
        {
            text = digits + new string('0', n - k);
        }
        else if (0 < n && n <= 21)
        {
            text = digits[..n] + "." + digits[n..];
        }
        else if (-6 < n && n <= 0)
        {
            text = "0." + new string('0', -n) + digits;
        }
        else
        {
            var e = n - 1;
            text = (k == 1 ? digits : digits[..1] + "." + digits[1..]) + "e" + (e >= 0 ? "+" : "-") + Math.Abs(e).ToString(CultureInfo.InvariantCulture);
        }

        return value < 0 ? "-" + text : text;
    }

    /// <summary>Members sorted by their names' UTF-16 code units (section 3.2.3), each written canonically.</summary>
    private static void WriteObject(IBufferWriter<byte> output, JsonElement value)
    {
        var count = value.GetPropertyCount();
        var names = ArrayPool<string>.Shared.Rent(count);
        var values = ArrayPool<JsonElement>.Shared.Rent(count);
        try
        {
            var i = 0;
            var sorted = true;
            foreach (var member in value.EnumerateObject())
            {
                names[i] = member.Name;
                values[i] = member.Value;
                sorted &= i == 0 || string.CompareOrdinal(names[i - 1], names[i]) < 0;
                i++;
            }

            if (!sorted)
            {
                Array.Sort(names, values, 0, count, StringComparer.Ordinal);
            }

            Raw(output, "{"u8);
            for (i = 0; i < count; i++)
            {
                Raw(output, i == 0 ? [] : ","u8);
                WriteString(output, names[i]);
                Raw(output, ":"u8);
                Write(output, values[i]);
            }

            Raw(output, "}"u8);
        }
        finally
        {
            ArrayPool<string>.Shared.Return(names, clearArray: true);
            ArrayPool<JsonElement>.Shared.Return(values, clearArray: true);
        }
    }

    /// <summary>"0", or an optional minus and up to 15 digits without a leading zero: exact in a double, spelled as ECMAScript spells it.</summary>
    private static bool IsPlainInteger(ReadOnlySpan<byte> number)
    {
        var digits = number is [(byte)'-', .. var rest] ? rest : number;
        if (digits.Length is 0 or > 15 || (digits[0] == (byte)'0' && (digits.Length > 1 || number.Length > 1)))
        {
            return false;
        }

        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return true;
    }

    private static void Raw(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => output.Write(bytes);

    private static void Utf8(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    /// <summary>"123.45" → ("12345", 2); "1.5E-07" → ("15", -7): significant digits and the exponent of the first one.</summary>
    private static (string Digits, int Exponent) Decompose(string roundTrip)
    {
        var mantissa = roundTrip;
        var exponent = 0;
        var e = roundTrip.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            mantissa = roundTrip[..e];
            exponent = int.Parse(roundTrip[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }

        var point = mantissa.IndexOf('.', StringComparison.Ordinal);
        var integer = point < 0 ? mantissa : mantissa[..point];
        var fraction = point < 0 ? string.Empty : mantissa[(point + 1)..];
        var all = integer + fraction;
        var leading = all.Length - all.TrimStart('0').Length;
        var digits = all.Trim('0');
        // The first significant digit's exponent: integer digits before the point, minus the zeros skipped.
        exponent += integer.Length - 1 - leading;
        return (digits.Length == 0 ? "0" : digits, exponent);
    }
}
