using Idarati.Api.Infrastructure;
using Idarati.Application.Complaints;
using Idarati.Application.Handling;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using R = Idarati.Api.Infrastructure.Auth.Roles;

namespace Idarati.Api.Complaints;

/// <summary>/api/complaints and /api/audit/complaints: Chikaya.ma's complaints, remarks and suggestions.</summary>
public static class ComplaintEndpoints
{
    public static void MapComplaints(this IEndpointRouteBuilder endpoints)
    {
        // Any request that presents an access code is a guess at it: limited per client and per complaint.
        var complaints = endpoints.MapGroup("/api/complaints").WithTags("complaints")
            .AddEndpointFilter(GuessLimits.Filter(GuessLimits.ComplaintCodes, http => AccessCode(http) is null ? null : [http.GetRouteValue("id")?.ToString() ?? string.Empty]));

        complaints.MapPost("/", SubmitAsync).RequireAuthorization(p => p.RequireRole(CommandRoles.Names<SubmitComplaint>()))
            .Accepts<SubmitComplaint>("application/json")
            .WithSummary("Submit a complaint, observation or suggestion. Roles: citizen, agent, supervisor.")
            .WithDescription("Returns the tracking number and access code the citizen uses to follow it (shown once). Idempotency-Key makes retries safe.");

        complaints.MapGet("/", ListAsync).RequireAuthorization(p => p.RequireRole([.. ReadScope.ListReaders.Select(CommandRoles.Name)]))
            .WithSummary("The complaint list (read model, newest first, no personal data) filtered by administrationId, status, categoryCode, overdue; pages of limit rows with the after cursor; says at which global position it was computed. Roles: agent (own administration only), supervisor, auditor.");

        complaints.MapGet("/{id:guid}", GetAsync).RequireAuthorization(p => p.RequireRole(R.Citizen, R.Agent, R.Supervisor, R.Auditor))
            .WithSummary("A complaint's state, now, at ?version=N or ?asOf= (a date: the end of that day in Africa/Casablanca; or an ISO-8601 instant). Personal fields are null with `personalDataErasedAt` once the citizen was erased; a read by staff is recorded in the access log (GET /api/personal-data/reads). Roles: agent (own administration), supervisor, auditor, citizen (own, or with X-Access-Code).");

        complaints.MapGet("/by-tracking/{trackingNumber}", ByTrackingAsync).AllowAnonymous()
            .AddEndpointFilter(GuessLimits.Filter(GuessLimits.ComplaintCodes, http => [http.GetRouteValue("trackingNumber")?.ToString()?.Trim().ToUpperInvariant() ?? string.Empty]))
            .WithSummary("Follow a complaint with its tracking number and access code. Anyone holding both may call it; attempts are limited per client address and per tracking number (429 with Retry-After).");

        complaints.MapGet("/{id:guid}/history", HistoryAsync).RequireAuthorization(p => p.RequireRole(R.Agent, R.Supervisor, R.Auditor))
            .WithSummary("Every event in order with position, version, type, time, actor, data and hash. Roles: agent (own administration), supervisor, auditor.");

        // Each action's body is its message's input (Application/Complaints/ComplaintMessages.cs); a missing body is an empty one.
        Action(complaints, "acknowledge", "Acknowledge receipt.", new ComplaintAction.Acknowledge());
        Action(complaints, "request-information", "Ask the citizen for more information.", new ComplaintAction.RequestInformation(null));
        Action(complaints, "provide-information", "The citizen answers the question.", new ComplaintAction.ProvideInformation(null));
        Action(complaints, "reject", "Declare the complaint inadmissible, with a reason from the fixed list.", new ComplaintAction.Reject(null, null));
        Action(complaints, "answer", "Answer the complaint with an outcome.", new ComplaintAction.Answer(null, null));
        Action(complaints, "take-into-account", "Take an observation or suggestion into account.", new ComplaintAction.TakeIntoAccount());
        Action(complaints, "close", "Close a processed complaint.", new ComplaintAction.Close());
        Action(complaints, "feedback", "The citizen says whether the answer satisfied them.", new ComplaintAction.GiveFeedback(null, null));
        Action(complaints, "reopen", "The citizen reopens an answered complaint.", new ComplaintAction.Reopen(null));
        Action(complaints, "transfer", "Transfer to another active administration, which then owns it.", new ComplaintAction.Transfer(null, null));

        endpoints.MapGet("/api/audit/complaints/{id:guid}/verify", VerifyAsync).WithTags("audit")
            .RequireAuthorization(p => p.RequireRole(R.Auditor, R.Supervisor))
            .WithSummary("Recompute the complaint's hash chain: {valid, firstInvalidVersion}. Roles: auditor, supervisor.");
    }

    private static async Task<Created<SubmittedComplaint>> SubmitAsync(HttpContext http, Wolverine.IMessageBus bus, CancellationToken cancellationToken)
    {
        var message = await JsonBody.ReadMessageAsync<SubmitComplaint>(http, cancellationToken).ConfigureAwait(false);
        var submitted = await bus.InvokeAsync<SubmittedComplaint>(message, cancellationToken).ConfigureAwait(false);
        http.SetETag(submitted.Version);
        return TypedResults.Created($"/api/complaints/{submitted.Id}", submitted);
    }

