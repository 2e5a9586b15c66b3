using System.Collections.Concurrent;
using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Execution;

/// <summary>What to execute: a parsed (and validated) document, the operation to run, its variables and context.</summary>
public sealed record ExecutionRequest(Schema Schema, Document Document)
{
    public string? OperationName { get; init; }

    public IReadOnlyDictionary<string, object?>? Variables { get; init; }

    public object? RootValue { get; init; }

    /// <summary>Anything resolvers need from the request (the caller, loaders); resolvers see it as <see cref="ResolveContext.RequestContext"/>.</summary>
    public object? Context { get; init; }

    /// <summary>The request's batches (data loaders), dispatched whenever execution waits on them.</summary>
    public BatchScheduler? Scheduler { get; init; }

    /// <summary>Turns a resolver's unexpected exception into an error with a code of the service's own; null keeps INTERNAL_SERVER_ERROR.</summary>
    public Func<Exception, GraphQLException?>? MapError { get; init; }
}

/// <summary>
/// Executes an operation as the specification's Execute section says: fields of a query in parallel and of a mutation
/// one after the other, @skip and @include, fragments, argument coercion, result coercion, and null propagation: a
/// field error nulls the nearest nullable field above it and is reported once, with its path and locations.
/// </summary>
public static partial class Executor
{
    public static async Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (start, refusal) = Start(request);
        if (start is null)
        {
            return refusal!;
        }

