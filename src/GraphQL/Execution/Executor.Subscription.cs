using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Execution;

/// <summary>
/// A subscription as the specification's Subscribe algorithm answers it: either the source stream of events, each of
/// which <see cref="Executor.ExecuteEventAsync"/> turns into a response, or the errors that refused it before any event
/// (a request error, or the root field's subscriber failing: a refused role, an argument out of range).
/// </summary>
public sealed record SubscriptionResult(IAsyncEnumerable<object?>? Events, ExecutionResult? Refusal);

// Subscriptions: CreateSourceEventStream (the single root field's Subscribe), then MapSourceToResponseEvent (each event
// the root value of one execution of the whole selection set, the errors of one event staying in that event's result).
public static partial class Executor
{
    public static async Task<SubscriptionResult> SubscribeAsync(ExecutionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (start, refusal) = Start(request);
        if (start is null)
        {
            return new SubscriptionResult(null, refusal);
        }

        var (operation, variables, rootType) = start;
        if (operation.Operation != OperationType.Subscription)
        {
            return new SubscriptionResult(null, RequestError("Only subscription operations have a response stream; execute queries and mutations.", operation.Span.Location));
        }

        var context = new Context(request, variables, cancellationToken);
        var fields = context.CollectFields(rootType, operation.SelectionSet);
        var (key, nodes) = fields.First();
        var definition = rootType.Field(nodes[0].Name.Value);
        if (definition?.Subscribe is not { } subscribe)
        {
            return new SubscriptionResult(null, new ExecutionResult(null, [new GraphQLError(
                $"The subscription field \"{nodes[0].Name.Value}\" has no source stream.", [nodes[0].Span.Location], [key])]));
        }

        var (events, error) = await context.SourceStreamAsync(subscribe, definition, nodes, key).ConfigureAwait(false);
        return events is null ? new SubscriptionResult(null, new ExecutionResult(null, [error!])) : new SubscriptionResult(events, null);
    }

    /// <summary>
    /// One event of a subscription's source stream as its response (the spec's ExecuteSubscriptionEvent): the operation's
    /// selection set executed with the event as the root value; the errors of this event stay in this response.
    /// </summary>
    public static async Task<ExecutionResult> ExecuteEventAsync(ExecutionRequest request, object? @event, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (start, refusal) = Start(request);
        if (start is null)
        {
            return refusal!;
        }

        var context = new Context(request, start.Variables, cancellationToken);
        return await context.RunAsync(start.Root, @event, context.CollectFields(start.Root, start.Operation.SelectionSet), serially: false).ConfigureAwait(false);
    }

    private sealed partial class Context
    {
        /// <summary>The root field's arguments coerced and its subscriber called; an error (with the field's path) when either fails.</summary>
        public async Task<(IAsyncEnumerable<object?>? Events, GraphQLError? Error)> SourceStreamAsync(
            Func<ResolveContext, ValueTask<IAsyncEnumerable<object?>>> subscribe, FieldDefinition definition, List<Field> nodes, string key)
        {
            try
            {
                var arguments = CoerceArguments(definition.Arguments, nodes[0].Arguments);
                return (await subscribe(new ResolveContext(request.RootValue, arguments, definition, Schema, request.Context, cancellationToken)).ConfigureAwait(false), null);
            }
            catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Fail(error, definition.Type is NonNullGraphType n ? n.OfType : definition.Type, nodes, new ResponsePath(null, key));
                return (null, Errors[0]);
            }
        }
    }
}
