using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Idarati.Projections;

/// <summary>A condition on a read-model list: a comparison of one field, or an and / or of conditions.</summary>
public abstract record ListCondition
{
    private ListCondition()
    {
    }

    public sealed record All(IReadOnlyList<ListCondition> Conditions) : ListCondition;

    public sealed record Any(IReadOnlyList<ListCondition> Conditions) : ListCondition;

    /// <summary><paramref name="Operator"/> is one of <see cref="ListShape.Operators"/>; in / nin take a list.</summary>
    public sealed record Compare(string Field, string Operator, object? Value) : ListCondition;
}

/// <summary>One key of an ordering.</summary>
public sealed record ListOrder(string Field, bool Descending);

/// <summary>A window of a read-model list: conditions, ordering (the row id always breaks ties), and rows by offset.</summary>
public sealed record ListSearch(ListCondition? Where, IReadOnlyList<ListOrder> Order, int Offset, int Limit);

public enum ListFieldKind
{
    Text,
    Instant,
    Boolean,
    Integer,
}

/// <summary>A field a list may be filtered and ordered on: its SQL (a column, or an expression that may use $1, the reader's now) and its kind.</summary>
public sealed record ListField(string Sql, ListFieldKind Kind, bool Nullable = false);

/// <summary>
/// What a read-model list offers to search: its table, the columns of a row, the fields by the names the API shows,
/// the default order, the field that scopes it to one administration (if any) and the projection whose checkpoint
/// tells how far the list is.
/// </summary>
public sealed record ListShape(
    string Table, string Select, string IdColumn, IReadOnlyDictionary<string, ListField> Fields, IReadOnlyList<ListOrder> DefaultOrder, string? ScopeField, string Projection)
{
    /// <summary>The operators each kind of field accepts (HotChocolate's names).</summary>
    public static IReadOnlyList<string> Operators(ListFieldKind kind) => kind switch
    {
        ListFieldKind.Text => ["eq", "neq", "in", "nin", "contains", "startsWith"],
        ListFieldKind.Boolean => ["eq", "neq"],
        _ => ["eq", "neq", "in", "nin", "gt", "gte", "lt", "lte"],
    };

    private ListField Field(string name) =>
        Fields.TryGetValue(name, out var field) ? field : throw new ArgumentException($"This list has no field '{name}' to search on.", nameof(name));

    /// <summary>The condition as SQL, its parameters appended to <paramref name="parameters"/> (which already hold $1, now).</summary>
    internal string WhereSql(ListCondition? condition, NpgsqlParameterCollection parameters)
    {
        var sql = new StringBuilder();
        Append(condition, sql, parameters);
        return sql.ToString();
    }

    private void Append(ListCondition? condition, StringBuilder sql, NpgsqlParameterCollection parameters)
    {
        switch (condition)
        {
            case null:
                sql.Append("TRUE");
                break;
            case ListCondition.All all:
                Join(all.Conditions, " AND ", "TRUE", sql, parameters);
                break;
            case ListCondition.Any any:
                Join(any.Conditions, " OR ", "FALSE", sql, parameters);
                break;
            case ListCondition.Compare compare:
                AppendComparison(compare, sql, parameters);
                break;
        }
    }

    private void Join(IReadOnlyList<ListCondition> conditions, string separator, string empty, StringBuilder sql, NpgsqlParameterCollection parameters)
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

    private void AppendComparison(ListCondition.Compare compare, StringBuilder sql, NpgsqlParameterCollection parameters)
    {
        var field = Field(compare.Field);
        if (!Operators(field.Kind).Contains(compare.Operator))
        {
            throw new ArgumentException($"'{compare.Operator}' does not apply to {compare.Field}.");
        }

        if (compare.Value is null && compare.Operator is "eq" or "neq")
        {
            sql.Append(compare.Operator == "eq" ? $"{field.Sql} IS NULL" : $"{field.Sql} IS NOT NULL");
            return;
        }

        if (compare.Value is null)
        {
            throw new ArgumentException($"'{compare.Operator}' on {compare.Field} needs a value, not null.");
        }

        var placeholder = "$" + (parameters.Count + 1).ToString(CultureInfo.InvariantCulture);
        if (compare.Operator is "in" or "nin")
        {
            var values = (compare.Value as System.Collections.IEnumerable)?.Cast<object?>().Where(v => v is not null).ToArray() ?? [];
            parameters.Add(ArrayParameter(field.Kind, values));
            sql.Append(compare.Operator == "in" ? $"{field.Sql} = ANY({placeholder})" : $"NOT ({field.Sql} = ANY({placeholder}))");
            return;
        }

        parameters.Add(Parameter(field.Kind, compare.Value));
        sql.Append(compare.Operator switch
        {
            // neq keeps the rows where the field is null, as HotChocolate does.
            "eq" => $"{field.Sql} = {placeholder}",
            "neq" => $"{field.Sql} IS DISTINCT FROM {placeholder}",
            "gt" => $"{field.Sql} > {placeholder}",
            "gte" => $"{field.Sql} >= {placeholder}",
            "lt" => $"{field.Sql} < {placeholder}",
            "lte" => $"{field.Sql} <= {placeholder}",
            "contains" => $"strpos({field.Sql}, {placeholder}) > 0",
            "startsWith" => $"starts_with({field.Sql}, {placeholder})",
            _ => throw new ArgumentException($"Unknown operator '{compare.Operator}'."),
        });
    }

    private static NpgsqlParameter Parameter(ListFieldKind kind, object value) => kind switch
    {
        ListFieldKind.Text => new NpgsqlParameter<string> { TypedValue = (string)value },
        ListFieldKind.Instant => new NpgsqlParameter<DateTime> { TypedValue = ((DateTimeOffset)value).UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz },
        ListFieldKind.Integer => new NpgsqlParameter<int> { TypedValue = Convert.ToInt32(value, CultureInfo.InvariantCulture) },
        _ => new NpgsqlParameter<bool> { TypedValue = (bool)value },
    };

    private static NpgsqlParameter ArrayParameter(ListFieldKind kind, object?[] values) => kind switch
    {
        ListFieldKind.Text => new NpgsqlParameter<string[]> { TypedValue = [.. values.Cast<string>()] },
        ListFieldKind.Instant => new NpgsqlParameter<DateTime[]> { TypedValue = [.. values.Select(v => ((DateTimeOffset)v!).UtcDateTime)], NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
        ListFieldKind.Integer => new NpgsqlParameter<int[]> { TypedValue = [.. values.Select(v => Convert.ToInt32(v, CultureInfo.InvariantCulture))] },
        _ => new NpgsqlParameter<bool[]> { TypedValue = [.. values.Cast<bool>()] },
    };

    /// <summary>
    /// The ORDER BY clause: the keys asked for, then the id in the last key's direction. PostgreSQL's own null order
    /// (empty optional fields last when ascending, first when descending) keeps the read models' descending indexes usable.
    /// </summary>
    internal string OrderSql(IReadOnlyList<ListOrder> order)
    {
        var keys = (order.Count == 0 ? DefaultOrder : order).ToList();
        var parts = keys.Select(o => $"{Field(o.Field).Sql} {(o.Descending ? "DESC" : "ASC")}").ToList();
        parts.Add($"{IdColumn} {(keys[^1].Descending ? "DESC" : "ASC")}");
        return string.Join(", ", parts);
    }
}

/// <summary>Searches any read-model list described by a <see cref="ListShape"/>, in its store's schema.</summary>
public sealed class ReadModelLists(NpgsqlDataSource dataSource, string schema)
{
    public string Schema => schema;

    /// <summary>A window of the list, limited to one scope value (an administration) when given; with the position the read model was at.</summary>
    public async Task<(IReadOnlyList<T> Rows, long Position)> SearchAsync<T>(
        ListShape shape, ListSearch search, string? scope, DateTimeOffset now, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(search);
        ArgumentNullException.ThrowIfNull(read);
        await using var batch = dataSource.CreateBatch();
        var page = new NpgsqlBatchCommand();
        var where = Where(shape, search.Where, scope, now, page.Parameters);
        page.Parameters.Add(new NpgsqlParameter<int> { TypedValue = search.Offset });
        page.Parameters.Add(new NpgsqlParameter<int> { TypedValue = search.Limit });
        page.CommandText = $"""
            SELECT {shape.Select}
              FROM {schema}.{shape.Table}
             WHERE {where}
             ORDER BY {shape.OrderSql(search.Order)}
             OFFSET ${page.Parameters.Count - 1} LIMIT ${page.Parameters.Count}
            """;
        batch.BatchCommands.Add(page);
        batch.BatchCommands.Add(ReadModelSql.Checkpoint(schema, shape.Projection));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await ReadPageAsync(reader, read, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The rows of a batch's first result, then the checkpoint position its second result holds.</summary>
    public static async Task<(IReadOnlyList<T> Rows, long Position)> ReadPageAsync<T>(NpgsqlDataReader reader, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(read);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(read(reader));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (rows, reader.GetInt64(0));
    }

    /// <summary>How many rows the conditions match, whatever the window.</summary>
    public async Task<long> CountAsync(ListShape shape, ListCondition? where, string? scope, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shape);
        await using var command = dataSource.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {schema}.{shape.Table} WHERE {Where(shape, where, scope, now, command.Parameters)}";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static string Where(ListShape shape, ListCondition? where, string? scope, DateTimeOffset now, NpgsqlParameterCollection parameters)
    {
        parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        if (scope is not null)
        {
            var field = shape.ScopeField ?? throw new InvalidOperationException($"{shape.Table} has no scope field.");
            var limit = new ListCondition.Compare(field, "eq", scope);
            where = where is null ? limit : new ListCondition.All([limit, where]);
        }

        return shape.WhereSql(where, parameters);
    }
}
