using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Idarati.Tests;

/// <summary>
/// A TCP proxy in front of the test server that loses a COMMIT: when armed, the first transaction whose COMMIT follows
/// at least <see cref="Arm"/>'s number of Marten appends is cut, either after the server received the COMMIT (its
/// answer never reaches the client: the outcome is unknown to it, and the transaction is committed) or before (the
/// server never sees it, and rolls the transaction back when the connection drops).
/// </summary>
public sealed class LostCommitProxy : IAsyncDisposable
{
    /// <summary>The statement as the protocol carries it, null-terminated (so that "READ COMMITTED" is not taken for it).</summary>
    private static readonly byte[] Commit = Encoding.ASCII.GetBytes("COMMIT\0");
    private static readonly byte[] Append = Encoding.ASCII.GetBytes("mt_quick_append_events");

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _host;
    private readonly int _port;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _minimumAppends = int.MaxValue;
    private bool _afterServerReceived;
    private int _lost;

    public LostCommitProxy(string connectionString)
    {
        var target = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        (_host, _port) = (target.Host!, target.Port);
        _listener.Start();
        ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Host = "127.0.0.1", Port = ((IPEndPoint)_listener.LocalEndpoint).Port, Pooling = false }.ConnectionString;
        _accepting = AcceptAsync();
    }

    /// <summary>The test server's connection string, through the proxy (no pooling: a cut connection is never reused).</summary>
    public string ConnectionString { get; }

    /// <summary>How many COMMITs were lost so far.</summary>
    public int Lost => Volatile.Read(ref _lost);

    /// <summary>Loses the next COMMIT of a transaction with at least <paramref name="appends"/> appends, after or before the server got it.</summary>
    public void Arm(int appends, bool afterServerReceived)
    {
        _afterServerReceived = afterServerReceived;
        Volatile.Write(ref _minimumAppends, appends);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var server = new TcpClient();
        using var _ = client;
        await server.ConnectAsync(_host, _port);
        var fromClient = client.GetStream();
        var toServer = server.GetStream();
        var cut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var commitSent = false;

        async Task Upstream()
        {
            var buffer = new byte[65536];
            var appends = 0;
            int read;
            while ((read = await fromClient.ReadAsync(buffer)) > 0)
            {
                var chunk = buffer.AsSpan(0, read);
                appends += Count(chunk, Append);
                if (chunk.IndexOf(Commit) >= 0)
                {
                    if (appends >= Volatile.Read(ref _minimumAppends) && Interlocked.Exchange(ref _minimumAppends, int.MaxValue) != int.MaxValue)
                    {
                        Interlocked.Increment(ref _lost);
                        if (!_afterServerReceived)
                        {
                            cut.TrySetResult();
                            return;
                        }

                        commitSent = true;
                    }

                    appends = 0;
                }

                await toServer.WriteAsync(buffer.AsMemory(0, read));
            }
        }

        async Task Downstream()
        {
            var buffer = new byte[65536];
            int read;
            while ((read = await toServer.ReadAsync(buffer)) > 0)
            {
                if (Volatile.Read(ref commitSent))
                {
                    // The server committed; its answer is dropped with the connection.
                    cut.TrySetResult();
                    return;
                }

                await fromClient.WriteAsync(buffer.AsMemory(0, read));
            }
        }

        try
        {
            await Task.WhenAny(Upstream(), Downstream(), cut.Task);
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        client.Client.Close(0);
        server.Client.Close(0);
    }

    private static int Count(ReadOnlySpan<byte> text, ReadOnlySpan<byte> word)
    {
        var count = 0;
        for (var at = text.IndexOf(word); at >= 0; at = text.IndexOf(word))
        {
            count++;
            text = text[(at + word.Length)..];
        }

        return count;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
