using Marten;
using Marten.Services;
using Npgsql;

namespace Idarati.Application.Handling;

/// <summary>
/// The connections the command path writes on, apart from the store's: they prepare the few statements every command
/// runs (Npgsql's auto-prepare), while the store's stay unprepared, because a prepared daemon range query can switch to
/// a generic plan that reads the whole remaining log at every batch (the figures: README, "Unprepared reads, prepared writes").
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
