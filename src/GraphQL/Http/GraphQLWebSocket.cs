using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Idarati.GraphQL.Execution;
using Microsoft.AspNetCore.Http;

namespace Idarati.GraphQL.Http;

/// <summary>
/// The graphql-transport-ws subprotocol (graphql-ws's PROTOCOL.md): connection_init answered by connection_ack or
/// closed 4403, ping/pong, subscribe/next/error/complete, and the protocol's close codes: 4400 an invalid message, 4401
/// a subscribe before the ack, 4403 refused credentials or credentials that expired, 4406 another subprotocol, 4408 no
/// connection_init in time, 4409 a duplicate id, 4429 a second connection_init (and too many connections from one
/// address). Messages wait in one bounded queue; a connection that lets it fill is dropped (1008).
/// </summary>
internal sealed class GraphQLWebSocket
{
    public const string Subprotocol = "graphql-transport-ws";

    private readonly GraphQLHttp.Handler _handler;
    private readonly HttpContext _http;
    private readonly WebSocket _socket;
    private readonly SubscriptionOptions _options;
    private readonly Channel<byte[]> _outgoing;
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _operations = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing;
    private int _initialised;
    private volatile bool _acknowledged;
    private (WebSocketCloseStatus Status, string Reason)? _close;

    private GraphQLWebSocket(GraphQLHttp.Handler handler, HttpContext http, WebSocket socket)
    {
        (_handler, _http, _socket, _options) = (handler, http, socket, handler.Options.Subscriptions);
        _outgoing = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(_options.QueueLimit) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _closing = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
    }

    public static async Task RunAsync(GraphQLHttp.Handler handler, HttpContext http)
    {
        var offered = http.WebSockets.WebSocketRequestedProtocols;
        using var socket = await http.WebSockets.AcceptWebSocketAsync(offered.Contains(Subprotocol) ? Subprotocol : null).ConfigureAwait(false);
        if (!offered.Contains(Subprotocol))
        {
            await socket.CloseAsync((WebSocketCloseStatus)4406, "Subprotocol not acceptable", http.RequestAborted).ConfigureAwait(false);
            return;
        }

        using var lease = handler.Gate.Enter(http);
        if (lease is null)
        {
            await socket.CloseAsync((WebSocketCloseStatus)4429, "Too many connections from this address", http.RequestAborted).ConfigureAwait(false);
            return;
        }

        await new GraphQLWebSocket(handler, http, socket).RunAsync().ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var writer = WriteAsync();
        var timeout = InitTimeoutAsync();
        try
        {
            await ReceiveAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The client went, or the connection was closed from this side.
        }
        finally
        {
            foreach (var operation in _operations.Values)
            {
                await operation.CancelAsync().ConfigureAwait(false);
            }

            _outgoing.Writer.TryComplete();
            await writer.ConfigureAwait(false);
            await _closing.CancelAsync().ConfigureAwait(false);
            await timeout.ConfigureAwait(false);
            _closing.Dispose();
        }
    }

