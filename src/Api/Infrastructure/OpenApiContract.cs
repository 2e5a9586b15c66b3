using Idarati.Application.Handling;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// What front-end teams generate clients from: a stable operationId per operation (the GraphQL mutation's name where
/// there is one), the problem responses each operation really answers, tag descriptions, a server and a licence.
/// </summary>
public static class OpenApiContract
{
    /// <summary>Every operation's id, by method and route template: a route missing here fails the document (HealthTests).</summary>
    private static readonly Dictionary<string, string> OperationIds = new(StringComparer.Ordinal)
    {
        ["POST /api/complaints"] = "submitComplaint",
        ["GET /api/complaints"] = "listComplaints",
        ["GET /api/complaints/{id}"] = "getComplaint",
        ["GET /api/complaints/by-tracking/{trackingNumber}"] = "getComplaintByTracking",
        ["GET /api/complaints/{id}/history"] = "getComplaintHistory",
        ["POST /api/complaints/{id}/acknowledge"] = "acknowledgeComplaint",
        ["POST /api/complaints/{id}/request-information"] = "requestComplaintInformation",
        ["POST /api/complaints/{id}/provide-information"] = "provideComplaintInformation",
        ["POST /api/complaints/{id}/reject"] = "rejectComplaint",
        ["POST /api/complaints/{id}/answer"] = "answerComplaint",
        ["POST /api/complaints/{id}/take-into-account"] = "takeComplaintIntoAccount",
        ["POST /api/complaints/{id}/close"] = "closeComplaint",
        ["POST /api/complaints/{id}/feedback"] = "giveComplaintFeedback",
        ["POST /api/complaints/{id}/reopen"] = "reopenComplaint",
        ["POST /api/complaints/{id}/transfer"] = "transferComplaint",
        ["GET /api/audit/complaints/{id}/verify"] = "verifyComplaintHistory",
        ["GET /api/audit/complaints/{id}/export"] = "exportComplaintHistory",
        ["GET /api/audit/complaints/export"] = "exportComplaintHistories",
        ["POST /api/call-center/tickets"] = "openTicket",
        ["GET /api/call-center/tickets/{id}"] = "getTicket",
        ["GET /api/call-center/tickets/{id}/history"] = "getTicketHistory",
        ["POST /api/call-center/tickets/{id}/answer"] = "answerTicket",
        ["POST /api/call-center/tickets/{id}/close"] = "closeTicket",
        ["POST /api/call-center/tickets/{id}/escalate"] = "escalateTicket",
        ["POST /api/competitions"] = "publishCompetition",
        ["GET /api/competitions/{id}"] = "getCompetition",
        ["POST /api/competitions/{id}/close"] = "closeCompetitionApplications",
        ["POST /api/competitions/{id}/publish-results"] = "publishCompetitionResults",
        ["POST /api/candidates"] = "createCandidate",
        ["GET /api/candidates/{id}"] = "getCandidate",
        ["POST /api/candidates/{id}/verify"] = "verifyCandidate",
        ["POST /api/applications"] = "applyToCompetition",
        ["GET /api/applications/{id}"] = "getApplication",
        ["POST /api/applications/{id}/withdraw"] = "withdrawApplication",
        ["POST /api/applications/{id}/preselect"] = "preselectApplication",
        ["POST /api/applications/{id}/convoke-written"] = "convokeToWrittenExam",
        ["POST /api/applications/{id}/convoke-oral"] = "convokeToOralExam",
        ["POST /api/applications/{id}/result"] = "recordApplicationResult",
        ["GET /api/indicators"] = "getTrackingReport",
        ["GET /api/indicators/complaints/processing"] = "getProcessingIndicators",
        ["GET /api/indicators/complaints/response-times"] = "getResponseTimeIndicators",
        ["GET /api/indicators/call-center"] = "getCallCenterIndicators",
        ["GET /api/indicators/employment"] = "getEmploymentIndicators",
        ["GET /api/indicators/annual-report"] = "getAnnualReport",
        ["GET /api/indicators/annual-report.pdf"] = "getAnnualReportPdf",
        ["GET /api/projections"] = "listProjections",
        ["POST /api/projections/{name}/rebuild"] = "rebuildProjection",
        ["POST /api/projections/rebuild"] = "rebuildProjections",
        ["GET /api/messages/dead-letters"] = "listMessageDeadLetters",
        ["GET /graphql/documents"] = "listTrustedDocuments",
        ["POST /api/messages/dead-letters/replay"] = "replayMessageDeadLetters",
        ["GET /api/audit/checkpoints/latest"] = "getLatestCheckpoint",
        ["GET /api/audit/checkpoints/{size}"] = "getCheckpoint",
        ["GET /api/audit/consistency"] = "getConsistencyProof",
        ["GET /api/audit/checkpoint-keys"] = "getCheckpointKeys",
        ["GET /api/audit/log/verify"] = "verifyAuditLog",
        ["POST /api/personal-data/erasures"] = "erasePersonalData",
        ["POST /api/personal-data/access-requests"] = "exportPersonalData",
        ["GET /api/personal-data/by-tracking/{trackingNumber}"] = "exportPersonalDataByTracking",
        ["GET /api/personal-data/reads"] = "listPersonalDataReads",
        ["GET /api/administrations"] = "listAdministrations",
        ["POST /api/administrations"] = "registerAdministration",
        ["POST /api/administrations/{id}/deactivate"] = "deactivateAdministration",
        ["GET /api/categories"] = "listComplaintCategories",
        ["GET /api/call-center/categories"] = "listCallCenterCategories",
        ["GET /health/live"] = "getLiveness",
        ["GET /health/ready"] = "getReadiness",
        ["POST /api/dev/tokens"] = "issueDevelopmentToken",
        ["GET /api/dev/tokens"] = "listDevelopmentTokenRoles",
    };

