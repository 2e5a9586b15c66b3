using System.Collections.Concurrent;
using System.Text.Json;
using Idarati.GraphQL.Execution;
using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;
using Idarati.GraphQL.Validation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Idarati.GraphQL.Http;

public sealed class GraphQLHttpOptions
{
    /// <summary>What resolvers receive as <see cref="ResolveContext.RequestContext"/>; the HttpContext by default.</summary>
    public Func<HttpContext, object?> Context { get; init; } = http => http;

    /// <summary>The request's batch scheduler, shared with its data loaders; by default the one the request's services hold, if any.</summary>
    public Func<HttpContext, BatchScheduler?> Scheduler { get; init; } = http => http.RequestServices.GetService(typeof(BatchScheduler)) as BatchScheduler;

    public ParserOptions Parser { get; init; } = new(MaxTokens: 5_000);

    /// <summary>How many distinct documents stay parsed and validated in memory.</summary>
    public int DocumentCacheSize { get; init; } = 1_000;

    /// <summary>Depth, aliases and cost a request may have; refused before execution.</summary>
    public QueryLimits Limits { get; init; } = new();

    /// <summary>The longest an execution may run; past it, the request answers EXECUTION_TIMEOUT.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs once a request's document has passed validation and the limits, before execution: a result to answer
    /// instead (a 429 for a request that holds too many of some field), or null to go on.
    /// </summary>
    public Func<HttpContext, Document, OperationDefinition, IReadOnlyDictionary<string, object?>?, IResult?>? Admit { get; init; }

    /// <summary>Turns a resolver's unexpected exception into an error with the service's own code; null keeps INTERNAL_SERVER_ERROR.</summary>
    public Func<Exception, GraphQLException?>? MapError { get; init; }

    /// <summary>The front ends' documents, which a request may name by documentId; null when the service has none.</summary>
    public TrustedDocuments? TrustedDocuments { get; init; }

    /// <summary>Run only <see cref="TrustedDocuments"/>: any other text is refused before it is parsed.</summary>
    public bool TrustedDocumentsOnly { get; init; }

    /// <summary>Subscriptions over graphql-transport-ws and SSE: who connects, what is shared, and the limits.</summary>
    public SubscriptionOptions Subscriptions { get; init; } = new();

    /// <summary>Serve GraphiQL to a browser (a GET that accepts text/html and carries no query).</summary>
    public bool GraphiQL { get; init; } = true;

    /// <summary>Where the host serves GraphiQL's scripts and styles (see GraphiQLPage): never a CDN, the page must work offline.</summary>
    public string GraphiQLAssets { get; init; } = "/lib";
}

/// <summary>
/// GraphQL over HTTP as its specification says: POST with application/json, GET for queries (a mutation over GET is
/// refused with 405), responses in application/graphql-response+json or application/json as the Accept header asks
/// (406 when neither is acceptable). With application/graphql-response+json a request that fails before execution
/// (document, validation, variables) answers 400 without a data entry; with application/json it answers 200.
/// Parsed and validated documents are cached by their text. The schema's SDL is at {pattern}/schema.graphql.
/// </summary>
public static class GraphQLHttp
{
    public const string GraphQLResponseJson = "application/graphql-response+json";
    public const string Json = "application/json";

    public static RouteGroupBuilder MapGraphQL(this IEndpointRouteBuilder endpoints, string pattern, Schema schema, GraphQLHttpOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(schema);
        var handler = new Handler(schema, options ?? new GraphQLHttpOptions());
        var group = endpoints.MapGroup(pattern);
        group.MapPost("/", handler.HandleAsync).ExcludeFromDescription();
        group.MapGet("/", handler.HandleAsync).ExcludeFromDescription();
        var sdl = SchemaPrinter.Print(schema);
        group.MapGet("/schema.graphql", () => Results.Text(sdl, "text/plain; charset=utf-8")).ExcludeFromDescription();
        return group;
    }

