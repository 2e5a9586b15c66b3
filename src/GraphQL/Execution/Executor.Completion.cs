using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;

namespace Idarati.GraphQL.Execution;

// Execution proper: fields resolved (in parallel, or serially for mutations), errors recorded with their paths, nulls
// propagated to the nearest nullable field, values completed by their types (lists, objects, abstract types, leaves).
public static partial class Executor
{
    private sealed partial class Context
    {
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
}
