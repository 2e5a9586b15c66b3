using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using Idarati.Application.Handling;
using Idarati.Domain.Shared;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// The doors over the use-case slices of src/Application. A slice's message is a record whose constructor parameters
/// are its inputs: REST binds them from the route and query string (text), GraphQL from the field's arguments (already
/// coerced), by the same camelCase names, and both send the message to its Wolverine handler. The caller comes from the
/// request's token (an <see cref="Actor"/> parameter); the roles are the ones the message states.
/// </summary>
public static class Slices
{
    private sealed record Input(string Name, Type Type, bool Optional, object? Default);

    private static readonly ConcurrentDictionary<Type, (ConstructorInfo Constructor, Input[] Inputs)> Shapes = new();

    private static (ConstructorInfo Constructor, Input[] Inputs) Shape(Type type) => Shapes.GetOrAdd(type, t =>
    {
        var constructor = t.GetConstructors().Single();
        return (constructor, [.. constructor.GetParameters().Select(p => new Input(
            JsonNamingPolicyName(p.Name!), p.ParameterType, p.HasDefaultValue || Nullable.GetUnderlyingType(p.ParameterType) is not null || !p.ParameterType.IsValueType,
            p.HasDefaultValue ? p.DefaultValue : null))]);
    });

    private static string JsonNamingPolicyName(string name) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(name);

    /// <summary>
    /// The message <typeparamref name="T"/> from named values (text from a query string, or GraphQL's coerced values);
    /// every value that cannot be read is named in one 400 (BAD_USER_INPUT).
    /// </summary>
    public static T Bind<T>(Func<string, object?> value, Actor caller)
    {
        ArgumentNullException.ThrowIfNull(value);
        var (constructor, inputs) = Shape(typeof(T));
        var arguments = new object?[inputs.Length];
        var errors = new Dictionary<string, string[]>();
        for (var i = 0; i < inputs.Length; i++)
        {
            var input = inputs[i];
            if (input.Type == typeof(Actor))
            {
                arguments[i] = caller;
                continue;
            }

            var raw = value(input.Name);
            if (raw is null)
            {
                arguments[i] = input.Default;
                if (!input.Optional)
                {
                    errors[input.Name] = ["This field is required."];
                }

                continue;
            }

            if (Read(raw, input.Type, out var read, out var problem))
            {
                arguments[i] = read;
            }
            else
            {
                errors[input.Name] = [problem!];
            }
        }

        return errors.Count > 0 ? throw new ValidationFailedException(errors) : (T)constructor.Invoke(arguments);
    }

    /// <summary>A value as the parameter's type: text is parsed (dates with the service's one meaning), a coerced value is taken as it is.</summary>
    private static bool Read(object raw, Type type, out object? value, out string? problem)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        problem = null;
        value = raw;
        if (target.IsInstanceOfType(raw))
        {
            return true;
        }

        if (raw is not string text)
        {
            value = Convert.ChangeType(raw, target, CultureInfo.InvariantCulture);
            return true;
        }

        (value, problem) = target switch
        {
            _ when target == typeof(DateTimeOffset) => ServiceDates.TryParse(text, out var at, out var bad) ? (at, null) : ((object?)null, bad),
            _ when target == typeof(int) => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? (n, null) : ((object?)null, "A whole number."),
            _ when target == typeof(long) => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? (l, null) : ((object?)null, "A whole number."),
            _ when target == typeof(bool) => bool.TryParse(text, out var b) ? (b, null) : ((object?)null, "true or false."),
            _ when target == typeof(Guid) => Guid.TryParse(text, out var g) ? (g, null) : ((object?)null, "Not an id."),
            _ when target.IsEnum => Enum.GetNames(target).FirstOrDefault(n => JsonNamingPolicyName(n) == text) is { } name ? (Enum.Parse(target, name), null)
                : ((object?)null, $"One of: {string.Join(", ", Enum.GetNames(target).Select(JsonNamingPolicyName))}."),
            _ => throw new InvalidOperationException($"A slice's input of type {target.Name} cannot be read from text."),
        };
        return problem is null;
    }

    /// <summary>
    /// A GET route over a query slice: its inputs from the route and the query string, its roles from the message, its
    /// answer the handler's result.
    /// </summary>
    public static RouteHandlerBuilder MapQuery<TQuery, TResult>(this IEndpointRouteBuilder endpoints, string pattern)
        where TQuery : ICommandRoles =>
        endpoints.MapGet(pattern, async (HttpContext http, Wolverine.IMessageBus bus, CancellationToken cancellationToken) =>
            {
                var query = Bind<TQuery>(name => RestValue(http, name), http.User.ToActor());
                return TypedResults.Ok(await bus.InvokeAsync<TResult>(query!, cancellationToken).ConfigureAwait(false));
            })
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<TQuery>()))
            .WithMetadata(new SliceInputs(typeof(TQuery)))
            .Produces<TResult>();

    /// <summary>A route value, or a query parameter given once; given twice it is a mistake the client hears about.</summary>
    private static string? RestValue(HttpContext http, string name)
    {
        if (http.Request.RouteValues.TryGetValue(name, out var route))
        {
            return route?.ToString();
        }

        var values = http.Request.Query[name];
        return values.Count switch
        {
            0 => null,
            1 => values[0],
            _ => throw ValidationFailedException.For(name, "Given more than once."),
        };
    }

    /// <summary>Marks a route bound by <see cref="MapQuery{TQuery, TResult}"/>, so the OpenAPI document lists its query parameters.</summary>
    private sealed record SliceInputs(Type Message);

    /// <summary>The query parameters of slice routes in the OpenAPI document: each input by name, with its type.</summary>
    public sealed class OpenApiParameters : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            ArgumentNullException.ThrowIfNull(operation);
            ArgumentNullException.ThrowIfNull(context);
            if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<SliceInputs>().FirstOrDefault() is not { } slice)
            {
                return;
            }

            operation.Parameters ??= [];
            foreach (var input in Shape(slice.Message).Inputs.Where(i => i.Type != typeof(Actor)))
            {
                var dates = (Nullable.GetUnderlyingType(input.Type) ?? input.Type) == typeof(DateTimeOffset);
                operation.Parameters.Add(new OpenApiParameter
                {
                    Name = input.Name,
                    In = ParameterLocation.Query,
                    Required = !input.Optional,
                    Description = dates ? ServiceDates.Shape : null,
                    Schema = dates || input.Type == typeof(string) ? new OpenApiSchema { Type = JsonSchemaType.String }
                        : context.SchemaGenerator.GenerateSchema(input.Type, context.SchemaRepository),
                });
            }
        }
    }
}
