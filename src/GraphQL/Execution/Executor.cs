using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
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
public static class Executor
{
    public static async Task<ExecutionResult> ExecuteAsync(ExecutionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var operations = request.Document.Definitions.OfType<OperationDefinition>().ToList();
        OperationDefinition? operation;
        if (request.OperationName is null)
        {
            if (operations.Count != 1)
            {
                return RequestError(operations.Count == 0 ? "Must provide an operation." : "Must provide operation name if query contains multiple operations.");
            }

            operation = operations[0];
        }
        else
        {
            operation = operations.FirstOrDefault(o => o.Name?.Value == request.OperationName);
            if (operation is null)
            {
                return RequestError($"Unknown operation named \"{request.OperationName}\".");
            }
        }

        var errors = new List<GraphQLError>();
        var variables = Values.CoerceVariables(request.Schema, operation.VariableDefinitions, request.Variables, errors);
        if (errors.Count > 0)
        {
            return new ExecutionResult(null, errors) { Executed = false };
        }

        var rootType = operation.Operation switch
        {
            OperationType.Query => request.Schema.Query,
            OperationType.Mutation => request.Schema.Mutation,
            _ => request.Schema.Subscription,
        };
        if (rootType is null)
        {
            return RequestError($"Schema is not configured to execute {operation.Operation.ToString().ToLowerInvariant()} operation.", operation.Span.Location);
        }

        var context = new Context(request, variables, cancellationToken);
        var fields = context.CollectFields(rootType, operation.SelectionSet);
        try
        {
            var work = context.ExecuteFieldsAsync(rootType, request.RootValue, null, fields, serially: operation.Operation == OperationType.Mutation).AsTask();
            var data = request.Scheduler is { } scheduler
                ? await scheduler.DriveAsync(work, cancellationToken).ConfigureAwait(false)
                : await work.ConfigureAwait(false);
            return new ExecutionResult(data, context.Errors);
        }
        catch (PropagatedNull)
        {
            return new ExecutionResult(null, context.Errors);
        }
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

    private sealed class Context(ExecutionRequest request, IReadOnlyDictionary<string, object?> variables, CancellationToken cancellationToken)
    {
        /// <summary>Compiled property getters by source type and field name (null: no such property, the field resolves to null).</summary>
        private static readonly ConcurrentDictionary<(Type, string), Func<object, object?>?> Getters = new();
        private readonly List<GraphQLError> _errors = [];
        private readonly Dictionary<string, FragmentDefinition> _fragments =
            request.Document.Definitions.OfType<FragmentDefinition>().GroupBy(f => f.Name.Value).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        private Schema Schema => request.Schema;

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

        public async ValueTask<OrderedDictionary<string, object?>> ExecuteFieldsAsync(
            ObjectGraphType type, object? source, ResponsePath? path, OrderedDictionary<string, List<Field>> fields, bool serially = false)
        {
            var result = new OrderedDictionary<string, object?>(fields.Count, StringComparer.Ordinal);
            if (serially)
            {
                foreach (var (key, nodes) in fields)
                {
                    if (await ExecuteFieldAsync(type, source, nodes, path, key).ConfigureAwait(false) is { Found: true } field)
                    {
                        result[key] = field.Value;
                    }
                }

                return result;
            }

            // Fields that complete at once (most of them) cost no task; the others are awaited together. A non-null
            // field that failed throws PropagatedNull here: this object is null, and so on upwards.
            var values = new (bool Found, object? Value)[fields.Count];
            List<(int Index, Task<(bool Found, object? Value)> Task)>? pending = null;
            var i = 0;
            foreach (var (key, nodes) in fields)
            {
                var field = ExecuteFieldAsync(type, source, nodes, path, key);
                if (field.IsCompletedSuccessfully)
                {
                    values[i] = field.Result;
                }
                else
                {
                    (pending ??= []).Add((i, field.AsTask()));
                }

                i++;
            }

            if (pending is not null)
            {
                await Task.WhenAll(pending.Select(p => p.Task)).ConfigureAwait(false);
                foreach (var (index, task) in pending)
                {
                    values[index] = task.Result;
                }
            }

            i = 0;
            foreach (var key in fields.Keys)
            {
                if (values[i++] is { Found: true } found)
                {
                    result[key] = found.Value;
                }
            }

            return result;
        }

        private static ResponsePath Append(ResponsePath? path, object key) => path?.Add(key) ?? new ResponsePath(null, key);

        /// <summary>
        /// One field of <paramref name="parentType"/> at <paramref name="parent"/>.<paramref name="key"/>: its path is made
        /// only when something needs it (an error, or values below it), so a leaf read from a property allocates none.
        /// </summary>
        private async ValueTask<(bool Found, object? Value)> ExecuteFieldAsync(ObjectGraphType parentType, object? source, List<Field> nodes, ResponsePath? parent, string key)
        {
            // A cancelled request (a client gone, a time-out) stops at the next field rather than resolving the rest.
            cancellationToken.ThrowIfCancellationRequested();
            var node = nodes[0];
            var name = node.Name.Value;
            if (name == "__typename")
            {
                return (true, parentType.Name);
            }

            // The meta-fields: __schema and __type exist on the query root only.
            var onRoot = ReferenceEquals(parentType, Schema.Query);
            var slot = onRoot && name is "__schema" or "__type" ? null : parentType.Slot(name);
            var definition = slot?.Definition
                ?? (onRoot && name == "__schema" ? Introspection.SchemaField : onRoot && name == "__type" ? Introspection.TypeField : null);
            if (definition is null)
            {
                return (false, null);
            }

            try
            {
                object? resolved;
                if (definition.Resolve is { } resolve)
                {
                    var arguments = CoerceArguments(definition.Arguments, node.Arguments);
                    resolved = await resolve(new ResolveContext(source, arguments, definition, Schema, request.Context, cancellationToken)).ConfigureAwait(false);
                }
                else
                {
                    resolved = DefaultResolve(source, name, slot);
                    // Most fields are a property read into a scalar or an enum: complete those without the general path.
                    if (resolved is not null && (definition.Type is NonNullGraphType { OfType: var leaf } ? leaf : definition.Type) is ScalarGraphType or EnumGraphType)
                    {
                        return (true, CompleteLeaf(definition.Type is NonNullGraphType n ? n.OfType : definition.Type, resolved)
                            ?? (definition.Type is NonNullGraphType ? throw new InvalidOperationException($"Cannot return null for non-nullable field {parentType.Name}.{name}.") : null));
                    }
                }

                return (true, await CompleteAsync(definition.Type, (parentType.Name, name), nodes, Append(parent, key), resolved).ConfigureAwait(false));
            }
            catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return (true, Fail(error, definition.Type, nodes, Append(parent, key)));
            }
        }

        /// <summary>Records the error (unless it was recorded where it happened) and nulls this field, or the nearest nullable one above.</summary>
        private object? Fail(Exception error, GraphType type, List<Field> nodes, ResponsePath? path)
        {
            if (error is not PropagatedNull)
            {
                var graphQLError = (error is GraphQLException or ArgumentCoercionException ? error : request.MapError?.Invoke(error) ?? error) switch
                {
                    GraphQLException g => new GraphQLError(g.Message, [.. nodes.Select(n => n.Span.Location)], path?.ToList())
                    {
                        Extensions = new Dictionary<string, object?>(g.ErrorExtensions) { ["code"] = g.Code },
                    },
                    ArgumentCoercionException a => new GraphQLError(a.Message, [.. nodes.Select(n => n.Span.Location)], path?.ToList()).WithCode(ErrorCodes.BadUserInput),
                    _ => new GraphQLError(error.Message, [.. nodes.Select(n => n.Span.Location)], path?.ToList()),
                };
                lock (_errors)
                {
                    _errors.Add(graphQLError);
                }
            }

            return type is NonNullGraphType ? throw new PropagatedNull() : null;
        }

        private static readonly IReadOnlyDictionary<string, object?> NoArguments = new Dictionary<string, object?>();

        private IReadOnlyDictionary<string, object?> CoerceArguments(IReadOnlyList<InputValueDefinition> definitions, IReadOnlyList<Argument> arguments)
        {
            if (definitions.Count == 0)
            {
                return NoArguments;
            }

            var coerced = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var definition in definitions)
            {
                var argument = arguments.FirstOrDefault(a => a.Name.Value == definition.Name);
                var provided = argument is not null && (argument.Value is not Variable v || variables.ContainsKey(v.Name.Value));
                if (!provided)
                {
                    if (definition.HasDefault)
                    {
                        coerced[definition.Name] = definition.DefaultValue;
                    }
                    else if (definition.Type is NonNullGraphType)
                    {
                        throw new ArgumentCoercionException(argument is null
                            ? $"Argument \"{definition.Name}\" of required type \"{definition.Type}\" was not provided."
                            : $"Argument \"{definition.Name}\" of required type \"{definition.Type}\" was provided the variable \"${((Variable)argument.Value).Name.Value}\" which was not provided a runtime value.");
                    }

                    continue;
                }

                if (!Values.TryFromLiteral(argument!.Value, definition.Type, variables, out var value))
                {
                    throw new ArgumentCoercionException(argument.Value is Variable
                        ? $"Argument \"{definition.Name}\" of non-null type \"{definition.Type}\" must not be null."
                        : $"Argument \"{definition.Name}\" has invalid value {Printer.Print(argument.Value)}.");
                }

                coerced[definition.Name] = value;
            }

            return coerced;
        }

