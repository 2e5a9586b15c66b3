using Microsoft.Extensions.Logging;
using Npgsql;

namespace Idarati.Application.Handling;

/// <summary>
/// The run numbers of a recurring job carried by durable Wolverine scheduled messages (the retention sweep, the
/// deadlines' watch): each message names the run it is for, and a run is claimed by one compare-and-set on its row of
/// <c>service_runs</c>. However many nodes hold a message for a run, and however often a node restarts and starts the
/// chain again, each run happens once, and only its claimant schedules the next.
/// </summary>
public sealed class RunCounter(NpgsqlDataSource dataSource, string schema, string name, TimeProvider time)
{
    public const string TableName = "service_runs";

    public string Name => name;

    /// <summary>The run a new chain starts from (the row is made on first use).</summary>
    public async Task<long> CurrentRunAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            WITH made AS (INSERT INTO {schema}.{TableName} (name, run) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING RETURNING run)
            SELECT run FROM made UNION ALL SELECT run FROM {schema}.{TableName} WHERE name = $1 LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// Does run <paramref name="run"/>'s <paramref name="work"/> if this caller claims the run; a failure of the database
    /// spends the run (the next one does what it could not) and is logged. True for the claimant, which schedules the next run.
    /// </summary>
    public async Task<bool> RunOnceAsync(long run, Func<CancellationToken, Task> work, ILogger logger, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(logger);
        if (!await ClaimAsync(run, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        try
        {
            await work(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException or ConcurrentChangeException)
        {
            logger.LogError(e, "Run {Run} of {Job} failed; the next run tries again", run, name);
        }

        return true;
    }

    /// <summary>Claims a run: true for exactly one caller per run number.</summary>
    public async Task<bool> ClaimAsync(long run, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"UPDATE {schema}.{TableName} SET run = run + 1, last_run_at = $3 WHERE name = $1 AND run = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = run });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }
}
