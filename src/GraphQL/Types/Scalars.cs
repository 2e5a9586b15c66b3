using System.Globalization;
using Idarati.GraphQL.Language;

namespace Idarati.GraphQL.Types;

/// <summary>
/// The five specified scalars with the specification's coercion rules. Results are lenient where graphql-js is
/// (a boolean serializes as an Int, an integral float as an Int); inputs are strict: a variable of type Int must be an
/// integer within 32 bits, never a string.
/// </summary>
public static class Scalars
{
    public static ScalarGraphType Int { get; } = new(
        "Int", "The `Int` scalar type represents non-fractional signed whole numeric values. Int can represent values between -(2^31) and 2^31 - 1.",
        SerializeInt, ParseIntValue, ParseIntLiteral);

    public static ScalarGraphType Float { get; } = new(
        "Float", "The `Float` scalar type represents signed double-precision fractional values as specified by [IEEE 754](https://en.wikipedia.org/wiki/IEEE_floating_point).",
        SerializeFloat, ParseFloatValue, ParseFloatLiteral);

    public static ScalarGraphType String { get; } = new(
        "String", "The `String` scalar type represents textual data, represented as UTF-8 character sequences. The String type is most often used by GraphQL to represent free-form human-readable text.",
        SerializeString, value => value as string ?? throw new GraphQLCoercionException($"String cannot represent a non string value: {Inspect(value)}"),
        literal => literal is StringValue s ? s.Text : throw new GraphQLCoercionException($"String cannot represent a non string value: {Print(literal)}"));

    public static ScalarGraphType Boolean { get; } = new(
        "Boolean", "The `Boolean` scalar type represents `true` or `false`.",
        SerializeBoolean, value => value as bool? ?? throw new GraphQLCoercionException($"Boolean cannot represent a non boolean value: {Inspect(value)}"),
        literal => literal is BooleanValue b ? b.Boolean : throw new GraphQLCoercionException($"Boolean cannot represent a non boolean value: {Print(literal)}"));

    public static ScalarGraphType ID { get; } = new(
        "ID", "The `ID` scalar type represents a unique identifier, often used to refetch an object or as key for a cache. The ID type appears in a JSON response as a String; however, it is not intended to be human-readable. When expected as an input type, any string (such as `\"4\"`) or integer (such as `4`) input value will be accepted as an ID.",
        SerializeId, ParseIdValue,
        literal => literal switch
        {
            StringValue s => s.Text,
            IntValue i => i.Text,
            _ => throw new GraphQLCoercionException($"ID cannot represent a non-string and non-integer value: {Print(literal)}"),
        });

    public static IReadOnlyList<ScalarGraphType> Specified { get; } = [String, Int, Float, Boolean, ID];

    public static bool IsSpecified(NamedGraphType type) => Specified.Contains(type);

    private static object SerializeInt(object? value)
    {
        var number = value switch
        {
            bool b => b ? 1 : 0,
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && s.Length > 0 => parsed,
            _ => AsDouble(value),
        };
        if (number is not { } n || double.IsNaN(n) || n != Math.Floor(n) || double.IsInfinity(n))
        {
            throw new GraphQLCoercionException($"Int cannot represent non-integer value: {Inspect(value)}");
        }

        if (n is > int.MaxValue or < int.MinValue)
        {
            throw new GraphQLCoercionException($"Int cannot represent non 32-bit signed integer value: {Inspect(value)}");
        }

        return (int)n;
    }

    private static object ParseIntValue(object? value)
    {
        if (value is bool || AsDouble(value) is not { } n || n != Math.Floor(n) || double.IsInfinity(n))
        {
            throw new GraphQLCoercionException($"Int cannot represent non-integer value: {Inspect(value)}");
        }

        return n is > int.MaxValue or < int.MinValue
            ? throw new GraphQLCoercionException($"Int cannot represent non 32-bit signed integer value: {Inspect(value)}")
            : (int)n;
    }