    /// <summary>JSON into the plain values input coercion takes: null, bool, long or double, string, lists, dictionaries.</summary>
    public static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().GroupBy(p => p.Name).ToDictionary(g => g.Key, g => FromJson(g.Last().Value), StringComparer.Ordinal) as IReadOnlyDictionary<string, object?>,
        JsonValueKind.Array => element.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var l) ? l : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };


    /// <summary>What the checks before execution found: the document and operation to run, or errors, or the host's own refusal.</summary>
    internal sealed record Admission(Document? Document, OperationDefinition? Operation, IReadOnlyList<GraphQLError> Errors)
    {
        public bool Untrusted { get; init; }

        public bool WrongMethod { get; init; }

        /// <summary>The operation's cost by the schema's @cost and @listSize (Validation/CostAnalysis.cs).</summary>
        public long Cost { get; init; }

        public IResult? Refusal { get; init; }
    }

    internal sealed class Handler(Schema schema, GraphQLHttpOptions options)
    {
        private readonly ConcurrentDictionary<string, (Document? Document, IReadOnlyList<GraphQLError> Errors)> _documents = new(StringComparer.Ordinal);


        public async Task HandleAsync(HttpContext http)
        {
            if (http.WebSockets.IsWebSocketRequest)
            {
                await GraphQLWebSocket.RunAsync(this, http).ConfigureAwait(false);
                return;
            }

            if (GraphQLEventStream.IsWanted(http.Request))
            {
                await GraphQLEventStream.RunAsync(this, http).ConfigureAwait(false);
                return;
            }

            if (options.GraphiQL && HttpMethods.IsGet(http.Request.Method) && !http.Request.Query.ContainsKey("query") && AcceptsHtml(http.Request.Headers.Accept))
            {
                http.Response.ContentType = "text/html; charset=utf-8";
                await http.Response.WriteAsync(GraphiQLPage.Html(http.Request.PathBase + http.Request.Path, http.Request.PathBase + options.GraphiQLAssets)).ConfigureAwait(false);
                return;
            }

            var media = Negotiate(http.Request.Headers.Accept);
            if (media is null)
            {
                await Plain(http, StatusCodes.Status406NotAcceptable, $"Acceptable media types: {GraphQLResponseJson}, {Json}.").ConfigureAwait(false);
                return;
            }

            var isGet = HttpMethods.IsGet(http.Request.Method);
            var (parameters, problem, status) = isGet ? GraphQLRequest.FromQueryString(http.Request.Query) : await GraphQLRequest.FromBodyAsync(http.Request).ConfigureAwait(false);
            if (parameters is null)
            {
                await Respond(http, media, status, null, [new GraphQLError(problem!).WithCode(ErrorCodes.BadUserInput)]).ConfigureAwait(false);
                return;
            }

            var requestFailed = media == GraphQLResponseJson ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK;
            var admission = Admit(http, parameters, isGet ? OperationType.Query : null);
            switch (admission)
            {
                case { Refusal: { } refusal }:
                    await refusal.ExecuteAsync(http).ConfigureAwait(false);
                    return;
                case { Errors.Count: > 0, Untrusted: true }:
                    await Respond(http, media, StatusCodes.Status400BadRequest, null, admission.Errors).ConfigureAwait(false);
                    return;
                case { Errors.Count: > 0, WrongMethod: true }:
                    http.Response.Headers.Allow = "POST";
                    await Respond(http, media, StatusCodes.Status405MethodNotAllowed, null, admission.Errors).ConfigureAwait(false);
                    return;
                case { Errors.Count: > 0 }:
                    await Respond(http, media, requestFailed, null, admission.Errors).ConfigureAwait(false);
                    return;
                case { Operation.Operation: OperationType.Subscription }:
                    await Respond(http, media, requestFailed, null, [new GraphQLError(
                        $"A subscription is a stream: send it over WebSocket ({GraphQLWebSocket.Subprotocol}) or with Accept: {GraphQLEventStream.MediaType}.").WithCode(ErrorCodes.BadUserInput)]).ConfigureAwait(false);
                    return;
            }

            var document = admission.Document!;

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            timeout.CancelAfter(options.Timeout);
            ExecutionResult result;
            try
            {
                result = await Executor.ExecuteAsync(new ExecutionRequest(schema, document)
                {
                    OperationName = parameters.OperationName,
                    Variables = parameters.Variables,
                    Context = options.Context(http),
                    Scheduler = options.Scheduler(http),
                    MapError = options.MapError,
                }, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !http.RequestAborted.IsCancellationRequested)
            {
                result = new ExecutionResult(null, [new GraphQLError($"The execution took longer than {options.Timeout.TotalSeconds:0.###} s and was stopped.").WithCode("EXECUTION_TIMEOUT")]);
            }

            // GraphQL-Cost: report (HotChocolate's header) asks for the operation's cost beside the result.
            var extensions = string.Equals(http.Request.Headers["GraphQL-Cost"], "report", StringComparison.OrdinalIgnoreCase)
                ? new Dictionary<string, object?> { ["cost"] = new Dictionary<string, object?> { ["requested"] = admission.Cost, ["maximum"] = options.Limits.MaxCost } }
                : null;
            await Respond(http, media, result.Executed ? StatusCodes.Status200OK : requestFailed, result.Executed ? result : null, result.Errors, extensions).ConfigureAwait(false);
        }

        /// <summary>
        /// A request's document checked as every transport checks it, before anything runs: trusted, parsed, validated,
        /// the operation found (and, for a GET, a query), within the limits, and admitted by the host (guess limits).
        /// </summary>
        internal Admission Admit(HttpContext http, GraphQLRequest parameters, OperationType? only = null)
        {
            var (text, untrusted) = Trusted(parameters);
            if (untrusted is not null)
            {
                return new Admission(null, null, [untrusted]) { Untrusted = true };
            }

            var (document, errors) = Prepare(text!);
            if (document is null || errors.Count > 0)
            {
                return new Admission(null, null, errors);
            }

            var operation = Selected(document, parameters.OperationName);
            if (only is { } kind && operation is { } found && found.Operation != kind)
            {
                return new Admission(null, null, [new GraphQLError("Only queries may be sent with GET; send mutations with POST.").WithCode(ErrorCodes.BadUserInput)]) { WrongMethod = true };
            }

            var (refusals, cost) = options.Limits.Measure(schema, document, parameters.OperationName, parameters.Variables);
            if (refusals.Count > 0)
            {
                return new Admission(null, null, refusals);
            }

            return options.Admit is { } admit && operation is not null && admit(http, document, operation, parameters.Variables) is { } refusal
                ? new Admission(null, null, []) { Refusal = refusal }
                : new Admission(document, operation, []) { Cost = cost };
        }

        public Schema Schema => schema;

        /// <summary>The streams' connections per client address, across WebSocket and SSE.</summary>
        public AddressGate Gate { get; } = new(options.Subscriptions.ConnectionsPerAddress);

        public GraphQLHttpOptions Options => options;

        /// <summary>The document of a query text, parsed and validated once; the errors of either step otherwise.</summary>
        private (Document? Document, IReadOnlyList<GraphQLError> Errors) Prepare(string query)
        {
            if (_documents.TryGetValue(query, out var cached))
            {
                return cached;
            }

            (Document?, IReadOnlyList<GraphQLError>) prepared;
            try
            {
                var document = Language.Parser.Parse(query, options.Parser);
                prepared = (document, Validator.Validate(schema, document));
            }
            catch (GraphQLSyntaxException error)
            {
                prepared = (null, [new GraphQLError(error.Message, [error.Location]).WithCode(error.Code)]);
            }

            if (_documents.Count >= options.DocumentCacheSize)
            {
                _documents.Clear();
            }

            _documents[query] = prepared;
            return prepared;
        }

        private static OperationDefinition? Selected(Document document, string? name)
        {
            var operations = document.Definitions.OfType<OperationDefinition>().ToList();
            return name is null ? (operations.Count == 1 ? operations[0] : null) : operations.FirstOrDefault(o => o.Name?.Value == name);
        }

        private static bool AcceptsHtml(Microsoft.Extensions.Primitives.StringValues accept) =>
            MediaTypeHeaderValue.TryParseList(accept, out var types) && types.Any(t => string.Equals(t.MediaType.Value, "text/html", StringComparison.OrdinalIgnoreCase));

        /// <summary>application/graphql-response+json when accepted, else application/json (also for */* or no Accept), else null.</summary>
        private static string? Negotiate(Microsoft.Extensions.Primitives.StringValues accept)
        {
            if (accept.Count == 0 || string.IsNullOrWhiteSpace(accept.ToString()))
            {
                return Json;
            }

            var types = MediaTypeHeaderValue.ParseList(accept).Where(t => t.Quality is null or > 0).OrderByDescending(t => t.Quality ?? 1).ToList();
            foreach (var type in types)
            {
                var name = type.MediaType.Value;
                if (string.Equals(name, GraphQLResponseJson, StringComparison.OrdinalIgnoreCase))
                {
                    return GraphQLResponseJson;
                }

                if (string.Equals(name, Json, StringComparison.OrdinalIgnoreCase) || name is "*/*" or "application/*")
                {
                    return Json;
                }
            }

            return null;
        }

        /// <summary>
        /// The text a request runs: its documentId's (which its query, if sent too, must equal) or its query, which
        /// with TrustedDocumentsOnly must be one of the trusted documents; or the refusal.
        /// </summary>
        private (string? Text, GraphQLError? Refusal) Trusted(GraphQLRequest parameters)
        {
            const string Manifest = "The trusted documents are listed at GET /graphql/documents.";
            if (parameters.DocumentId is { } id)
            {
                if (options.TrustedDocuments?.Find(id) is not { } text)
                {
                    return (null, new GraphQLError($"No trusted document has the id '{id}'. {Manifest}").WithCode(ErrorCodes.PersistedQueryNotFound));
                }

                return parameters.Query is { } query && !string.Equals(query, text, StringComparison.Ordinal)
                    ? (null, new GraphQLError("query and documentId name different documents: send one of them.").WithCode(ErrorCodes.BadUserInput))
                    : (text, null);
            }

            return options.TrustedDocumentsOnly && options.TrustedDocuments?.Contains(parameters.Query!) != true
                ? (null, new GraphQLError($"This service runs only the front ends' trusted documents (GraphQL:TrustedDocumentsOnly): send documentId instead of query. {Manifest}").WithCode(ErrorCodes.PersistedQueryRequired))
                : (parameters.Query, null);
        }

        private static Task Plain(HttpContext http, int status, string text)
        {
            http.Response.StatusCode = status;
            http.Response.ContentType = "text/plain; charset=utf-8";
            return http.Response.WriteAsync(text);
        }

        private static async Task Respond(HttpContext http, string media, int status, ExecutionResult? result, IReadOnlyList<GraphQLError> errors,
            IReadOnlyDictionary<string, object?>? extensions = null)
        {
            http.Response.StatusCode = status;
            http.Response.ContentType = media + "; charset=utf-8";
            // Serialized into memory first: the serializer flushes synchronously, which Kestrel refuses on the response stream.
            var buffer = ResponseJson.Body(result, errors, extensions);
            await http.Response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted).ConfigureAwait(false);
        }
    }
}
