using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Idarati.Api.Infrastructure;

/// <summary>Documents the Idempotency-Key header on every command (every POST), as draft-ietf-httpapi-idempotency-key-header describes it.</summary>
public sealed class OpenApiIdempotency : IOperationFilter
{
    public const string Description =
        "Makes a retry safe (draft-ietf-httpapi-idempotency-key-header): a unique value per request, such as a UUID, at most 200 characters. " +
        "The key is scoped to the caller and this operation. A retry with the same key and the same request appends nothing and answers the first " +
        "result (a complaint's access code included); the same key with another request answers 422; a retry while the first request is still " +
        "running answers 409 (type /problems/idempotency-key-in-use) with Retry-After.";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        if (!string.Equals(context.ApiDescription.HttpMethod, "POST", StringComparison.OrdinalIgnoreCase) || context.ApiDescription.RelativePath?.StartsWith("api/dev/", StringComparison.Ordinal) == true)
        {
            return;
        }

        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = Http.IdempotencyKey,
            In = ParameterLocation.Header,
            Required = false,
            Description = Description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = Http.MaxKeyLength },
        });
    }
}
