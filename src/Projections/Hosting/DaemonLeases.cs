using Npgsql;

namespace Idarati.Projections;

/// <summary>A node silenced by its lease and the sessions of it that were ended.</summary>
public sealed record FencedNode(string Node, long SessionsEnded);

/// <summary>
/// The table where every node running Marten's daemon renews its lease, on the database's clock so that nodes never
/// compare their own clocks: one row per node, with the application name its sessions carry and when its daemon last ran
/// the read models. A node silent for longer than the lease is fenced by a live one: its row goes and its sessions are ended,
/// which frees the shard locks Marten's HotCold daemon holds on them and rolls back whatever it had under way.
/// </summary>
public sealed class DaemonLeases(NpgsqlDataSource dataSource, string schema)
{
    public string Table => $"{schema}.daemon_nodes";

    /// <summary>The table (and the single-row leader table it replaces goes).</summary>
    public string CreateTableSql => $"""
        DROP TABLE IF EXISTS {schema}.daemon_leader;
        CREATE TABLE IF NOT EXISTS {Table} (node text PRIMARY KEY, sessions text NOT NULL, seen_at timestamptz NOT NULL, led_at timestamptz)
        """;

    /// <summary>Renews this node's lease; false when it has no row (never registered, or fenced while it was silent).</summary>
    public async Task<bool> TryRenewAsync(string node, bool leading, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"UPDATE {Table} SET seen_at = clock_timestamp(), led_at = CASE WHEN $2 THEN clock_timestamp() ELSE led_at END WHERE node = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = leading });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Takes a lease for this node, whose sessions carry the application name <paramref name="sessions"/>.</summary>
    public async Task RegisterAsync(string node, string sessions, bool leading, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            INSERT INTO {Table} (node, sessions, seen_at, led_at) VALUES ($1, $2, clock_timestamp(), CASE WHEN $3 THEN clock_timestamp() END)
            ON CONFLICT (node) DO UPDATE SET sessions = excluded.sessions, seen_at = excluded.seen_at, led_at = excluded.led_at
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sessions });
        command.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = leading });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Fences every other node whose lease ran out: one statement removes its row and ends its sessions (those named
    /// exactly its application name, or that name and a slash: the command path's pool), so two nodes fencing at once
    /// fence it once.
    /// </summary>
    public async Task<IReadOnlyList<FencedNode>> FenceAsync(string self, TimeSpan lease, CancellationToken cancellationToken = default)
    {
        // application_name is cut to 63 bytes by the server: compare with the names as the server keeps them.
        await using var command = dataSource.CreateCommand($"""
            WITH stale AS (DELETE FROM {Table} WHERE node <> $1 AND seen_at < clock_timestamp() - $2 RETURNING node, sessions)
            SELECT s.node, count(a.pid) FILTER (WHERE pg_terminate_backend(a.pid))
              FROM stale s
              LEFT JOIN pg_stat_activity a ON a.datname = current_database() AND a.pid <> pg_backend_pid()
                    AND (a.application_name = left(s.sessions, 63) OR starts_with(a.application_name, left(s.sessions || '/', 63)))
             GROUP BY s.node
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = self });
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = lease });
        var fenced = new List<FencedNode>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            fenced.Add(new FencedNode(reader.GetString(0), reader.GetInt64(1)));
        }

        return fenced;
    }

    /// <summary>Gives the lease up (a node stopping cleanly), so that the status stops naming it at once.</summary>
    public async Task LeaveAsync(string node, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"DELETE FROM {Table} WHERE node = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = node });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The node that most recently said its daemon runs the read models, and when; the node is null once that is older
    /// than <paramref name="stalledAfter"/> (a leader between two agents' starts, or pausing for a rebuild, stays named).
    /// </summary>
    public async Task<(string? Node, DateTimeOffset? SeenAt)> LeaderAsync(TimeSpan stalledAfter, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT node, led_at, clock_timestamp() - led_at <= $1 FROM {Table} WHERE led_at IS NOT NULL ORDER BY led_at DESC LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = stalledAfter });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return (null, null);
        }

        return (reader.GetBoolean(2) ? reader.GetString(0) : null, reader.GetFieldValue<DateTimeOffset>(1));
    }
}
