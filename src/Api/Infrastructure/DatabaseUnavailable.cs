using Npgsql;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// Failures that mean "the database cannot be reached right now" (a restart, a failover, a full connection table),
/// not "the request is wrong": clients get 503 with Retry-After (GraphQL: SERVICE_UNAVAILABLE) and try again.
/// </summary>
public static class DatabaseUnavailable
{
    public const string GraphQLCode = "SERVICE_UNAVAILABLE";

    /// <summary>Seconds a client should wait before retrying: about what a PostgreSQL restart takes.</summary>
    public const int RetryAfterSeconds = 5;

    public static bool Is(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // 08: connection exception; 57P01-57P03: admin or crash shutdown, cannot connect now; 53300: too many connections.
                case PostgresException p when p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState is "57P01" or "57P02" or "57P03" or "53300":
                    return true;
                case PostgresException:
                    return false;
                case NpgsqlException { IsTransient: true }:
                case System.Net.Sockets.SocketException:
                    return true;
            }
        }

        return false;
    }
}