    private async Task InitTimeoutAsync()
    {
        try
        {
            await Task.Delay(_options.InitTimeout, _options.Time, _closing.Token).ConfigureAwait(false);
            if (Volatile.Read(ref _initialised) == 0)
            {
                Close(4408, "Connection initialisation timeout");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Ends the connection with a close code: the writer sends what is queued, then the close frame.</summary>
    private void Close(int code, string reason)
    {
        lock (_operations)
        {
            _close ??= ((WebSocketCloseStatus)code, reason);
        }

        _outgoing.Writer.TryComplete();
    }

    private async Task ReceiveAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var message = new ArrayBufferWriter<byte>();
        try
        {
            while (!_closing.IsCancellationRequested && _close is null)
            {
                var received = await _socket.ReceiveAsync(buffer.AsMemory(), _closing.Token).ConfigureAwait(false);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    Close(1000, "Normal Closure");
                    return;
                }

                if (message.WrittenCount + received.Count > _options.MaxMessageBytes)
                {
                    Close((int)WebSocketCloseStatus.MessageTooBig, $"Messages are limited to {_options.MaxMessageBytes} bytes");
                    return;
                }

                message.Write(buffer.AsSpan(0, received.Count));
                if (!received.EndOfMessage)
                {
                    continue;
                }

                if (received.MessageType != WebSocketMessageType.Text)
                {
                    Close(4400, "Messages are JSON text");
                    return;
                }

                await HandleAsync(message.WrittenMemory).ConfigureAwait(false);
                message.ResetWrittenCount();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task HandleAsync(ReadOnlyMemory<byte> text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            Close(4400, "Invalid message received: not JSON");
            return;
        }

        using (document)
        {
            var root = document.RootElement;
            var type = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var id = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
            var payload = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("payload", out var p) ? p : default;
            switch (type)
            {
                case "connection_init" when payload.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Object:
                    await InitialiseAsync(payload).ConfigureAwait(false);
                    break;
                case "ping":
                    Send(ResponseJson.Message("pong", null));
                    break;
                case "pong":
                    break;
                case "subscribe" when !string.IsNullOrEmpty(id) && payload.ValueKind == JsonValueKind.Object:
                    Subscribe(id, payload);
                    break;
                case "complete" when !string.IsNullOrEmpty(id):
                    if (_operations.TryRemove(id, out var operation))
                    {
                        await operation.CancelAsync().ConfigureAwait(false);
                    }

                    break;
                default:
                    Close(4400, $"Invalid message received: {(type is null ? "no type" : $"'{type}' malformed or unknown")}");
                    break;
            }
        }
    }

    private async Task InitialiseAsync(JsonElement payload)
    {
        if (Interlocked.Exchange(ref _initialised, 1) == 1)
        {
            Close(4429, "Too many initialisation requests");
            return;
        }

        var parameters = payload.ValueKind == JsonValueKind.Object ? GraphQLHttp.FromJson(payload) as IReadOnlyDictionary<string, object?> : null;
        var verdict = _options.Authenticate is { } authenticate
            ? await authenticate(_http, parameters ?? new Dictionary<string, object?>(), _closing.Token).ConfigureAwait(false)
            : ConnectionVerdict.Accept();
        if (!verdict.Accepted)
        {
            Close(4403, $"Forbidden: {verdict.Reason}");
            return;
        }

        _acknowledged = true;
        Send(ResponseJson.Message("connection_ack", null));
        if (verdict.ExpiresAt is { } expires)
        {
            _ = ExpireAsync(expires);
        }
    }

    /// <summary>Credentials that expire end the connection with 4403; a client reconnects with fresh ones.</summary>
    private async Task ExpireAsync(DateTimeOffset expires)
    {
        try
        {
            var left = expires - _options.Time.GetUtcNow();
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left, _options.Time, _closing.Token).ConfigureAwait(false);
            }

            Close(4403, "Forbidden: the token expired");
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Subscribe(string id, JsonElement payload)
    {
        if (!_acknowledged)
        {
            Close(4401, "Unauthorized");
            return;
        }

        var (parameters, problem, _) = GraphQLRequest.FromJson(payload);
        if (parameters is null)
        {
            Send(ResponseJson.Message("error", id, ResponseJson.Errors([new GraphQLError(problem!).WithCode(ErrorCodes.BadUserInput)])));
            return;
        }

        var cancellation = CancellationTokenSource.CreateLinkedTokenSource(_closing.Token);
        if (!_operations.TryAdd(id, cancellation))
        {
            cancellation.Dispose();
            Close(4409, $"Subscriber for {id} already exists");
            return;
        }

        if (_operations.Count > _options.PerConnection)
        {
            _operations.TryRemove(id, out _);
            cancellation.Dispose();
            Send(ResponseJson.Message("error", id, ResponseJson.Errors([new GraphQLError(
                $"A connection may hold {_options.PerConnection} subscriptions at once: complete one first.").WithCode("TOO_MANY_SUBSCRIPTIONS")])));
            return;
        }

        _ = RunOperationAsync(id, parameters, cancellation);
    }

    private async Task RunOperationAsync(string id, GraphQLRequest parameters, CancellationTokenSource cancellation)
    {
        var token = cancellation.Token;
        try
        {
            var (stream, refusal) = await SubscriptionRun.StartAsync(_handler, _http, parameters, token).ConfigureAwait(false);
            if (refusal is not null)
            {
                Finish(id, cancellation, ResponseJson.Message("error", id, ResponseJson.Errors(refusal)));
                return;
            }

            await foreach (var (payload, _) in stream!.WithCancellation(token).ConfigureAwait(false))
            {
                Send(ResponseJson.Message("next", id, payload));
            }

            Finish(id, cancellation, ResponseJson.Message("complete", id));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Completed by the client, or the connection is closing.
        }
        catch (SlowSubscriberException slow)
        {
            Close((int)WebSocketCloseStatus.PolicyViolation, slow.Message);
        }
        catch (Exception error)
        {
            Finish(id, cancellation, ResponseJson.Message("error", id, ResponseJson.Errors([new GraphQLError(error.Message)])));
        }
        finally
        {
            if (_operations.TryGetValue(id, out var current) && ReferenceEquals(current, cancellation))
            {
                _operations.TryRemove(id, out _);
            }

            cancellation.Dispose();
        }
    }

    /// <summary>The operation's last message, unless the client completed it first (then nothing more is sent for it).</summary>
    private void Finish(string id, CancellationTokenSource cancellation, byte[] last)
    {
        if (_operations.TryGetValue(id, out var current) && ReferenceEquals(current, cancellation) && _operations.TryRemove(id, out _))
        {
            Send(last);
        }
    }

    /// <summary>Queues a message; a connection whose queue is full is not reading: it is dropped.</summary>
    private void Send(byte[] message)
    {
        if (!_outgoing.Writer.TryWrite(message) && _close is null)
        {
            Close((int)WebSocketCloseStatus.PolicyViolation, $"Slow consumer: more than {_options.QueueLimit} messages waiting");
            _ = AbortLaterAsync();
        }
    }

    /// <summary>A dropped connection whose close frame cannot get through either is aborted.</summary>
    private async Task AbortLaterAsync()
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), _options.Time, _closing.Token).ConfigureAwait(false);
            _socket.Abort();
            await _closing.CancelAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task WriteAsync()
    {
        try
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync(_closing.Token).ConfigureAwait(false))
            {
                await _socket.SendAsync(message, WebSocketMessageType.Text, true, _closing.Token).ConfigureAwait(false);
            }

            var (status, reason) = _close ?? (WebSocketCloseStatus.NormalClosure, "Normal Closure");
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                // The close frame out; the receiving loop ends on the client's answer, or two seconds later without one.
                await _socket.CloseOutputAsync(status, reason, _closing.Token).ConfigureAwait(false);
                _closing.CancelAfter(TimeSpan.FromSeconds(2));
                return;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }

        await _closing.CancelAsync().ConfigureAwait(false);
    }
}
