using Marten;
using Marten.Services;
using Npgsql;

namespace Idarati.Application.Handling;

/// <summary>
/// The connections the command path writes on, apart from the store's. The command path runs the same few statements
/// thousands of times a second (Marten's append function, a key claim, a command record), so its connections prepare
/// them on the server (Npgsql's auto-prepare): POST /api/complaints served 14-17% more with it in two A/B runs of
/// session 13 (and 7% in a third). The store's own connections do not: Marten's async daemon reads the log with a range
/// query, and once prepared, PostgreSQL may switch it after five runs to a generic plan that cannot see how wide the
/// range is. That plan hash-joins every event of the range to its stream and sorts them all to return the first 1,000.
/// A rebuild of the complaint list then read the whole remaining log at every batch (48-98 s instead of 6-9 s for
/// 250,000 events, in 5 of 8 runs); so would a daemon catching up after a stop. Marten leaves auto-prepare off for this
/// reason. Forcing custom plans instead (plan_cache_mode) cost the POST 22-24%: the append function's own statements
/// were planned again at every call. With this split the POST served 1.13 and 1.08 times what it served with every
/// connection prepared (session 13, alternating slices).
/// </summary>
public sealed class CommandConnections(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    /// <summary>Closes the pool with the host.</summary>
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    /// <summary>
    /// A lightweight session for a command's writes: on a connection of <paramref name="connections"/> when the host
    /// has them (Marten begins and commits the transaction on it), else one of the store's own.
    /// </summary>
    public static async Task<WriteSession> OpenAsync(CommandConnections? connections, IDocumentStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (connections is null)
        {
            return new WriteSession(store.LightweightSession(), null);
        }

        var connection = await connections.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return new WriteSession(store.LightweightSession(SessionOptions.ForConnection(connection)), connection);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}

/// <summary>A session and the connection it writes on, if it is not the store's: disposed together, session first.</summary>
public sealed class WriteSession(IDocumentSession session, NpgsqlConnection? connection) : IAsyncDisposable
{
    public IDocumentSession Session { get; } = session;

    public async ValueTask DisposeAsync()
    {
        await Session.DisposeAsync().ConfigureAwait(false);
        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
