using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Idarati.Projections.Complaints;

/// <summary>A condition on the complaint list: a comparison of one field, or an and / or of conditions.</summary>
public abstract record ComplaintCondition
{
    private ComplaintCondition()
    {
    }

    public sealed record All(IReadOnlyList<ComplaintCondition> Conditions) : ComplaintCondition;

    public sealed record Any(IReadOnlyList<ComplaintCondition> Conditions) : ComplaintCondition;

    /// <summary><paramref name="Operator"/> is one of <see cref="ComplaintSearch.Operators"/>; in / nin take a list.</summary>
    public sealed record Compare(string Field, string Operator, object? Value) : ComplaintCondition;
}

/// <summary>One key of an ordering.</summary>
public sealed record ComplaintOrder(string Field, bool Descending);

/// <summary>
/// A search of the complaint list: conditions, ordering, and a window of rows by offset. Fields are named as the list
/// exposes them (trackingNumber, submittedAt...); the complaint id always breaks ties, so pages never overlap.
/// </summary>
public sealed record ComplaintSearch(ComplaintCondition? Where, IReadOnlyList<ComplaintOrder> Order, int Offset, int Limit)
{
    public enum FieldKind
    {
        Text,
        Instant,
        Boolean,
        Integer,
    }

    /// <summary>The fields a search may filter and order on, with their kind.</summary>
    public static readonly IReadOnlyDictionary<string, FieldKind> Fields = new Dictionary<string, FieldKind>(StringComparer.Ordinal)
    {
        ["trackingNumber"] = FieldKind.Text,
        ["administrationId"] = FieldKind.Text,
        ["kind"] = FieldKind.Text,
        ["channel"] = FieldKind.Text,
        ["categoryCode"] = FieldKind.Text,
        ["region"] = FieldKind.Text,
        ["status"] = FieldKind.Text,
        ["submittedAt"] = FieldKind.Instant,
        ["answerDue"] = FieldKind.Instant,
        ["reopenCount"] = FieldKind.Integer,
        ["overdue"] = FieldKind.Boolean,
    };

    /// <summary>The operators each kind of field accepts (HotChocolate's names).</summary>
    public static IReadOnlyList<string> Operators(FieldKind kind) => kind switch
    {
        FieldKind.Text => ["eq", "neq", "in", "nin", "contains", "startsWith"],
        FieldKind.Boolean => ["eq", "neq"],
        _ => ["eq", "neq", "in", "nin", "gt", "gte", "lt", "lte"],
    };

    /// <summary>The newest first: the list's own order.</summary>
    public static readonly IReadOnlyList<ComplaintOrder> DefaultOrder = [new("submittedAt", true)];

    internal static string Column(string field) => field switch
    {
        "trackingNumber" => "tracking_number",
        "administrationId" => "administration_id",
        "kind" => "kind",
        "channel" => "channel",
        "categoryCode" => "category_code",
        "region" => "region",
        "status" => "status",
        "submittedAt" => "submitted_at",
        "answerDue" => "answer_due",
        "reopenCount" => "reopen_count",
        // $1 is always the reader's now.
        "overdue" => "(processed_at IS NULL AND answer_due < $1)",
        _ => throw new ArgumentException($"The complaint list has no field '{field}' to search on.", nameof(field)),
    };

    /// <summary>The WHERE clause (after "WHERE"), its parameters appended to <paramref name="parameters"/> from $2 on.</summary>
    internal static string Sql(ComplaintCondition? condition, NpgsqlParameterCollection parameters)
    {
        var sql = new StringBuilder();
        Append(condition, sql, parameters);
        return sql.ToString();
    }

    private static void Append(ComplaintCondition? condition, StringBuilder sql, NpgsqlParameterCollection parameters)
    {
        switch (condition)
        {
            case null:
                sql.Append("TRUE");
                break;
            case ComplaintCondition.All all:
                Join(all.Conditions, " AND ", "TRUE", sql, parameters);
                break;
            case ComplaintCondition.Any any:
                Join(any.Conditions, " OR ", "FALSE", sql, parameters);
                break;
            case ComplaintCondition.Compare compare:
                AppendComparison(compare, sql, parameters);
                break;
        }
    }

