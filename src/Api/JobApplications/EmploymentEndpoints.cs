using Idarati.Api.Infrastructure;
using Idarati.Application.Handling;
using Idarati.Application.JobApplications;
using Idarati.Domain.JobApplications;
using Microsoft.AspNetCore.Http.HttpResults;
using R = Idarati.Api.Infrastructure.Auth.Roles;

namespace Idarati.Api.JobApplications;

public sealed record PublishCompetitionRequest(string? AdministrationId, string? Title, string? Grade, int? Posts, DateTimeOffset? ApplicationDeadline, bool? AcceptsElectronicApplications);

public sealed record CreateCandidateRequest(string? FullName, string? NationalId, string? Email);

public sealed record ApplyRequest(Guid? CompetitionId, Guid? CandidateId);

public sealed record PreselectRequest(bool? Preselected);

public sealed record ConvokeRequest(DateTimeOffset? ExamAt);

public sealed record ResultRequest(ExamResult? Result);

/// <summary>/api/competitions, /api/candidates, /api/applications: emploi-public.ma.</summary>
public static class EmploymentEndpoints
{
    public static void MapEmployment(this IEndpointRouteBuilder endpoints)
    {
        var competitions = endpoints.MapGroup("/api/competitions").WithTags("employment");
        competitions.MapPost("/", async Task<Created<CompetitionView>> (PublishCompetitionRequest? r, HttpContext http, Wolverine.IMessageBus bus, CancellationToken ct) =>
            {
                var view = await bus.InvokeAsync<CompetitionView>(ToCompetition(r, http.CommandContext()), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Created($"/api/competitions/{view.Id}", view);
            })
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<PublishCompetition>()))
            .WithSummary("Publish a competition. Roles: agent (of its administration), supervisor.");
        competitions.MapGet("/{id:guid}", async Task<Ok<CompetitionView>> (Guid id, HttpContext http, EmploymentService service, CancellationToken ct) =>
            {
                var view = await service.GetCompetitionAsync(id, ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .AllowAnonymous().WithSummary("A competition. Anyone may call it.");
        CompetitionAction(competitions, "close", "Close applications.", CompetitionStep.CloseApplications);
        CompetitionAction(competitions, "publish-results", "Publish the results (after applications close).", CompetitionStep.PublishResults);

        var candidates = endpoints.MapGroup("/api/candidates").WithTags("employment");
        candidates.MapPost("/", async Task<Created<CandidateView>> (CreateCandidateRequest? r, HttpContext http, Wolverine.IMessageBus bus, CancellationToken ct) =>
            {
                var view = await bus.InvokeAsync<CandidateView>(ToCandidate(r, http.CommandContext()), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Created($"/api/candidates/{view.Id}", view);
            })
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<CreateCandidate>()))
            .WithSummary("Create a candidate account (one per e-mail address). Role: citizen.");
        candidates.MapGet("/{id:guid}", async Task<Ok<CandidateView>> (Guid id, HttpContext http, EmploymentService service, CancellationToken ct) =>
                TypedResults.Ok(await service.GetCandidateAsync(id, http.User.ToActor(), ct).ConfigureAwait(false)))
            .RequireAuthorization(p => p.RequireRole(R.Citizen, R.Admin, R.Supervisor, R.Auditor))
            .WithSummary("A candidate account. Roles: the candidate (citizen), supervisor, auditor, admin (without the identity: administrators read no personal data).");
        candidates.MapPost("/{id:guid}/verify", async Task<Ok<CandidateView>> (Guid id, HttpContext http, Wolverine.IMessageBus bus, CancellationToken ct) =>
                TypedResults.Ok(await bus.InvokeAsync<CandidateView>(new VerifyCandidate(id, http.CommandContext()), ct).ConfigureAwait(false)))
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<VerifyCandidate>()))
            .WithSummary("Verify the account. Roles: the candidate (citizen), admin (answered without the identity), supervisor.");

