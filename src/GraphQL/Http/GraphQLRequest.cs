using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Idarati.GraphQL.Http;

/// <summary>
/// A GraphQL-over-HTTP request's parameters, read from a GET's query string or a POST's JSON body: the document's text
/// or the id of a trusted document (<see cref="TrustedDocuments"/>), the operation's name and the variables.
/// </summary>
internal sealed record GraphQLRequest(string? Query, string? OperationName, IReadOnlyDictionary<string, object?>? Variables, string? DocumentId = null)
{
    public static (GraphQLRequest?, string?, int) FromQueryString(IQueryCollection query)
    {
        var documentId = query.TryGetValue("documentId", out var named) && !string.IsNullOrEmpty(named) ? named.ToString() : null;
        if ((!query.TryGetValue("query", out var text) || string.IsNullOrEmpty(text)) && documentId is null)
        {
            return (null, "The query parameter is missing (or documentId, naming a trusted document).", StatusCodes.Status400BadRequest);
        }

        IReadOnlyDictionary<string, object?>? variables = null;
        if (query.TryGetValue("variables", out var json) && !string.IsNullOrEmpty(json))
        {
            try
            {
                using var parsed = JsonDocument.Parse(json.ToString());
                if (parsed.RootElement.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                {
                    return (null, "variables must be a JSON object.", StatusCodes.Status400BadRequest);
                }

                variables = GraphQLHttp.FromJson(parsed.RootElement) as IReadOnlyDictionary<string, object?>;
            }
            catch (JsonException)
            {
                return (null, "variables is not valid JSON.", StatusCodes.Status400BadRequest);
            }
        }

        return (new GraphQLRequest(string.IsNullOrEmpty(text) ? null : text.ToString(), query.TryGetValue("operationName", out var name) && !string.IsNullOrEmpty(name) ? name.ToString() : null, variables, documentId), null, 0);
    }

    public static async Task<(GraphQLRequest?, string?, int)> FromBodyAsync(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var contentType)
            || !string.Equals(contentType.MediaType.Value, GraphQLHttp.Json, StringComparison.OrdinalIgnoreCase)
            || (contentType.Charset.HasValue && !string.Equals(contentType.Charset.Value, "utf-8", StringComparison.OrdinalIgnoreCase)))
        {
            return (null, "POST requests must have the content type application/json (UTF-8).", StatusCodes.Status415UnsupportedMediaType);
        }

        JsonDocument body;
        try
        {
            body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return (null, "The request body is not valid JSON.", StatusCodes.Status400BadRequest);
        }

        using (body)
        {
            return FromJson(body.RootElement);
        }
    }

    /// <summary>The parameters of a JSON object (a POST's body, a graphql-transport-ws subscribe message's payload).</summary>
    public static (GraphQLRequest?, string?, int) FromJson(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return (null, "The request must be a JSON object.", StatusCodes.Status400BadRequest);
        }

        string? documentId = null;
        if (root.TryGetProperty("documentId", out var named) && named.ValueKind != JsonValueKind.Null)
        {
            if (named.ValueKind != JsonValueKind.String)
            {
                return (null, "documentId must be a string or null.", StatusCodes.Status400BadRequest);
            }

            documentId = named.GetString();
        }

        var hasQuery = root.TryGetProperty("query", out var query) && query.ValueKind != JsonValueKind.Null;
        if ((hasQuery && query.ValueKind != JsonValueKind.String) || (!hasQuery && documentId is null))
        {
            return (null, "query must be a string (or documentId, naming a trusted document).", StatusCodes.Status400BadRequest);
        }

        string? operationName = null;
        if (root.TryGetProperty("operationName", out var name) && name.ValueKind != JsonValueKind.Null)
        {
            if (name.ValueKind != JsonValueKind.String)
            {
                return (null, "operationName must be a string or null.", StatusCodes.Status400BadRequest);
            }

            operationName = name.GetString();
        }

        IReadOnlyDictionary<string, object?>? variables = null;
        if (root.TryGetProperty("variables", out var vars) && vars.ValueKind != JsonValueKind.Null)
        {
            if (vars.ValueKind != JsonValueKind.Object)
            {
                return (null, "variables must be an object or null.", StatusCodes.Status400BadRequest);
            }

            variables = (IReadOnlyDictionary<string, object?>)GraphQLHttp.FromJson(vars)!;
        }

        if (root.TryGetProperty("extensions", out var extensions) && extensions.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            return (null, "extensions must be an object or null.", StatusCodes.Status400BadRequest);
        }

        return (new GraphQLRequest(hasQuery ? query.GetString() : null, operationName, variables, documentId), null, 0);
    }
}
