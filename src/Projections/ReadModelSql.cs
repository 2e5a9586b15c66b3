using Npgsql;
using NpgsqlTypes;

namespace Idarati.Projections;

/// <summary>What every table projection needs: parameters from plain values, enum names as stored, and a reset.</summary>
public static class ReadModelSql
{
    public static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value is DateTimeOffset d
                ? new NpgsqlParameter<DateTime> { TypedValue = d.UtcDateTime, NpgsqlDbType = NpgsqlDbType.TimestampTz }
                : new NpgsqlParameter { Value = value });
        }

        return command;
    }

    /// <summary>The camelCase name the API and the events use for an enum value.</summary>
    public static string Wire<T>(T value)
        where T : struct, Enum => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    /// <summary>The statement that reads a projection's checkpoint (0 before its first batch): the position a report covers.</summary>
    public static NpgsqlBatchCommand Checkpoint(string schema, string projection) =>
        Command($"SELECT coalesce((SELECT position FROM {schema}.projections WHERE name = $1), 0)", projection);

    public static async Task TruncateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string table, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"TRUNCATE {table}", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the statements of one batch, if any, in the daemon's transaction.</summary>
    public static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IEnumerable<NpgsqlBatchCommand> commands, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var command in commands)
        {
            batch.BatchCommands.Add(command);
        }

        if (batch.BatchCommands.Count > 0)
        {
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