    private static object ParseIntLiteral(Value literal)
    {
        if (literal is not IntValue i)
        {
            throw new GraphQLCoercionException($"Int cannot represent non-integer value: {Print(literal)}");
        }

        return int.TryParse(i.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new GraphQLCoercionException($"Int cannot represent non 32-bit signed integer value: {i.Text}");
    }

    private static object SerializeFloat(object? value)
    {
        var number = value switch
        {
            bool b => b ? 1 : 0,
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && s.Length > 0 => parsed,
            _ => AsDouble(value),
        };
        return number is { } n && double.IsFinite(n) ? n : throw new GraphQLCoercionException($"Float cannot represent non numeric value: {Inspect(value)}");
    }

    private static object ParseFloatValue(object? value) =>
        value is not bool && AsDouble(value) is { } n && double.IsFinite(n) ? n : throw new GraphQLCoercionException($"Float cannot represent non numeric value: {Inspect(value)}");

    private static object ParseFloatLiteral(Value literal) => literal switch
    {
        IntValue i => double.Parse(i.Text, CultureInfo.InvariantCulture),
        FloatValue f => double.Parse(f.Text, CultureInfo.InvariantCulture),
        _ => throw new GraphQLCoercionException($"Float cannot represent non numeric value: {Print(literal)}"),
    };

    private static object SerializeString(object? value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        Enum e => e.ToString(),
        IFormattable f when AsDouble(value) is { } n && double.IsFinite(n) => f.ToString(null, CultureInfo.InvariantCulture),
        Guid g => g.ToString(),
        DateTimeOffset d => d.ToString("O", CultureInfo.InvariantCulture),
        _ => throw new GraphQLCoercionException($"String cannot represent value: {Inspect(value)}"),
    };

    private static object SerializeBoolean(object? value) => value switch
    {
        bool b => b,
        _ when AsDouble(value) is { } n && double.IsFinite(n) => n != 0,
        _ => throw new GraphQLCoercionException($"Boolean cannot represent a non boolean value: {Inspect(value)}"),
    };

    private static object SerializeId(object? value) => value switch
    {
        string s => s,
        Guid g => g.ToString(),
        int or long or short or byte or uint or ulong => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        double d when d == Math.Floor(d) && double.IsFinite(d) => d.ToString("R", CultureInfo.InvariantCulture),
        _ => throw new GraphQLCoercionException($"ID cannot represent value: {Inspect(value)}"),
    };

    private static object ParseIdValue(object? value) => value switch
    {
        string s => s,
        int or long => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        double d when d == Math.Floor(d) && double.IsFinite(d) && Math.Abs(d) < 9007199254740992 => ((long)d).ToString(CultureInfo.InvariantCulture),
        _ => throw new GraphQLCoercionException($"ID cannot represent value: {Inspect(value)}"),
    };

    private static double? AsDouble(object? value) => value switch
    {
        int i => i,
        long l => l,
        short s => s,
        byte b => b,
        uint u => u,
        ulong u => u,
        float f => f,
        double d => d,
        decimal m => (double)m,
        _ => null,
    };

    /// <summary>A value as graphql-js's inspect writes it in messages.</summary>
    internal static string Inspect(object? value) => value switch
    {
        null => "null",
        string s => System.Text.Json.JsonSerializer.Serialize(s),
        bool b => b ? "true" : "false",
        IFormattable f when AsDouble(value) is not null => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "?",
    };

    private static string Print(Value literal) => literal switch
    {
        IntValue i => i.Text,
        FloatValue f => f.Text,
        StringValue s => System.Text.Json.JsonSerializer.Serialize(s.Text),
        BooleanValue b => b.Boolean ? "true" : "false",
        NullValue => "null",
        EnumValue e => e.Text,
        Variable v => "$" + v.Name.Value,
        ListValue => "[...]",
        ObjectValue => "{...}",
        _ => literal.ToString(),
    };
}