        var applications = endpoints.MapGroup("/api/applications").WithTags("employment");
        applications.MapPost("/", async Task<Created<ApplicationView>> (ApplyRequest? r, HttpContext http, Wolverine.IMessageBus bus, CancellationToken ct) =>
            {
                new Validation().Required("body", r).ThrowIfInvalid();
                var view = await bus.InvokeAsync<ApplicationView>(new ApplyToCompetition(r!.CompetitionId, r.CandidateId, http.CommandContext()), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Created($"/api/applications/{view.Id}", view);
            })
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<ApplyToCompetition>()))
            .WithSummary("Apply electronically (before the deadline, where accepted, once per competition). Role: citizen (the candidate).");
        applications.MapGet("/{id:guid}", async Task<Ok<ApplicationView>> (Guid id, HttpContext http, EmploymentService service, CancellationToken ct) =>
            {
                var view = await service.GetApplicationAsync(id, http.User.ToActor(), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .RequireAuthorization(p => p.RequireRole(R.Citizen, R.Agent, R.Supervisor, R.Auditor))
            .WithSummary("An application. Roles: the candidate, agent (competition's administration), supervisor, auditor.");
        ApplicationAction<object>(applications, "withdraw", CommandRoles.Names<ApplicationAction.Withdraw>(), "Withdraw the application.", _ => new ApplicationAction.Withdraw());
        ApplicationAction<PreselectRequest>(applications, "preselect", CommandRoles.Names<ApplicationAction.Preselect>(), "Decide pre-selection {preselected}.", r => new ApplicationAction.Preselect(r?.Preselected));
        ApplicationAction<ConvokeRequest>(applications, "convoke-written", CommandRoles.Names<ApplicationAction.ConvokeToWrittenExam>(), "Convoke to the written exam {examAt}.", r => new ApplicationAction.ConvokeToWrittenExam(r?.ExamAt));
        ApplicationAction<ConvokeRequest>(applications, "convoke-oral", CommandRoles.Names<ApplicationAction.ConvokeToOralExam>(), "Convoke to the oral exam {examAt}.", r => new ApplicationAction.ConvokeToOralExam(r?.ExamAt));
        ApplicationAction<ResultRequest>(applications, "result", CommandRoles.Names<ApplicationAction.RecordResult>(), "Record the result {result: admitted | waitingList | notAdmitted}.", r => new ApplicationAction.RecordResult(r?.Result));
    }

    /// <summary>A competition's body (REST) or input (GraphQL) as the command; a missing body is named as such.</summary>
    private static PublishCompetition ToCompetition(PublishCompetitionRequest? r, CommandContext context)
    {
        new Validation().Required("body", r).ThrowIfInvalid();
        return new PublishCompetition(r!.AdministrationId, r.Title, r.Grade, r.Posts, r.ApplicationDeadline, r.AcceptsElectronicApplications, context);
    }

    /// <summary>A candidate's body (REST) or input (GraphQL) as the command.</summary>
    private static CreateCandidate ToCandidate(CreateCandidateRequest? r, CommandContext context)
    {
        new Validation().Required("body", r).ThrowIfInvalid();
        return new CreateCandidate(r!.FullName, r.NationalId, r.Email, context);
    }

    private static void CompetitionAction(RouteGroupBuilder group, string name, string summary, CompetitionStep step) =>
        group.MapPost($"/{{id:guid}}/{name}", async Task<Ok<CompetitionView>> (Guid id, HttpContext http, Wolverine.IMessageBus bus, CancellationToken ct) =>
            {
                var view = await bus.InvokeAsync<CompetitionView>(new ActOnCompetition(id, step, http.CommandContext()), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<ActOnCompetition>()))
            .WithSummary($"{summary} Roles: agent (of its administration), supervisor.");

    private static void ApplicationAction<TRequest>(RouteGroupBuilder group, string name, string[] roles, string summary, Func<TRequest?, ApplicationAction> action)
        where TRequest : class =>
        group.MapPost($"/{{id:guid}}/{name}", async Task<Ok<ApplicationView>> (Guid id, HttpContext http, Wolverine.IMessageBus bus, CancellationToken ct) =>
            {
                var request = await JsonBody.ReadAsync<TRequest>(http, ServiceDates.RequestJson, ct).ConfigureAwait(false);
                var view = await bus.InvokeAsync<ApplicationView>(new ActOnApplication(id, action(request), http.CommandContext()), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .RequireAuthorization(p => p.RequireRole(roles))
            .Accepts<TRequest>("application/json")
            .WithSummary($"{summary} Roles: {string.Join(", ", roles)}.");
}