    private static void Join(IReadOnlyList<ComplaintCondition> conditions, string separator, string empty, StringBuilder sql, NpgsqlParameterCollection parameters)
    {
        if (conditions.Count == 0)
        {
            sql.Append(empty);
            return;
        }

        sql.Append('(');
        for (var i = 0; i < conditions.Count; i++)
        {
            if (i > 0)
            {
                sql.Append(separator);
            }

            Append(conditions[i], sql, parameters);
        }

        sql.Append(')');
    }

    private static void AppendComparison(ComplaintCondition.Compare compare, StringBuilder sql, NpgsqlParameterCollection parameters)
    {
        var kind = Fields.TryGetValue(compare.Field, out var k) ? k : throw new ArgumentException($"The complaint list has no field '{compare.Field}' to search on.");
        if (!Operators(kind).Contains(compare.Operator))
        {
            throw new ArgumentException($"'{compare.Operator}' does not apply to {compare.Field}.");
        }

        var column = Column(compare.Field);
        if (compare.Value is null && compare.Operator is "eq" or "neq")
        {
            // Every list column is NOT NULL: eq null matches nothing, neq null everything.
            sql.Append(compare.Operator == "eq" ? "FALSE" : "TRUE");
            return;
        }

        var placeholder = "$" + (parameters.Count + 1).ToString(CultureInfo.InvariantCulture);
        if (compare.Operator is "in" or "nin")
        {
            var values = (compare.Value as System.Collections.IEnumerable)?.Cast<object?>().Where(v => v is not null).ToArray() ?? [];
            parameters.Add(ArrayParameter(kind, values));
            sql.Append(compare.Operator == "in" ? $"{column} = ANY({placeholder})" : $"NOT ({column} = ANY({placeholder}))");
            return;
        }

        parameters.Add(Parameter(kind, compare.Value!));
        sql.Append(compare.Operator switch
        {
            "eq" => $"{column} = {placeholder}",
            "neq" => $"{column} <> {placeholder}",
            "gt" => $"{column} > {placeholder}",
            "gte" => $"{column} >= {placeholder}",
            "lt" => $"{column} < {placeholder}",
            "lte" => $"{column} <= {placeholder}",
            "contains" => $"strpos({column}, {placeholder}) > 0",
            "startsWith" => $"starts_with({column}, {placeholder})",
            _ => throw new ArgumentException($"Unknown operator '{compare.Operator}'."),
        });
    }

    private static NpgsqlParameter Parameter(FieldKind kind, object value) => kind switch
    {
        FieldKind.Text => new NpgsqlParameter<string> { TypedValue = (string)value },
        FieldKind.Instant => new NpgsqlParameter<DateTime> { TypedValue = ((DateTimeOffset)value).UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz },
        FieldKind.Integer => new NpgsqlParameter<int> { TypedValue = Convert.ToInt32(value, CultureInfo.InvariantCulture) },
        _ => new NpgsqlParameter<bool> { TypedValue = (bool)value },
    };

    private static NpgsqlParameter ArrayParameter(FieldKind kind, object?[] values) => kind switch
    {
        FieldKind.Text => new NpgsqlParameter<string[]> { TypedValue = [.. values.Cast<string>()] },
        FieldKind.Instant => new NpgsqlParameter<DateTime[]> { TypedValue = [.. values.Select(v => ((DateTimeOffset)v!).UtcDateTime)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
        FieldKind.Integer => new NpgsqlParameter<int[]> { TypedValue = [.. values.Select(v => Convert.ToInt32(v, CultureInfo.InvariantCulture))] },
        _ => new NpgsqlParameter<bool[]> { TypedValue = [.. values.Cast<bool>()] },
    };

    /// <summary>The ORDER BY clause: the keys asked for, then the complaint id in the last key's direction.</summary>
    internal static string OrderSql(IReadOnlyList<ComplaintOrder> order)
    {
        var keys = (order.Count == 0 ? DefaultOrder : order).ToList();
        var parts = keys.Select(o => $"{Column(o.Field)} {(o.Descending ? "DESC" : "ASC")}").ToList();
        parts.Add($"complaint_id {(keys[^1].Descending ? "DESC" : "ASC")}");
        return string.Join(", ", parts);
    }
}
