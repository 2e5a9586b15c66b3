using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Idarati.Api;
using Idarati.Api.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace Idarati.Benchmarks;

/// <summary>
/// GraphQL subscriptions. Latency: 1,000 queue subscribers over graphql-transport-ws, half on each of two nodes, while
/// complaints are submitted through node A at 100 per second; from each POST's start to each subscriber's message,
/// beside a raw LISTEN client that hears a NOTIFY sent in the same transaction as a raw INSERT, from the INSERT's start.
/// Memory: a node in a process of its own, its resident memory with idle WebSocket connections, then with 20 idle
/// subscriptions on each: bytes per subscription beside bytes per connection.
/// </summary>
internal static class SubscriptionBenchmark
{
    private const int PerSecond = 100;
    private const int PerConnection = 20;
    private const string Query = "subscription QueueChanged($administrationId: ID!) { queueChanged(administrationId: $administrationId) { id trackingNumber administrationId status version submittedAt answerDue overdue } }";

    public static async Task RunAsync(NpgsqlDataSource dataSource, string connectionString, Settings settings, Report report)
    {
        var subscribers = settings.Smoke ? 100 : 1_000;
        var commands = (int)Math.Max(20, settings.Duration.TotalSeconds * 2 * PerSecond);
        Console.WriteLine($"== subscriptions: {subscribers} queue subscribers on two nodes, {commands} complaints at {PerSecond}/s through node A");
        var raw = await RawListenAsync(dataSource, commands).ConfigureAwait(false);
        report.Add("subscriptions.raw-listen.p50", Percentile(raw, 0.5), "ms");
        report.Add("subscriptions.raw-listen.p99", Percentile(raw, 0.99), "ms");
        var served = await ServedAsync(connectionString, subscribers, commands).ConfigureAwait(false);
        report.Add("subscriptions.queue-changed.p50", Percentile(served, 0.5), "ms", "subscriptions.raw-listen.p50");
        report.Add("subscriptions.queue-changed.p99", Percentile(served, 0.99), "ms", "subscriptions.raw-listen.p99", atMost: 250);

        var idle = settings.Smoke ? 1_000 : 10_000;
        var (perConnection, perSubscription) = await MemoryAsync(connectionString, idle).ConfigureAwait(false);
        report.Add("subscriptions.memory.per-connection", perConnection, "B");
        report.Add("subscriptions.memory.per-idle-subscription", perSubscription, "B", "subscriptions.memory.per-connection");
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>At <see cref="PerSecond"/>, one writer's INSERT and NOTIFY in one transaction, one LISTEN connection hearing them.</summary>
    private static async Task<double[]> RawListenAsync(NpgsqlDataSource dataSource, int count)
    {
        var table = "bench_listen_" + Guid.NewGuid().ToString("N")[..8];
        await using (var create = dataSource.CreateCommand($"CREATE TABLE public.{table} (id bigint PRIMARY KEY, data jsonb NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        var started = new long[count];
        var heard = new long[count];
        await using var listener = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
        var remaining = count;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Notification += (_, e) =>
        {
            heard[int.Parse(e.Payload, CultureInfo.InvariantCulture)] = Stopwatch.GetTimestamp();
            if (Interlocked.Decrement(ref remaining) == 0)
            {
                all.TrySetResult();
            }
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {table}", listener))
        {
            await listen.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        using var stop = new CancellationTokenSource();
        var waiting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await listener.WaitAsync(stop.Token).ConfigureAwait(false);
            }
        });
        await PacedAsync(count, async i =>
        {
            started[i] = Stopwatch.GetTimestamp();
            await using var batch = dataSource.CreateBatch();
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"INSERT INTO public.{table} VALUES ($1, '{{\"status\":\"received\"}}')") { Parameters = { new NpgsqlParameter<long> { TypedValue = i } } });
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify($1, $2)") { Parameters = { new NpgsqlParameter<string> { TypedValue = table }, new NpgsqlParameter<string> { TypedValue = i.ToString(CultureInfo.InvariantCulture) } } });
            await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
        }).ConfigureAwait(false);
        await all.Task.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await waiting.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        await using (var drop = dataSource.CreateCommand($"DROP TABLE public.{table}"))
        {
            await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        return [.. Enumerable.Range(0, count).Select(i => Stopwatch.GetElapsedTime(started[i], heard[i]).TotalMilliseconds).Order()];
    }

    /// <summary>Calls <paramref name="send"/> for 0..count-1 at <see cref="PerSecond"/>, eight at a time at most.</summary>
    private static async Task PacedAsync(int count, Func<int, Task> send)
    {
        var start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 10);
        var next = -1;
        async Task Writer()
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), start + (i * Stopwatch.Frequency / PerSecond));
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait).ConfigureAwait(false);
                }

                await send(i).ConfigureAwait(false);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(Writer))).ConfigureAwait(false);
    }

    private static async Task<double[]> ServedAsync(string connectionString, int subscribers, int commands)
    {
        var schema = "bench_live_" + Guid.NewGuid().ToString("N")[..8];
        var nodes = new List<WebApplication>();
        foreach (var name in new[] { "node-a", "node-b" })
        {
            var app = ApiHost.Build([.. HttpBenchmark.ServiceArguments($"http://127.0.0.1:{HttpBenchmark.FreePort()}", connectionString, schema),
                "--Projections:NodeName", name, "--ReferenceData:LoadDefaults", nodes.Count == 0 ? "true" : "false"]);
            await app.StartAsync().ConfigureAwait(false);
            nodes.Add(app);
        }

        var clients = new List<Connection>();
        try
        {
            var key = nodes[0].Services.GetRequiredService<SymmetricSecurityKey>();
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 8 }) { BaseAddress = new Uri(nodes[0].Urls.Single()) };
            var administrations = (await http.GetFromJsonAsync<JsonElement>("/api/administrations").ConfigureAwait(false)).EnumerateArray()
                .Where(a => a.GetProperty("active").GetBoolean()).Select(a => a.GetProperty("id").GetString()!).Take(10).ToArray();
            var received = new ConcurrentBag<(Guid Id, long At)>();
            for (var c = 0; c < subscribers / PerConnection; c++)
            {
                var administration = administrations[c % administrations.Length];
                var token = Auth.Issue(key, $"bench-agent-{administration}", Auth.Roles.Agent, administration, TimeProvider.System);
                var connection = await Connection.OpenAsync(nodes[c % 2].Urls.Single(), token).ConfigureAwait(false);
                for (var s = 0; s < PerConnection; s++)
                {
                    await connection.SendAsync(new { id = s.ToString(CultureInfo.InvariantCulture), type = "subscribe", payload = new { query = Query, variables = new { administrationId = administration } } }).ConfigureAwait(false);
                }

                connection.Received = (id, at) => received.Add((id, at));
                clients.Add(connection);
            }

            var feeds = nodes.Select(n => n.Services.GetRequiredService<Idarati.Api.Live.LiveFeed>()).ToList();
            while (feeds.Sum(f => f.Subscribers) < subscribers)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }

            // A second of the same load first, untimed, and the read models caught up: the figure is of a warm service.
            var citizen = Auth.Issue(key, "bench-citizen", Auth.Roles.Citizen, null, TimeProvider.System);
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", citizen);
            await PacedAsync(PerSecond, async i =>
            {
                using var response = await http.PostAsync("/api/complaints", HttpBenchmark.Complaint(administrations[i % administrations.Length])).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
            }).ConfigureAwait(false);
            foreach (var node in nodes)
            {
                await BenchmarkTiming.WaitForProjectionsAsync(node.Services).ConfigureAwait(false);
            }

            var warmUp = PerSecond * (subscribers / administrations.Length);
            while (received.Count < warmUp)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }

            received.Clear();

            var started = new ConcurrentDictionary<Guid, long>();
            await PacedAsync(commands, async i =>
            {
                var at = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync("/api/complaints", HttpBenchmark.Complaint(administrations[i % administrations.Length])).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                var id = (await response.Content.ReadFromJsonAsync<JsonElement>().ConfigureAwait(false)).GetProperty("id").GetGuid();
                started[id] = at;
            }).ConfigureAwait(false);

            var expected = commands * (subscribers / administrations.Length);
            var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
            while (received.Count < expected && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {received.Count} of {expected} messages received ({subscribers / administrations.Length} subscribers per administration, {administrations.Length} administrations)"));
            return [.. received.Where(r => started.ContainsKey(r.Id)).Select(r => Stopwatch.GetElapsedTime(started[r.Id], r.At).TotalMilliseconds).Order()];
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
            foreach (var node in nodes)
            {
                await node.StopAsync().ConfigureAwait(false);
                await node.DisposeAsync().ConfigureAwait(false);
            }

            await HttpBenchmark.DropSchemaAsync(connectionString, schema).ConfigureAwait(false);
        }
    }

    /// <summary>A node in a process of its own: its resident memory idle, with connections, then with subscriptions on them.</summary>
    private static async Task<(double PerConnection, double PerSubscription)> MemoryAsync(string connectionString, int subscriptions)
    {
        var schema = "bench_idle_" + Guid.NewGuid().ToString("N")[..8];
        using var node = await NodeProcess.StartAsync(connectionString, schema, "--GraphQL:Subscriptions:ConnectionsPerAddress", "100000").ConfigureAwait(false);
        var clients = new List<Connection>();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(node.Url) };
            var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(HttpBenchmark.SigningKey));
            var token = Auth.Issue(key, "bench-agent", Auth.Roles.Agent, "MIN-SANTE", TimeProvider.System);
            var variables = new { administrationId = "MIN-SANTE" };

            // Warm: one connection and one subscription, so that what follows measures what each one holds, not the first's code.
            var warm = await Connection.OpenAsync(node.Url, token).ConfigureAwait(false);
            await warm.SendAsync(new { id = "w", type = "subscribe", payload = new { query = Query, variables } }).ConfigureAwait(false);
            clients.Add(warm);
            while (!await SubscriptionsAsync(http, 1).ConfigureAwait(false))
            {
                await Task.Delay(100).ConfigureAwait(false);
            }

            var idle = node.Resident();
            var connections = subscriptions / PerConnection;
            for (var c = 0; c < connections; c++)
            {
                clients.Add(await Connection.OpenAsync(node.Url, token).ConfigureAwait(false));
            }

            var connected = node.Resident();
            for (var c = 1; c <= connections; c++)
            {
                for (var s = 0; s < PerConnection; s++)
                {
                    await clients[c].SendAsync(new { id = s.ToString(CultureInfo.InvariantCulture), type = "subscribe", payload = new { query = Query, variables } }).ConfigureAwait(false);
                }
            }

            while (!await SubscriptionsAsync(http, subscriptions + 1).ConfigureAwait(false))
            {
                await Task.Delay(100).ConfigureAwait(false);
            }

            var subscribed = node.Resident();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    node's resident memory: {idle / 1048576.0:F1} MiB idle, {connected / 1048576.0:F1} MiB with {connections} connections, {subscribed / 1048576.0:F1} MiB with {subscriptions} subscriptions on them"));
            return ((connected - idle) / (double)connections, (subscribed - connected) / (double)subscriptions);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
            node.Dispose();
            await HttpBenchmark.DropSchemaAsync(connectionString, schema).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the node holds at least <paramref name="count"/> subscriptions (its idarati_subscriptions gauge).</summary>
    private static async Task<bool> SubscriptionsAsync(HttpClient http, int count)
    {
        var metrics = await http.GetStringAsync("/metrics").ConfigureAwait(false);
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("idarati_subscriptions{", StringComparison.Ordinal));
        return line is not null && double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture) >= count;
    }

    /// <summary>A graphql-transport-ws connection, acknowledged; its receiving loop reports each queue row's id and arrival.</summary>
    private sealed class Connection : IDisposable
    {
        private readonly ClientWebSocket _socket;
        private readonly CancellationTokenSource _stop = new();

        private Connection(ClientWebSocket socket) => _socket = socket;

        public Action<Guid, long>? Received { get; set; }

        public static async Task<Connection> OpenAsync(string url, string token)
        {
            var socket = new ClientWebSocket();
            socket.Options.AddSubProtocol("graphql-transport-ws");
            await socket.ConnectAsync(new Uri(url.Replace("http://", "ws://", StringComparison.Ordinal) + "/graphql"), CancellationToken.None).ConfigureAwait(false);
            var connection = new Connection(socket);
            await connection.SendAsync(new { type = "connection_init", payload = new { Authorization = $"Bearer {token}" } }).ConfigureAwait(false);
            var buffer = new byte[4096];
            var ack = await socket.ReceiveAsync(buffer, CancellationToken.None).ConfigureAwait(false);
            if (!Encoding.UTF8.GetString(buffer, 0, ack.Count).Contains("connection_ack", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("The connection was not acknowledged.");
            }

            _ = connection.ReceiveAsync();
            return connection;
        }

        public Task SendAsync(object message) =>
            _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None);

        private async Task ReceiveAsync()
        {
            var buffer = new byte[64 * 1024];
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var count = 0;
                    ValueWebSocketReceiveResult result;
                    do
                    {
                        result = await _socket.ReceiveAsync(buffer.AsMemory(count), _stop.Token).ConfigureAwait(false);
                        count += result.Count;
                    }
                    while (!result.EndOfMessage);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    var at = Stopwatch.GetTimestamp();
                    if (Received is { } received)
                    {
                        using var message = JsonDocument.Parse(buffer.AsMemory(0, count));
                        if (message.RootElement.TryGetProperty("payload", out var payload) && payload.TryGetProperty("data", out var data))
                        {
                            received(data.GetProperty("queueChanged").GetProperty("id").GetGuid(), at);
                        }
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _socket.Dispose();
            _stop.Dispose();
        }
    }
}
