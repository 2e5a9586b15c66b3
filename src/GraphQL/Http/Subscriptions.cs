using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Idarati.GraphQL.Execution;
using Idarati.GraphQL.Language;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Idarati.GraphQL.Http;

/// <summary>How subscriptions are served over graphql-transport-ws and GraphQL over SSE, and their limits.</summary>
public sealed class SubscriptionOptions
{
    /// <summary>
    /// Who the connection is: over WebSocket from connection_init's payload, over SSE (payload null) from the request's
    /// own credentials. It may set the HttpContext's user. Null: every connection is accepted as the request's user.
    /// </summary>
    public Func<HttpContext, IReadOnlyDictionary<string, object?>?, CancellationToken, ValueTask<ConnectionVerdict>>? Authenticate { get; init; }

    /// <summary>What one execution's resolvers receive as RequestContext, given the connection and a service scope of the execution's own.</summary>
    public Func<HttpContext, IServiceProvider, object?> Context { get; init; } = (http, _) => http;

    /// <summary>
    /// For a root field whose answers depend only on the caller's role (no personal data): a key, equal for callers who
    /// would get the same answer, so that one execution per event serves every subscriber of the same document and
    /// variables under that key. Null: every subscriber executes on its own.
    /// </summary>
    public Func<HttpContext, string, string?>? ShareKey { get; init; }

    /// <summary>An event's id for SSE's id: field (a client's Last-Event-ID on reconnection); null: none.</summary>
    public Func<object?, string?>? EventId { get; init; }

    /// <summary>Subscriptions one WebSocket connection may hold at once; one more is answered with an error message.</summary>
    public int PerConnection { get; init; } = 20;

    /// <summary>WebSocket and SSE connections one client address may hold at once.</summary>
    public int ConnectionsPerAddress { get; init; } = 100;

    /// <summary>Messages that may wait for a slow connection; one more and the connection is dropped.</summary>
    public int QueueLimit { get; init; } = 256;

    /// <summary>How long a WebSocket may stay open without connection_init (then 4408).</summary>
    public TimeSpan InitTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often an idle SSE stream gets a comment line, so proxies keep it open.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The largest message a client may send over WebSocket (then 1009).</summary>
    public int MaxMessageBytes { get; init; } = 64 * 1024;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>Whether a connection is accepted and until when its credentials hold (a token's expiry ends it).</summary>
public sealed record ConnectionVerdict(bool Accepted, DateTimeOffset? ExpiresAt = null, string? Reason = null)
{
    public static ConnectionVerdict Accept(DateTimeOffset? expiresAt = null) => new(true, expiresAt);

    public static ConnectionVerdict Refuse(string reason) => new(false, null, reason);
}

/// <summary>Thrown by a source stream whose subscriber fell too far behind: the transport drops its connection.</summary>
public sealed class SlowSubscriberException(string message) : Exception(message);

/// <summary>The connections each client address holds, across both transports.</summary>
internal sealed class AddressGate(int limit)
{
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();

    /// <summary>A lease on one connection of the caller's address, or null when it holds the limit already.</summary>
    public IDisposable? Enter(HttpContext http)
    {
        var address = http.Connection.RemoteIpAddress ?? IPAddress.None;
        var count = _open.AddOrUpdate(address, 1, (_, n) => n + 1);
        if (count > limit)
        {
            Leave(address);
            return null;
        }

        return new Lease(this, address);
    }

    private void Leave(IPAddress address)
    {
        if (_open.AddOrUpdate(address, 0, (_, n) => n - 1) <= 0)
        {
            _open.TryRemove(new KeyValuePair<IPAddress, int>(address, 0));
        }
    }

    private sealed class Lease(AddressGate gate, IPAddress address) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0)
            {
                gate.Leave(address);
            }
        }
    }
}

/// <summary>
/// One subscription from its request to its last message, whichever transport carries it: admitted as every request
/// is, subscribed, then each event executed in a service scope of its own (or once for every subscriber that shares its
/// key) and handed to the transport as a result's JSON.
/// </summary>
internal static class SubscriptionRun
{
    /// <summary>Results serialized once per event and sharing key (the document, its variables and the caller's class).</summary>
    private static readonly ConditionalWeakTable<object, ConcurrentDictionary<string, Lazy<Task<byte[]>>>> Shared = new();