    private static readonly (string Name, string Description)[] Tags =
    [
        ("complaints", "Chikaya.ma's complaints, observations and suggestions: submission, the administration's processing, the citizen's follow-up."),
        ("audit", "Auditors' checks of a complaint's tamper-evident history."),
        ("call centre", "The 3737 call and orientation centre's tickets, and their escalation to complaints."),
        ("employment", "emploi-public.ma: competitions, candidate accounts and electronic applications."),
        ("indicators", "The IDARATI tracking report and the analysts' indicators, aggregated from the read models; no personal data."),
        ("projections", "The read models' projections: state, lag, leader, dead letters, rebuild."),
        ("messages", "Wolverine's messages set aside after failing for good (mails), and their replay."),
        ("reference data", "Administrations and the complaint and call-centre categories, labelled in Arabic and French."),
        ("graphql", "The GraphQL endpoint's trusted documents; the endpoint itself (POST and GET /graphql) is described by its schema, /graphql/schema.graphql."),
        ("health", "Liveness and readiness probes."),
        ("development", "Development helpers; absent in production."),
    ];

    public static void Configure(SwaggerGenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.SwaggerDoc("v1", new()
        {
            Title = "Idarati.EventSourced",
            Version = "v1",
            Description = "Complaints, job applications and call-centre tickets as event streams. Every operation's summary says who may call it; every error is RFC 9457 problem details.",
            License = new OpenApiLicense { Name = "Proprietary: Idarati.EventSourced, all rights reserved" },
        });
        options.AddServer(new OpenApiServer { Url = "/", Description = "This service, where the document is served from." });
        options.CustomOperationIds(OperationId);
        options.OperationFilter<Slices.OpenApiParameters>();
        options.OperationFilter<ProblemResponses>();
        options.DocumentFilter<TagDescriptions>();
    }

    /// <summary>Schemas by the type's name within the service ("Api.Complaints.SubmitComplaintRequest"); RFC 9457's two by their own names.</summary>
    public static string SchemaId(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type == typeof(ProblemDetails) ? "ProblemDetails"
            : type == typeof(HttpValidationProblemDetails) ? "ValidationProblemDetails"
            : type.FullName!.Replace("Idarati.", string.Empty, StringComparison.Ordinal).Replace('+', '.');
    }

