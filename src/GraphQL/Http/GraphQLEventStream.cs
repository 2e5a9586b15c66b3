using System.Text;
using System.Threading.Channels;
using Idarati.GraphQL.Execution;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Idarati.GraphQL.Http;

/// <summary>
/// GraphQL over Server-Sent Events, graphql-sse's distinct connections mode: a GET or POST /graphql that accepts
/// text/event-stream is one subscription on its own response. Every error before execution comes as a next event then
/// complete on an accepted stream, as the protocol asks; each event carries an id (the log position) that a client sends
/// back as Last-Event-ID to resume. Expired credentials end the stream with an UNAUTHENTICATED error; a client that
/// lets its queue fill is cut off; an address over its connections gets 429.
/// </summary>
internal static class GraphQLEventStream
{
    public const string MediaType = "text/event-stream";

    private static readonly byte[] Complete = Encoding.UTF8.GetBytes("event: complete\ndata: \n\n");
    private static readonly byte[] Comment = Encoding.UTF8.GetBytes(":\n\n");

    public static bool IsWanted(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsPost(request.Method))
        && MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var types)
        && types.Any(t => string.Equals(t.MediaType.Value, MediaType, StringComparison.OrdinalIgnoreCase) && t.Quality is null or > 0);

    public static async Task RunAsync(GraphQLHttp.Handler handler, HttpContext http)
    {
        var options = handler.Options.Subscriptions;
        using var lease = handler.Gate.Enter(http);
        if (lease is null)
        {
            http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            http.Response.Headers.RetryAfter = "5";
            http.Response.ContentType = "text/plain; charset=utf-8";
            await http.Response.WriteAsync($"Too many connections from this address: at most {options.ConnectionsPerAddress} streams at once.").ConfigureAwait(false);
            return;
        }

        var (parameters, problem, _) = HttpMethods.IsGet(http.Request.Method)
            ? GraphQLRequest.FromQueryString(http.Request.Query)
            : await GraphQLRequest.FromBodyAsync(http.Request).ConfigureAwait(false);
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = MediaType + "; charset=utf-8";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        // The headers out now: a client waits for them before it reads any event.
        await http.Response.StartAsync(http.RequestAborted).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(http.RequestAborted).ConfigureAwait(false);

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var outgoing = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(options.QueueLimit) { SingleReader = true });
        var writer = WriteAsync(http, outgoing.Reader, options, stop);
        try
        {
            await StreamAsync(handler, http, parameters, problem, options, outgoing.Writer, stop).ConfigureAwait(false);
        }
        finally
        {
            outgoing.Writer.TryComplete();
            await writer.ConfigureAwait(false);
        }
    }

    private static async Task StreamAsync(GraphQLHttp.Handler handler, HttpContext http, GraphQLRequest? parameters, string? problem, SubscriptionOptions options,
        ChannelWriter<byte[]> outgoing, CancellationTokenSource stop)
    {
        void Send(byte[] frame)
        {
            if (!outgoing.TryWrite(frame))
            {
                // Not reading: its queue is full. Cut off, never buffered without bound.
                http.Abort();
                stop.Cancel();
            }
        }

        void Fail(IReadOnlyList<GraphQLError> errors)
        {
            Send(Next(ResponseJson.Body(null, errors).WrittenSpan, null));
            Send(Complete);
        }

        if (parameters is null)
        {
            Fail([new GraphQLError(problem!).WithCode(ErrorCodes.BadUserInput)]);
            return;
        }

        var verdict = options.Authenticate is { } authenticate ? await authenticate(http, null, stop.Token).ConfigureAwait(false) : ConnectionVerdict.Accept();
        if (!verdict.Accepted)
        {
            Fail([new GraphQLError($"Forbidden: {verdict.Reason}").WithCode("FORBIDDEN")]);
            return;
        }

        using var expiry = verdict.ExpiresAt is { } expires
            ? new CancellationTokenSource(Max(expires - options.Time.GetUtcNow(), TimeSpan.FromMilliseconds(1)), options.Time)
            : new CancellationTokenSource();
        using var run = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, expiry.Token);
        try
        {
            var (stream, refusal) = await SubscriptionRun.StartAsync(handler, http, parameters, run.Token).ConfigureAwait(false);
            if (refusal is not null)
            {
                Fail(refusal);
                return;
            }

            await foreach (var (payload, id) in stream!.WithCancellation(run.Token).ConfigureAwait(false))
            {
                Send(Next(payload, id));
            }

            Send(Complete);
        }
        catch (OperationCanceledException) when (expiry.IsCancellationRequested && !stop.IsCancellationRequested)
        {
            Fail([new GraphQLError("The token expired: subscribe again with a fresh one.").WithCode("UNAUTHENTICATED")]);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (SlowSubscriberException)
        {
            http.Abort();
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static byte[] Next(ReadOnlySpan<byte> payload, string? id)
    {
        var head = Encoding.UTF8.GetBytes(id is null ? "event: next\ndata: " : $"id: {id}\nevent: next\ndata: ");
        var frame = new byte[head.Length + payload.Length + 2];
        head.CopyTo(frame, 0);
        payload.CopyTo(frame.AsSpan(head.Length));
        frame[^2] = (byte)'\n';
        frame[^1] = (byte)'\n';
        return frame;
    }

    /// <summary>Writes the frames as they come, and a comment when the stream has been idle for the keep-alive period.</summary>
    private static async Task WriteAsync(HttpContext http, ChannelReader<byte[]> frames, SubscriptionOptions options, CancellationTokenSource stop)
    {
        try
        {
            while (true)
            {
                using var idle = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                idle.CancelAfter(options.KeepAlive);
                byte[] frame;
                try
                {
                    if (!await frames.WaitToReadAsync(idle.Token).ConfigureAwait(false))
                    {
                        return;
                    }

                    frame = await frames.ReadAsync(stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    frame = Comment;
                }

                await http.Response.Body.WriteAsync(frame, stop.Token).ConfigureAwait(false);
                await http.Response.Body.FlushAsync(stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }
}
