using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Idarati.GraphQL.Execution;
using Idarati.GraphQL.Http;
using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Idarati.GraphQL.Tests;

/// <summary>
/// Subscriptions on a real Kestrel port: the executor's Subscribe, graphql-transport-ws message by message with its
/// close codes, GraphQL over SSE's framing, and the limits (subscriptions per connection, connections per address, a
/// slow consumer dropped while another keeps receiving).
/// </summary>
public sealed class SubscriptionTransportTests : IAsyncLifetime
{
    private readonly Ticks _ticks = new();
    private WebApplication _app = null!;
    private Uri _ws = null!;
    private string _http = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.UseWebSockets();
        var schema = BuildSchema(_ticks);
        var options = new SubscriptionOptions
        {
            PerConnection = 3,
            ConnectionsPerAddress = 6,
            QueueLimit = 8,
            InitTimeout = TimeSpan.FromMilliseconds(300),
            EventId = e => e?.ToString(),
            Authenticate = (_, payload, _) => ValueTask.FromResult(payload?.GetValueOrDefault("token") switch
            {
                "wrong" => ConnectionVerdict.Refuse("not a token of this service"),
                "short" => ConnectionVerdict.Accept(TimeProvider.System.GetUtcNow().AddMilliseconds(300)),
                _ => ConnectionVerdict.Accept(),
            }),
        };
        _app.MapGraphQL("/graphql", schema, new GraphQLHttpOptions { Subscriptions = options });
        await _app.StartAsync();
        _http = _app.Urls.Single() + "/graphql";
        _ws = new Uri(_http.Replace("http://", "ws://", StringComparison.Ordinal));
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static Schema BuildSchema(Ticks ticks)
    {
        var query = new ObjectGraphType("Query");
        query.AddFields(new FieldDefinition("hello", Scalars.String) { Resolve = _ => ValueTask.FromResult<object?>("salam") });
        var subscription = new ObjectGraphType("Subscription");
        subscription.AddFields(
            new FieldDefinition("ticks", Scalars.Int.NonNull)
            {
                Arguments = [new InputValueDefinition("times", Scalars.Int).WithDefault(1)],
                Subscribe = c => ValueTask.FromResult(ticks.Listen(c.CancellationToken)),
                Resolve = c => ValueTask.FromResult<object?>((int)c.Source! * c.Argument<int>("times")),
            },
            new FieldDefinition("padded", Scalars.String.NonNull)
            {
                Arguments = [new InputValueDefinition("length", Scalars.Int.NonNull)],
                Subscribe = c => ValueTask.FromResult(ticks.Listen(c.CancellationToken)),
                Resolve = c => ValueTask.FromResult<object?>(new string('x', c.Argument<int>("length"))),
            },
            new FieldDefinition("refused", Scalars.Int) { Subscribe = _ => throw new GraphQLException("Not for you.", "FORBIDDEN") });
        return new Schema(query, subscription: subscription);
    }