    public static string RouteKey(ApiDescription api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var path = "/" + api.RelativePath?.Split('?')[0].TrimEnd('/');
        return $"{api.HttpMethod} {System.Text.RegularExpressions.Regex.Replace(path, ":[a-z]+}", "}")}";
    }

    private static string OperationId(ApiDescription api) =>
        OperationIds.TryGetValue(RouteKey(api), out var id) ? id : throw new InvalidOperationException($"No operationId for {RouteKey(api)}: add one to OpenApiContract.");

    /// <summary>
    /// The problem responses an operation answers, read from what the endpoint declares: parameters or a body (400),
    /// anything (401: credentials that make no user are refused on every route), roles (403), a path parameter (404),
    /// a command (409 rule, concurrent change or key in use; a rebuild: 409 no node leads; 412 stale If-Match, 422 reused Idempotency-Key), a body (413, 415), a guess of
    /// an access code (429), the database (503).
    /// </summary>
    private sealed class ProblemResponses : IOperationFilter
    {
        public void Apply(OpenApiOperation operation, OperationFilterContext context)
        {
            var api = context.ApiDescription;
            var route = RouteKey(api);
            var metadata = api.ActionDescriptor.EndpointMetadata;
            var command = api.HttpMethod == "POST" && !route.StartsWith("POST /api/dev/", StringComparison.Ordinal) && !route.StartsWith("POST /api/projections/", StringComparison.Ordinal);
            var database = route is not ("GET /health/live" or "GET /health/ready" or "GET /api/categories" or "GET /api/call-center/categories" or "POST /api/dev/tokens" or "GET /api/dev/tokens");
            var roles = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
            var guess = route is "GET /api/complaints/by-tracking/{trackingNumber}" or "POST /api/dev/tokens" or "GET /api/complaints/{id}" or "GET /api/audit/complaints/export"
                || (route.StartsWith("POST /api/complaints/{id}/", StringComparison.Ordinal));

            operation.Responses ??= [];
            Add(operation, context, 400, "The request is not valid: `errors` names each field.", validation: true, when: api.ParameterDescriptions.Count > 0 || operation.Parameters?.Count > 0 || api.HttpMethod == "POST");
            Add(operation, context, 401, "Credentials are missing where needed, or are not a valid bearer token of this service.", when: true);
            Add(operation, context, 403, "The caller's role may not call this operation.", when: roles);
            Add(operation, context, 404, "No such resource, or one the caller may not see.", when: route.Contains('{', StringComparison.Ordinal));
            Add(operation, context, 409, "A business rule refused the command (`rule` names it), others kept changing it (`rule`: concurrent-change), or its Idempotency-Key is still in use (Retry-After).", when: command);
            Add(operation, context, 409, "No node runs the read models at the moment (`rule`: not-leader): the rebuild would wait for one; retry shortly.", when: route.EndsWith("/rebuild", StringComparison.Ordinal));
            Add(operation, context, 412, "If-Match named an older version (`currentVersion` says which is current).", when: command);
            Add(operation, context, 413, "The body is larger than 64 KiB.", when: api.HttpMethod == "POST");
            Add(operation, context, 415, "The body is not JSON.", when: api.HttpMethod == "POST");
            Add(operation, context, 422, "The Idempotency-Key was used before with another request.", validation: true, when: command);
            Add(operation, context, 429, "Too many attempts from this address or on this target (Retry-After).", when: guess);
            Add(operation, context, 503, "The database cannot be reached right now (Retry-After).", when: database);
        }

        private static void Add(OpenApiOperation operation, OperationFilterContext context, int status, string description, bool when, bool validation = false)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!when || operation.Responses!.ContainsKey(key))
            {
                return;
            }

            var schema = context.SchemaGenerator.GenerateSchema(validation ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails), context.SchemaRepository);
            operation.Responses[key] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, IOpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType { Schema = schema } },
            };
        }
    }

    private sealed class TagDescriptions : IDocumentFilter
    {
        public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
        {
            ArgumentNullException.ThrowIfNull(swaggerDoc);
            swaggerDoc.Tags = new HashSet<OpenApiTag>(Tags.Select(t => new OpenApiTag { Name = t.Name, Description = t.Description }));
        }
    }
}