        var (operation, variables, rootType) = start;
        var context = new Context(request, variables, cancellationToken);
        var fields = context.CollectFields(rootType, operation.SelectionSet);
        return await context.RunAsync(rootType, request.RootValue, fields, serially: operation.Operation == OperationType.Mutation).ConfigureAwait(false);
    }

    /// <summary>The operation a request runs, its coerced variables and its root type.</summary>
    private sealed record Started(OperationDefinition Operation, IReadOnlyDictionary<string, object?> Variables, ObjectGraphType Root);

    /// <summary>What <paramref name="request"/> runs, or the request error that stops it before execution.</summary>
    private static (Started? Start, ExecutionResult? Refusal) Start(ExecutionRequest request)
    {
        var operations = request.Document.Definitions.OfType<OperationDefinition>().ToList();
        OperationDefinition? operation;
        if (request.OperationName is null)
        {
            if (operations.Count != 1)
            {
                return (null, RequestError(operations.Count == 0 ? "Must provide an operation." : "Must provide operation name if query contains multiple operations."));
            }

            operation = operations[0];
        }
        else
        {
            operation = operations.FirstOrDefault(o => o.Name?.Value == request.OperationName);
            if (operation is null)
            {
                return (null, RequestError($"Unknown operation named \"{request.OperationName}\"."));
            }
        }

        var errors = new List<GraphQLError>();
        var variables = Values.CoerceVariables(request.Schema, operation.VariableDefinitions, request.Variables, errors);
        if (errors.Count > 0)
        {
            return (null, new ExecutionResult(null, errors) { Executed = false });
        }

        var rootType = operation.Operation switch
        {
            OperationType.Query => request.Schema.Query,
            OperationType.Mutation => request.Schema.Mutation,
            _ => request.Schema.Subscription,
        };
        if (rootType is null)
        {
            return (null, RequestError($"Schema is not configured to execute {operation.Operation.ToString().ToLowerInvariant()} operation.", operation.Span.Location));
        }

        return (new Started(operation, variables, rootType), null);
    }

    private static ExecutionResult RequestError(string message, SourceLocation? location = null) =>
        new(null, [new GraphQLError(message, location is { } l ? [l] : null).WithCode(ErrorCodes.OperationNotFound)]) { Executed = false };

    /// <summary>Thrown up to the nearest nullable field once the error that caused it is recorded.</summary>
    private sealed class PropagatedNull : Exception;

    /// <summary>A response path as a chain of segments: one small object per field, turned into a list only for an error.</summary>
    private sealed class ResponsePath(ResponsePath? parent, object key)
    {
        public ResponsePath Add(object next) => new(this, next);

        public IReadOnlyList<object> ToList()
        {
            var segments = new List<object>();
            for (var at = this; at is not null; at = at.Parent)
            {
                segments.Add(at.Key);
            }

            segments.Reverse();
            return segments;
        }

        private ResponsePath? Parent { get; } = parent;

        private object Key { get; } = key;
    }

    private sealed partial class Context(ExecutionRequest request, IReadOnlyDictionary<string, object?> variables, CancellationToken cancellationToken)
    {
        /// <summary>Compiled property getters by source type and field name (null: no such property, the field resolves to null).</summary>
        private static readonly ConcurrentDictionary<(Type, string), Func<object, object?>?> Getters = new();
        private readonly List<GraphQLError> _errors = [];
        private readonly Dictionary<string, FragmentDefinition> _fragments =
            request.Document.Definitions.OfType<FragmentDefinition>().GroupBy(f => f.Name.Value).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        private Schema Schema => request.Schema;

        /// <summary>Executes the root selection on <paramref name="root"/>, driving the request's batches; a non-null root field that failed nulls data.</summary>
        public async Task<ExecutionResult> RunAsync(ObjectGraphType rootType, object? root, OrderedDictionary<string, List<Field>> fields, bool serially)
        {
            try
            {
                var work = ExecuteFieldsAsync(rootType, root, null, fields, serially).AsTask();
                var data = request.Scheduler is { } scheduler
                    ? await scheduler.DriveAsync(work, cancellationToken).ConfigureAwait(false)
                    : await work.ConfigureAwait(false);
                return new ExecutionResult(data, Errors);
            }
            catch (PropagatedNull)
            {
                return new ExecutionResult(null, Errors);
            }
        }

        public IReadOnlyList<GraphQLError> Errors
        {
            get
            {
                lock (_errors)
                {
                    return [.. _errors];
                }
            }
        }

        /// <summary>The fields to execute on an object, grouped by response key, after @skip, @include and fragments.</summary>
        public OrderedDictionary<string, List<Field>> CollectFields(ObjectGraphType type, SelectionSet selectionSet, OrderedDictionary<string, List<Field>>? into = null, HashSet<string>? visited = null)
        {
            into ??= new OrderedDictionary<string, List<Field>>(StringComparer.Ordinal);
            visited ??= new HashSet<string>(StringComparer.Ordinal);
            foreach (var selection in selectionSet.Selections)
            {
                if (!Included(selection.Directives))
                {
                    continue;
                }

                switch (selection)
                {
                    case Field field:
                        if (!into.TryGetValue(field.ResponseKey, out var list))
                        {
                            into[field.ResponseKey] = list = [];
                        }

                        list.Add(field);
                        break;
                    case InlineFragment inline when inline.TypeCondition is null || Applies(inline.TypeCondition.Name.Value, type):
                        CollectFields(type, inline.SelectionSet, into, visited);
                        break;
                    case FragmentSpread spread when visited.Add(spread.Name.Value)
                        && _fragments.TryGetValue(spread.Name.Value, out var fragment) && Applies(fragment.TypeCondition.Name.Value, type):
                        CollectFields(type, fragment.SelectionSet, into, visited);
                        break;
                }
            }

            return into;
        }

        private bool Applies(string typeCondition, ObjectGraphType type) =>
            typeCondition == type.Name || (Schema.Type(typeCondition) is { } condition && Schema.PossibleTypes(condition).Contains(type));

        private bool Included(IReadOnlyList<Directive> directives)
        {
            foreach (var directive in directives)
            {
                var skip = directive.Name.Value == "skip";
                if (!skip && directive.Name.Value != "include")
                {
                    continue;
                }

                var condition = directive.Arguments.FirstOrDefault(a => a.Name.Value == "if");
                if (condition is not null && Values.TryFromLiteral(condition.Value, Scalars.Boolean.NonNull, variables, out var value) && value is bool b && b == skip)
                {
                    return false;
                }
            }

            return true;
        }

    }

    /// <summary>An argument value that cannot be coerced at run time (a variable's value, a missing required argument).</summary>
    private sealed class ArgumentCoercionException(string message) : Exception(message);
}