        /// <summary>The source's entry or property named <paramref name="name"/>; a field's reader is kept for its last source type.</summary>
        private static object? DefaultResolve(object? source, string name, FieldSlot? slot)
        {
            // Readers are kept for property sources only, so a hit needs no dictionary test.
            if (slot?.Reader is { } reader && source is not null && reader.SourceType == source.GetType())
            {
                return reader.Getter?.Invoke(source);
            }

            switch (source)
            {
                case null:
                    return null;
                case IReadOnlyDictionary<string, object?> map:
                    return map.GetValueOrDefault(name);
                case IDictionary dictionary:
                    return dictionary.Contains(name) ? dictionary[name] : null;
            }

            var type = source.GetType();
            var getter = Getters.GetOrAdd((type, name), static key => Getter(key.Item1, key.Item2));
            if (slot is not null)
            {
                slot.Reader = new PropertyReader(type, getter);
            }

            return getter?.Invoke(source);
        }

        /// <summary>A compiled <c>source => (object)((T)source).Property</c>: a delegate call instead of a reflection invoke per field.</summary>
        private static Func<object, object?>? Getter(Type type, string name)
        {
            var property = type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property?.GetMethod is null || property.GetIndexParameters().Length > 0)
            {
                return null;
            }

            var source = System.Linq.Expressions.Expression.Parameter(typeof(object), "source");
            var body = System.Linq.Expressions.Expression.Convert(
                System.Linq.Expressions.Expression.Property(System.Linq.Expressions.Expression.Convert(source, type), property), typeof(object));
            return System.Linq.Expressions.Expression.Lambda<Func<object, object?>>(body, source).Compile();
        }

        private async ValueTask<object?> CompleteAsync(GraphType type, (string Type, string Field) coordinate, List<Field> nodes, ResponsePath? path, object? value)
        {
            if (type is NonNullGraphType nonNull)
            {
                var completed = await CompleteAsync(nonNull.OfType, coordinate, nodes, path, value).ConfigureAwait(false);
                return completed ?? throw new InvalidOperationException($"Cannot return null for non-nullable field {coordinate.Type}.{coordinate.Field}.");
            }

            if (value is null)
            {
                return null;
            }

            switch (type)
            {
                case ListGraphType list:
                    if (value is not IEnumerable items || value is string || value is IDictionary)
                    {
                        throw new InvalidOperationException($"Expected Iterable, but did not find one for field \"{coordinate.Type}.{coordinate.Field}\".");
                    }

                    var completed = new List<object?>();
                    List<(int Index, Task<object?> Task)>? waiting = null;
                    var index = 0;
                    foreach (var item in items)
                    {
                        var element = CompleteItemAsync(list.OfType, coordinate, nodes, Append(path, index), item);
                        if (element.IsCompletedSuccessfully)
                        {
                            completed.Add(element.Result);
                        }
                        else
                        {
                            completed.Add(null);
                            (waiting ??= []).Add((index, element.AsTask()));
                        }

                        index++;
                    }

                    if (waiting is not null)
                    {
                        await Task.WhenAll(waiting.Select(w => w.Task)).ConfigureAwait(false);
                        foreach (var (at, task) in waiting)
                        {
                            completed[at] = task.Result;
                        }
                    }

                    return completed;
                case ScalarGraphType or EnumGraphType:
                    return CompleteLeaf(type, value);
                case ObjectGraphType objectType:
                    return await CompleteObjectAsync(objectType, nodes, path, value).ConfigureAwait(false);
                case InterfaceGraphType or UnionGraphType:
                    var runtime = ResolveType((NamedGraphType)type, value)
                        ?? throw new InvalidOperationException($"Abstract type \"{type}\" must resolve to an Object type at runtime for field \"{coordinate.Type}.{coordinate.Field}\". Either the \"{type}\" type should provide a \"resolveType\" function or each possible type should provide an \"isTypeOf\" function.");
                    return await CompleteObjectAsync(runtime, nodes, path, value).ConfigureAwait(false);
                default:
                    throw new InvalidOperationException($"Cannot complete value of unexpected output type: \"{type}\".");
            }
        }

        /// <summary>A non-null value of a scalar or enum type, serialized.</summary>
        private static object? CompleteLeaf(GraphType type, object value) => type switch
        {
            ScalarGraphType scalar => scalar.Serialize(value),
            EnumGraphType e => e.ByValue(value)?.Name ?? (value is string s && e.ByName(s) is { } byName ? byName.Name
                : throw new GraphQLCoercionException($"Enum \"{e.Name}\" cannot represent value: {Scalars.Inspect(value)}")),
            _ => throw new InvalidOperationException($"{type} is not a leaf type."),
        };

        private async ValueTask<object?> CompleteItemAsync(GraphType itemType, (string Type, string Field) coordinate, List<Field> nodes, ResponsePath? path, object? item)
        {
            try
            {
                return await CompleteAsync(itemType, coordinate, nodes, path, item).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return Fail(error, itemType, nodes, path);
            }
        }

        private ObjectGraphType? ResolveType(NamedGraphType abstractType, object value)
        {
            var name = abstractType switch
            {
                InterfaceGraphType { ResolveType: { } resolve } => resolve(value),
                UnionGraphType { ResolveType: { } resolve } => resolve(value),
                _ => Schema.PossibleTypes(abstractType).FirstOrDefault(t => t.IsTypeOf?.Invoke(value) == true)?.Name,
            };
            return name is not null && Schema.Type(name) is ObjectGraphType objectType && Schema.PossibleTypes(abstractType).Contains(objectType) ? objectType : null;
        }

        /// <summary>The sub-fields of the same field nodes on the same type, collected once per request (every item of a list shares them).</summary>
        private readonly ConcurrentDictionary<(ObjectGraphType, List<Field>), OrderedDictionary<string, List<Field>>> _subFields = new();

        private async ValueTask<object?> CompleteObjectAsync(ObjectGraphType type, List<Field> nodes, ResponsePath? path, object value)
        {
            var subFields = _subFields.GetOrAdd((type, nodes), key =>
            {
                var collected = new OrderedDictionary<string, List<Field>>(StringComparer.Ordinal);
                var visited = new HashSet<string>(StringComparer.Ordinal);
                foreach (var node in key.Item2.Where(n => n.SelectionSet is not null))
                {
                    CollectFields(key.Item1, node.SelectionSet!, collected, visited);
                }

                return collected;
            });
            return await ExecuteFieldsAsync(type, value, path, subFields).ConfigureAwait(false);
        }
    }

    /// <summary>An argument value that cannot be coerced at run time (a variable's value, a missing required argument).</summary>
    private sealed class ArgumentCoercionException(string message) : Exception(message);
}