    /// <summary>
    /// The response stream of a request, as JSON payloads with their event ids; or the errors that refused it before
    /// any event (sent by the transport as its own kind of error).
    /// </summary>
    public static async Task<(IAsyncEnumerable<(byte[] Payload, string? Id)>? Stream, IReadOnlyList<GraphQLError>? Refusal)> StartAsync(
        GraphQLHttp.Handler handler, HttpContext http, GraphQLRequest parameters, CancellationToken cancellationToken)
    {
        var admission = handler.Admit(http, parameters);
        if (admission.Refusal is { } refusal)
        {
            var status = (refusal as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status400BadRequest;
            return (null, [new GraphQLError(status == StatusCodes.Status429TooManyRequests ? "Too many attempts from this client; try again later." : "The service refused the request.")
                .WithCode(status == StatusCodes.Status429TooManyRequests ? "TOO_MANY_REQUESTS" : "REQUEST_REFUSED")]);
        }

        if (admission.Errors.Count > 0)
        {
            return (null, admission.Errors);
        }

        if (admission.Operation is { Operation: not OperationType.Subscription })
        {
            return (null, [new GraphQLError("Only subscriptions are served as streams: send queries and mutations to POST /graphql.").WithCode(ErrorCodes.BadUserInput)]);
        }

        var options = handler.Options;
        var subscribed = await WithScopeAsync(handler, http, (context, scheduler) => Executor.SubscribeAsync(Request(handler, admission.Document!, parameters, context, scheduler), cancellationToken))
            .ConfigureAwait(false);
        if (subscribed.Refusal is { } refused)
        {
            return (null, refused.Errors);
        }

        var field = FirstField(admission.Operation!);
        var key = options.Subscriptions.ShareKey?.Invoke(http, field) is { } share
            ? string.Join('\n', share, parameters.DocumentId ?? parameters.Query, parameters.OperationName, JsonSerializer.Serialize(parameters.Variables))
            : null;
        return (Payloads(handler, http, admission.Document!, parameters, subscribed.Events!, key, cancellationToken), null);
    }

    private static string FirstField(OperationDefinition operation) =>
        operation.SelectionSet.Selections.OfType<Field>().FirstOrDefault()?.Name.Value ?? string.Empty;

    private static ExecutionRequest Request(GraphQLHttp.Handler handler, Document document, GraphQLRequest parameters, object? context, BatchScheduler? scheduler) =>
        new(handler.Schema, document)
        {
            OperationName = parameters.OperationName,
            Variables = parameters.Variables,
            Context = context,
            Scheduler = scheduler,
            MapError = handler.Options.MapError,
        };

    private static async Task<T> WithScopeAsync<T>(GraphQLHttp.Handler handler, HttpContext http, Func<object?, BatchScheduler?, Task<T>> run)
    {
        await using var scope = http.RequestServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        return await run(handler.Options.Subscriptions.Context(http, scope.ServiceProvider), scope.ServiceProvider.GetService<BatchScheduler>()).ConfigureAwait(false);
    }

    private static async IAsyncEnumerable<(byte[] Payload, string? Id)> Payloads(GraphQLHttp.Handler handler, HttpContext http, Document document, GraphQLRequest parameters,
        IAsyncEnumerable<object?> events, string? key, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var eventId = handler.Options.Subscriptions.EventId;
        await foreach (var @event in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            // A shared execution serves other subscribers too: this one leaving must not cancel it.
            var token = key is null ? cancellationToken : CancellationToken.None;
            Task<byte[]> Execute() => WithScopeAsync(handler, http, async (context, scheduler) =>
            {
                var result = await Executor.ExecuteEventAsync(Request(handler, document, parameters, context, scheduler), @event, token).ConfigureAwait(false);
                return ResponseJson.Body(result, result.Errors).WrittenSpan.ToArray();
            });

            var payload = key is not null && @event is not null
                ? await Shared.GetOrCreateValue(@event).GetOrAdd(key, _ => new Lazy<Task<byte[]>>(Execute)).Value.ConfigureAwait(false)
                : await Execute().ConfigureAwait(false);
            yield return (payload, eventId?.Invoke(@event));
        }
    }
}