    [Fact]
    public async Task The_executor_answers_each_event_and_refuses_before_any_event()
    {
        var schema = BuildSchema(_ticks);
        var request = new ExecutionRequest(schema, Parser.Parse("subscription { ticks(times: 2) }"));
        using var stop = new CancellationTokenSource();
        var subscribed = await Executor.SubscribeAsync(request, stop.Token);
        Assert.Null(subscribed.Refusal);
        await using var events = subscribed.Events!.GetAsyncEnumerator(stop.Token);
        var next = events.MoveNextAsync().AsTask();
        _ticks.Publish(21);
        Assert.True(await next);
        var result = await Executor.ExecuteEventAsync(request, events.Current);
        Assert.Equal(42, result.Data!["ticks"]);

        var refused = await Executor.SubscribeAsync(new ExecutionRequest(schema, Parser.Parse("subscription { refused }")));
        var error = Assert.Single(refused.Refusal!.Errors);
        Assert.Equal("FORBIDDEN", error.Code);
        Assert.Equal(["refused"], error.Path!);
        Assert.Null(refused.Events);

        var query = await Executor.SubscribeAsync(new ExecutionRequest(schema, Parser.Parse("{ hello }")));
        Assert.Contains("Only subscription operations", Assert.Single(query.Refusal!.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_subscription_streams_next_messages_until_the_client_completes_it()
    {
        using var client = await ConnectAsync();
        await client.SendAsync(new { type = "connection_init", payload = new { token = "good" } });
        Assert.Equal("connection_ack", (await client.ReceiveAsync())!.Value.GetProperty("type").GetString());
        await client.SendAsync(new { type = "ping" });
        Assert.Equal("pong", (await client.ReceiveAsync())!.Value.GetProperty("type").GetString());

        await client.SendAsync(new { id = "a", type = "subscribe", payload = new { query = "subscription { ticks(times: 3) }" } });
        await _ticks.SubscribedAsync(1);
        _ticks.Publish(1);
        _ticks.Publish(2);
        foreach (var expected in new[] { 3, 6 })
        {
            var next = (await client.ReceiveAsync())!.Value;
            Assert.Equal("next", next.GetProperty("type").GetString());
            Assert.Equal("a", next.GetProperty("id").GetString());
            Assert.Equal(expected, next.GetProperty("payload").GetProperty("data").GetProperty("ticks").GetInt32());
        }

        await client.SendAsync(new { id = "a", type = "complete" });
        await _ticks.SubscribedAsync(0);

        // A refused subscription is an error message for its id; the connection stays.
        await client.SendAsync(new { id = "b", type = "subscribe", payload = new { query = "subscription { refused }" } });
        var error = (await client.ReceiveAsync())!.Value;
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("FORBIDDEN", error.GetProperty("payload")[0].GetProperty("extensions").GetProperty("code").GetString());
        await client.SendAsync(new { id = "c", type = "subscribe", payload = new { query = "subscription { ticks nope }" } });
        var invalid = (await client.ReceiveAsync())!.Value;
        Assert.Equal("error", invalid.GetProperty("type").GetString());
        Assert.Equal("GRAPHQL_VALIDATION_FAILED", invalid.GetProperty("payload")[0].GetProperty("extensions").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("subscribe-first", 4401)]
    [InlineData("init-twice", 4429)]
    [InlineData("same-id", 4409)]
    [InlineData("not-json", 4400)]
    [InlineData("unknown-type", 4400)]
    [InlineData("wrong-token", 4403)]
    [InlineData("no-init", 4408)]
    [InlineData("expired", 4403)]
    public async Task Each_misuse_closes_the_socket_with_the_protocols_code(string misuse, int code)
    {
        using var client = await ConnectAsync();
        var subscribe = new { id = "x", type = "subscribe", payload = new { query = "subscription { ticks }" } };
        switch (misuse)
        {
            case "subscribe-first":
                await client.SendAsync(subscribe);
                break;
            case "init-twice":
                await client.InitAsync();
                await client.SendAsync(new { type = "connection_init" });
                break;
            case "same-id":
                await client.InitAsync();
                await client.SendAsync(subscribe);
                await client.SendAsync(subscribe);
                break;
            case "not-json":
                await client.SendTextAsync("{ type: connection_init");
                break;
            case "unknown-type":
                await client.SendAsync(new { type = "start", id = "1" });
                break;
            case "wrong-token":
                await client.SendAsync(new { type = "connection_init", payload = new { token = "wrong" } });
                break;
            case "expired":
                await client.InitAsync("short");
                break;
        }

        Assert.Equal(code, await client.ClosedWithAsync());
    }

    [Fact]
    public async Task A_client_without_the_subprotocol_is_closed_with_4406()
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("graphql-ws");
        await socket.ConnectAsync(_ws, CancellationToken.None);
        var client = new Client(socket);
        Assert.Equal(4406, await client.ClosedWithAsync());
    }

    [Fact]
    public async Task Subscriptions_per_connection_and_connections_per_address_are_limited()
    {
        using var client = await ConnectAsync();
        await client.InitAsync();
        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync(new { id = $"s{i}", type = "subscribe", payload = new { query = "subscription { ticks }" } });
        }

        await _ticks.SubscribedAsync(3);
        await client.SendAsync(new { id = "s3", type = "subscribe", payload = new { query = "subscription { ticks }" } });
        var refused = (await client.ReceiveAsync())!.Value;
        Assert.Equal(("error", "s3"), (refused.GetProperty("type").GetString(), refused.GetProperty("id").GetString()));
        Assert.Equal("TOO_MANY_SUBSCRIPTIONS", refused.GetProperty("payload")[0].GetProperty("extensions").GetProperty("code").GetString());

        // Six connections from this address at most, WebSocket and SSE together: this one and five more.
        var others = new List<Client>();
        for (var i = 0; i < 5; i++)
        {
            var other = await ConnectAsync();
            await other.InitAsync();
            others.Add(other);
        }

        using var seventh = await ConnectAsync();
        Assert.Equal(4429, await seventh.ClosedWithAsync());
        using var http = new HttpClient();
        using var sse = await PostEventStreamAsync(http, "subscription { ticks }");
        Assert.Equal(HttpStatusCode.TooManyRequests, sse.StatusCode);
        Assert.NotNull(sse.Headers.RetryAfter);
        others.ForEach(o => o.Dispose());
    }

    [Fact]
    public async Task Over_sse_events_carry_ids_and_errors_before_execution_come_as_a_next_event()
    {
        using var http = new HttpClient();
        using (var refused = await PostEventStreamAsync(http, "subscription { ticks nope }"))
        {
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
            Assert.Equal("text/event-stream", refused.Content.Headers.ContentType!.MediaType);
            var text = await refused.Content.ReadAsStringAsync();
            Assert.StartsWith("event: next\ndata: {\"errors\":[", text, StringComparison.Ordinal);
            Assert.EndsWith("event: complete\ndata: \n\n", text, StringComparison.Ordinal);
        }

        using var response = await PostEventStreamAsync(http, "subscription { ticks(times: 10) }");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await _ticks.SubscribedAsync(1);
        _ticks.Publish(4);
        Assert.Equal("id: 4", await reader.ReadLineAsync());
        Assert.Equal("event: next", await reader.ReadLineAsync());
        Assert.Equal("data: {\"data\":{\"ticks\":40}}", await reader.ReadLineAsync());
    }

    [Fact]
    public async Task A_consumer_that_stops_reading_is_dropped_while_another_keeps_receiving()
    {
        using var fast = await ConnectAsync();
        await fast.InitAsync();
        await fast.SendAsync(new { id = "f", type = "subscribe", payload = new { query = "subscription { ticks }" } });

        // The slow one: a receive window of a few kilobytes, three subscriptions of 2 kB messages, never read.
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 2048, NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, token);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var slowSocket = new ClientWebSocket();
        slowSocket.Options.AddSubProtocol(GraphQLWebSocketSubprotocol);
        await slowSocket.ConnectAsync(_ws, new HttpMessageInvoker(handler), CancellationToken.None);
        var slow = new Client(slowSocket);
        await slow.InitAsync();
        for (var i = 0; i < 3; i++)
        {
            await slow.SendAsync(new { id = $"s{i}", type = "subscribe", payload = new { query = "subscription { padded(length: 2000) }" } });
        }

        await _ticks.SubscribedAsync(4);
        var published = 0;
        while (_ticks.Subscribers == 4 && published < 200_000)
        {
            _ticks.Publish(++published);
            var next = (await fast.ReceiveAsync())!.Value;
            Assert.Equal(published, next.GetProperty("payload").GetProperty("data").GetProperty("ticks").GetInt32());
        }

        // Dropped: its subscriptions are gone, the fast one's stays and still gets every event.
        await _ticks.SubscribedAsync(1);
        _ticks.Publish(++published);
        Assert.Equal(published, (await fast.ReceiveAsync())!.Value.GetProperty("payload").GetProperty("data").GetProperty("ticks").GetInt32());
        Assert.True(published < 200_000, "The slow consumer was never dropped.");
        var code = await slow.ClosedWithAsync();
        Assert.True(code is 1008 or null, $"closed with {code}");
    }

    private const string GraphQLWebSocketSubprotocol = "graphql-transport-ws";

    private async Task<HttpResponseMessage> PostEventStreamAsync(HttpClient http, string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _http) { Content = new StringContent(JsonSerializer.Serialize(new { query }), Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private async Task<Client> ConnectAsync()
    {
        var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol(GraphQLWebSocketSubprotocol);
        await socket.ConnectAsync(_ws, CancellationToken.None);
        return new Client(socket);
    }

    /// <summary>A bare graphql-transport-ws client: the messages as JSON, and the close code the server ends with.</summary>
    private sealed class Client(ClientWebSocket socket) : IDisposable
    {
        public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

        public Task SendTextAsync(string text) => socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

        public async Task InitAsync(string token = "good")
        {
            await SendAsync(new { type = "connection_init", payload = new { token } });
            Assert.Equal("connection_ack", (await ReceiveAsync())!.Value.GetProperty("type").GetString());
        }

        /// <summary>The next message; null when the server closed the socket.</summary>
        public async Task<JsonElement?> ReceiveAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var buffer = new byte[64 * 1024];
            using var message = new MemoryStream();
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, timeout.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                message.Write(buffer, 0, received.Count);
                if (received.EndOfMessage)
                {
                    return JsonDocument.Parse(message.ToArray()).RootElement.Clone();
                }
            }
        }

        /// <summary>Reads until the server closes; its close code (null when the connection was cut without one).</summary>
        public async Task<int?> ClosedWithAsync()
        {
            try
            {
                while (await ReceiveAsync() is not null)
                {
                }
            }
            catch (WebSocketException)
            {
                return null;
            }

            return (int?)socket.CloseStatus;
        }

        public void Dispose() => socket.Dispose();
    }

    /// <summary>A source stream the tests drive: each subscriber's queue is bounded, and one that fills is dropped.</summary>
    private sealed class Ticks
    {
        private readonly List<Channel<object>> _subscribers = [];
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Subscribers
        {
            get
            {
                lock (_subscribers)
                {
                    return _subscribers.Count;
                }
            }
        }

        public async IAsyncEnumerable<object?> Listen([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var channel = Channel.CreateBounded<object>(16);
            Change(() => _subscribers.Add(channel));
            try
            {
                while (await channel.Reader.WaitToReadAsync(cancellationToken))
                {
                    while (channel.Reader.TryRead(out var item))
                    {
                        yield return item;
                    }
                }
            }
            finally
            {
                Change(() => _subscribers.Remove(channel));
            }
        }

        public void Publish(int value)
        {
            lock (_subscribers)
            {
                foreach (var channel in _subscribers.ToList())
                {
                    if (!channel.Writer.TryWrite(value))
                    {
                        channel.Writer.TryComplete(new SlowSubscriberException("Slow consumer."));
                        _subscribers.Remove(channel);
                        Signal();
                    }
                }
            }
        }

        /// <summary>Completes once exactly <paramref name="count"/> subscribers listen.</summary>
        public async Task SubscribedAsync(int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (true)
            {
                Task changed;
                lock (_subscribers)
                {
                    if (_subscribers.Count == count)
                    {
                        return;
                    }

                    changed = _changed.Task;
                }

                await changed.WaitAsync(timeout.Token);
            }
        }

        private void Change(Action change)
        {
            lock (_subscribers)
            {
                change();
                Signal();
            }
        }

        private void Signal()
        {
            var changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.TrySetResult();
        }
    }
}
