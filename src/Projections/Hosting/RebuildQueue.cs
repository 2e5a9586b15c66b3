using Npgsql;

namespace Idarati.Projections;

/// <summary>
/// Rebuilds asked for and not yet done, in the database so that any node may take a request and the node whose daemon
/// runs the read models works through them: a read model is queued until that node starts it, rebuilding until it has
/// caught up. Asking again for one already queued or rebuilding adds nothing.
/// </summary>
public sealed class RebuildQueue(NpgsqlDataSource dataSource, string schema)
{
    public string Table => $"{schema}.daemon_rebuilds";

    public string CreateTableSql => $"""
        CREATE TABLE IF NOT EXISTS {Table} (projection text PRIMARY KEY, requested_at timestamptz NOT NULL, requested_by text NOT NULL,
                                            started_at timestamptz, started_by text)
        """;

    /// <summary>Queues each of <paramref name="names"/> not queued or rebuilding already.</summary>
    public async Task RequestAsync(IReadOnlyList<string> names, string node, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO {Table} (projection, requested_at, requested_by)
            SELECT name, clock_timestamp(), $2 FROM unnest($1) AS name ON CONFLICT (projection) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. names] });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every read model queued or rebuilding, oldest request first, and whether it has started.</summary>
    public async Task<IReadOnlyList<(string Projection, bool Started)>> PendingAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT projection, started_at IS NOT NULL FROM {Table} ORDER BY requested_at, projection");
        var pending = new List<(string, bool)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            pending.Add((reader.GetString(0), reader.GetBoolean(1)));
        }

        return pending;
    }

    /// <summary>Marks a read model's rebuild as started by <paramref name="node"/>.</summary>
    public async Task StartedAsync(string projection, string node, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"UPDATE {Table} SET started_at = clock_timestamp(), started_by = $2 WHERE projection = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes a read model off the queue once its rebuild has ended.</summary>
    public async Task DoneAsync(string projection, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"DELETE FROM {Table} WHERE projection = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = projection });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