    private static async Task<Ok<ComplaintView>> GetAsync(Guid id, long? version, string? asOf, HttpContext http, ComplaintService service, CancellationToken cancellationToken)
    {
        new Validation().Check("version", version is null or > 0, "A version is a positive number.").ThrowIfInvalid();
        var at = asOf is null ? (DateTimeOffset?)null : ServiceDates.Parse(asOf, "asOf");
        var read = version is null && at is null ? null : new StreamReadOptions { UpToVersion = version, AsOf = at };
        var view = await service.GetAsync(id, http.User.ToActor(), AccessCode(http), read, cancellationToken).ConfigureAwait(false);
        http.SetETag(view.Version);
        return TypedResults.Ok(view);
    }

    private static async Task<Ok<Idarati.Projections.Complaints.ComplaintPage>> ListAsync(
        string? administrationId, string? status, string? categoryCode, bool? overdue, int? limit, string? after,
        HttpContext http, Idarati.Projections.Complaints.ComplaintListQuery query, TimeProvider time, CancellationToken cancellationToken)
    {
        string[] statuses = ["received", "acknowledged", "awaitingInformation", "answered", "rejected", "takenIntoAccount", "closed"];
        var size = Paging.Size("limit", limit);
        new Validation()
            .Check("status", status is null || statuses.Contains(status), $"One of: {string.Join(", ", statuses)}.")
            .Check("after", Idarati.Projections.Complaints.ComplaintListQuery.IsCursor(after), "Not a cursor returned by this list.")
            .Text("administrationId", administrationId, 64, required: false).Text("categoryCode", categoryCode, 64, required: false)
            .ThrowIfInvalid();
        var administration = ReadScope.OwnAdministration(http.User.ToActor(), administrationId);
        var page = await query.PageAsync(new Idarati.Projections.Complaints.ComplaintFilter(administration, status, categoryCode, overdue, size, after), time.GetUtcNow(), cancellationToken)
            .ConfigureAwait(false);
        return TypedResults.Ok(page);
    }

    private static async Task<Ok<ComplaintView>> ByTrackingAsync(string trackingNumber, string? accessCode, HttpContext http, ComplaintService service, CancellationToken cancellationToken)
    {
        new Validation().Text("accessCode", accessCode, 32).Check("trackingNumber", trackingNumber.Length <= 32, "At most 32 characters.").ThrowIfInvalid();
        var view = await service.GetByTrackingAsync(trackingNumber, accessCode!, cancellationToken).ConfigureAwait(false);
        http.SetETag(view.Version);
        return TypedResults.Ok(view);
    }

    private static async Task<Ok<IReadOnlyList<HistoryEntry>>> HistoryAsync(Guid id, HttpContext http, ComplaintService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.HistoryAsync(id, http.User.ToActor(), cancellationToken).ConfigureAwait(false));

    private static async Task<Ok<VerificationResponse>> VerifyAsync(Guid id, HttpContext http, ComplaintService service, CancellationToken cancellationToken)
    {
        var result = await service.VerifyAsync(id, http.User.ToActor(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new VerificationResponse(result.Valid, result.Chain.FirstInvalidVersion, result.Chain.EventCount, result.Log));
    }

    /// <summary>Valid when both hold: the hash chain, and the events against the audit log and its latest signed checkpoint.</summary>
    public sealed record VerificationResponse(bool Valid, long? FirstInvalidVersion, long EventCount, Application.Audit.LogVerification Log);

    /// <summary>The actions whose events tell the citizen (Application.Notifications.CitizenNotifications.For).</summary>
    private static readonly HashSet<string> Notifying = ["acknowledge", "request-information", "transfer", "answer", "reject", "close"];

    /// <summary>
    /// A complaint action over REST: the body is the action (<typeparamref name="TAction"/>, which states its roles and
    /// input rules), sent to the same Wolverine handler as the GraphQL mutation's (<see cref="ComplaintHandler"/>).
    /// </summary>
    private static void Action<TAction>(RouteGroupBuilder group, string name, string summary, TAction empty)
        where TAction : ComplaintAction, ICommandRoles
    {
        var roles = CommandRoles.Names<TAction>();
        group.MapPost($"/{{id:guid}}/{name}", async Task<Ok<ComplaintView>> (Guid id, HttpContext http, Wolverine.IMessageBus bus, CancellationToken cancellationToken) =>
            {
                var action = await JsonBody.ReadAsync<TAction>(http, ServiceDates.RequestJson, cancellationToken).ConfigureAwait(false) ?? empty;
                var view = await bus.InvokeAsync<ComplaintView>(new ActOnComplaint(id, action, http.CommandContext(), AccessCode(http)), cancellationToken).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .RequireAuthorization(p => p.RequireRole(roles))
            .Accepts<TAction>("application/json")
            .WithSummary($"{summary} Roles: {string.Join(", ", roles)}. If-Match with the ETag refuses a stale write (412).")
            .WithDescription(Notifying.Contains(name)
                ? "Once the change commits, the citizen is told by mail (Wolverine's outbox, in the transaction of the events; the address is read from the complaint, never sent in the message)."
                : "The citizen is not notified of this step.");
    }

    private static string? AccessCode(HttpContext http) =>
        http.Request.Headers.TryGetValue("X-Access-Code", out var code) ? code.ToString() : null;
}
