using Idarati.Api.Infrastructure;
using Idarati.Application.Handling;
using Idarati.Application.JobApplications;
using Microsoft.AspNetCore.Http.HttpResults;
using R = Idarati.Api.Infrastructure.Auth.Roles;

namespace Idarati.Api.JobApplications;

/// <summary>/api/competitions, /api/candidates, /api/applications: emploi-public.ma.</summary>
public static class EmploymentEndpoints
{
    public static void MapEmployment(this IEndpointRouteBuilder endpoints)
    {
        var competitions = endpoints.MapGroup("/api/competitions").WithTags("employment");
        competitions.MapPost("/", async Task<Created<CompetitionView>> (HttpContext http, Wolverine.IMessageBus bus, CancellationToken ct) =>
            {
                var view = await bus.InvokeAsync<CompetitionView>(await JsonBody.ReadMessageAsync<PublishCompetition>(http, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Created($"/api/competitions/{view.Id}", view);
            })
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<PublishCompetition>()))
            .Accepts<PublishCompetition>("application/json")
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
        candidates.MapPost("/", async Task<Created<CandidateView>> (HttpContext http, Wolverine.IMessageBus bus, CancellationToken ct) =>
            {
                var view = await bus.InvokeAsync<CandidateView>(await JsonBody.ReadMessageAsync<CreateCandidate>(http, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Created($"/api/candidates/{view.Id}", view);
            })
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<CreateCandidate>()))
            .Accepts<CreateCandidate>("application/json")
            .WithSummary("Create a candidate account: one per e-mail address and one per national identity number (CIN, normalised: case, spaces); a second answers 409 naming the field (`email` or `nationalId`). Role: citizen.");
        candidates.MapGet("/{id:guid}", async Task<Ok<CandidateView>> (Guid id, HttpContext http, EmploymentService service, CancellationToken ct) =>
                TypedResults.Ok(await service.GetCandidateAsync(id, http.User.ToActor(), ct).ConfigureAwait(false)))
            .RequireAuthorization(p => p.RequireRole(R.Citizen, R.Admin, R.Supervisor, R.Auditor))
            .WithSummary("A candidate account. Roles: the candidate (citizen), supervisor, auditor, admin (without the identity: administrators read no personal data).");
        candidates.MapPost("/{id:guid}/verify", async Task<Ok<CandidateView>> (Guid id, HttpContext http, Wolverine.IMessageBus bus, CancellationToken ct) =>
                TypedResults.Ok(await bus.InvokeAsync<CandidateView>(new VerifyCandidate(id, http.CommandContext()), ct).ConfigureAwait(false)))
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<VerifyCandidate>()))
            .WithSummary("Verify the account. Roles: the candidate (citizen), admin (answered without the identity), supervisor.");

        var applications = endpoints.MapGroup("/api/applications").WithTags("employment");
        applications.MapPost("/", async Task<Created<ApplicationView>> (HttpContext http, Wolverine.IMessageBus bus, CancellationToken ct) =>
            {
                var view = await bus.InvokeAsync<ApplicationView>(await JsonBody.ReadMessageAsync<ApplyToCompetition>(http, ct).ConfigureAwait(false), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Created($"/api/applications/{view.Id}", view);
            })
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<ApplyToCompetition>()))
            .Accepts<ApplyToCompetition>("application/json")
            .WithSummary("Apply electronically (before the deadline, where accepted, once per competition). Role: citizen (the candidate).");
        applications.MapGet("/{id:guid}", async Task<Ok<ApplicationView>> (Guid id, HttpContext http, EmploymentService service, CancellationToken ct) =>
            {
                var view = await service.GetApplicationAsync(id, http.User.ToActor(), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .RequireAuthorization(p => p.RequireRole(R.Citizen, R.Agent, R.Supervisor, R.Auditor))
            .WithSummary("An application. Roles: the candidate, agent (competition's administration), supervisor, auditor.");
        // Each action's body is the action's record (its roles and input rules); a missing body is an empty one.
        ApplicationAction(applications, "withdraw", "Withdraw the application.", new ApplicationAction.Withdraw());
        ApplicationAction(applications, "preselect", "Decide pre-selection {preselected}.", new ApplicationAction.Preselect(null));
        ApplicationAction(applications, "convoke-written", "Convoke to the written exam {examAt}.", new ApplicationAction.ConvokeToWrittenExam(null));
        ApplicationAction(applications, "convoke-oral", "Convoke to the oral exam {examAt}.", new ApplicationAction.ConvokeToOralExam(null));
        ApplicationAction(applications, "result", "Record the result {result: admitted | waitingList | notAdmitted}.", new ApplicationAction.RecordResult(null));
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

    private static void ApplicationAction<TAction>(RouteGroupBuilder group, string name, string summary, TAction empty)
        where TAction : ApplicationAction, ICommandRoles
    {
        var roles = CommandRoles.Names<TAction>();
        group.MapPost($"/{{id:guid}}/{name}", async Task<Ok<ApplicationView>> (Guid id, HttpContext http, Wolverine.IMessageBus bus, CancellationToken ct) =>
            {
                var action = await JsonBody.ReadAsync<TAction>(http, ServiceDates.RequestJson, ct).ConfigureAwait(false) ?? empty;
                var view = await bus.InvokeAsync<ApplicationView>(new ActOnApplication(id, action, http.CommandContext()), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .RequireAuthorization(p => p.RequireRole(roles))
            .Accepts<TAction>("application/json")
            .WithSummary($"{summary} Roles: {string.Join(", ", roles)}.");
    }
}
