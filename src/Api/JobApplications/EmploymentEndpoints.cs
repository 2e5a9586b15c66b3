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
        competitions.MapPost("/", async Task<Created<CompetitionView>> (PublishCompetitionRequest? r, HttpContext http, EmploymentService service, CancellationToken ct) =>
            {
                var context = http.CommandContext();
                var view = await service.PublishAsync(ToCompetition(r, service.NewId(context, "competition")), context, ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Created($"/api/competitions/{view.Id}", view);
            })
            .RequireAuthorization(p => p.RequireRole(R.Agent, R.Supervisor))
            .WithSummary("Publish a competition. Roles: agent (of its administration), supervisor.");
        competitions.MapGet("/{id:guid}", async Task<Ok<CompetitionView>> (Guid id, HttpContext http, EmploymentService service, CancellationToken ct) =>
            {
                var view = await service.GetCompetitionAsync(id, ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .AllowAnonymous().WithSummary("A competition. Anyone may call it.");
        CompetitionAction(competitions, "close", "Close applications.", (a, t) => new CompetitionCommand.CloseApplications(a, t));
        CompetitionAction(competitions, "publish-results", "Publish the results (after applications close).", (a, t) => new CompetitionCommand.PublishResults(a, t));

        var candidates = endpoints.MapGroup("/api/candidates").WithTags("employment");
        candidates.MapPost("/", async Task<Created<CandidateView>> (CreateCandidateRequest? r, HttpContext http, EmploymentService service, CancellationToken ct) =>
            {
                var view = await service.CreateCandidateAsync(ToIdentity(r), http.CommandContext(), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Created($"/api/candidates/{view.Id}", view);
            })
            .RequireAuthorization(p => p.RequireRole(R.Citizen))
            .WithSummary("Create a candidate account (one per e-mail address). Role: citizen.");
        candidates.MapGet("/{id:guid}", async Task<Ok<CandidateView>> (Guid id, HttpContext http, EmploymentService service, CancellationToken ct) =>
                TypedResults.Ok(await service.GetCandidateAsync(id, http.User.ToActor(), ct).ConfigureAwait(false)))
            .RequireAuthorization(p => p.RequireRole(R.Citizen, R.Admin, R.Supervisor, R.Auditor))
            .WithSummary("A candidate account. Roles: the candidate (citizen), supervisor, auditor, admin (without the identity: administrators read no personal data).");
        candidates.MapPost("/{id:guid}/verify", async Task<Ok<CandidateView>> (Guid id, HttpContext http, EmploymentService service, CancellationToken ct) =>
                TypedResults.Ok(await service.VerifyCandidateAsync(id, http.CommandContext(), ct).ConfigureAwait(false)))
            .RequireAuthorization(p => p.RequireRole(R.Citizen, R.Admin, R.Supervisor))
            .WithSummary("Verify the account. Roles: the candidate (citizen), admin (answered without the identity), supervisor.");

        var applications = endpoints.MapGroup("/api/applications").WithTags("employment");
        applications.MapPost("/", async Task<Created<ApplicationView>> (ApplyRequest? r, HttpContext http, EmploymentService service, CancellationToken ct) =>
            {
                new Validation().Required("body", r).Required("competitionId", r?.CompetitionId).Required("candidateId", r?.CandidateId).ThrowIfInvalid();
                var view = await service.ApplyAsync(r!.CompetitionId!.Value, r.CandidateId!.Value, http.CommandContext(), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Created($"/api/applications/{view.Id}", view);
            })
            .RequireAuthorization(p => p.RequireRole(R.Citizen))
            .WithSummary("Apply electronically (before the deadline, where accepted, once per competition). Role: citizen (the candidate).");
        applications.MapGet("/{id:guid}", async Task<Ok<ApplicationView>> (Guid id, HttpContext http, EmploymentService service, CancellationToken ct) =>
            {
                var view = await service.GetApplicationAsync(id, http.User.ToActor(), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .RequireAuthorization(p => p.RequireRole(R.Citizen, R.Agent, R.Supervisor, R.Auditor))
            .WithSummary("An application. Roles: the candidate, agent (competition's administration), supervisor, auditor.");
        ApplicationAction<object>(applications, "withdraw", [R.Citizen], "Withdraw the application.", (_, a, t) => new ApplicationCommand.Withdraw(a, t));
        ApplicationAction<PreselectRequest>(applications, "preselect", [R.Agent, R.Supervisor], "Decide pre-selection {preselected}.", (r, a, t) =>
            new ApplicationCommand.Preselect(a, t, Require(r?.Preselected, "preselected")));
        ApplicationAction<ConvokeRequest>(applications, "convoke-written", [R.Agent, R.Supervisor], "Convoke to the written exam {examAt}.", (r, a, t) =>
            new ApplicationCommand.ConvokeToWrittenExam(a, t, Require(r?.ExamAt, "examAt")));
        ApplicationAction<ConvokeRequest>(applications, "convoke-oral", [R.Agent, R.Supervisor], "Convoke to the oral exam {examAt}.", (r, a, t) =>
            new ApplicationCommand.ConvokeToOralExam(a, t, Require(r?.ExamAt, "examAt")));
        ApplicationAction<ResultRequest>(applications, "result", [R.Agent, R.Supervisor], "Record the result {result: admitted | waitingList | notAdmitted}.", (r, a, t) =>
            new ApplicationCommand.RecordResult(a, t, Require(r?.Result, "result")));
    }

    /// <summary>Checks a competition (REST body or GraphQL input) field by field.</summary>
    public static CompetitionDetails ToCompetition(PublishCompetitionRequest? r, Guid id)
    {
        new Validation().Required("body", r).Text("administrationId", r?.AdministrationId, 64).Text("title", r?.Title, 300).Text("grade", r?.Grade, 100)
            .Required("posts", r?.Posts).Check("posts", r?.Posts is null or (>= 1 and <= 100_000), "Between 1 and 100000.")
            .Required("applicationDeadline", r?.ApplicationDeadline).Required("acceptsElectronicApplications", r?.AcceptsElectronicApplications).ThrowIfInvalid();
        return new CompetitionDetails(id.ToString(), r!.AdministrationId!, r.Title!, r.Grade!, r.Posts!.Value, r.ApplicationDeadline!.Value, r.AcceptsElectronicApplications!.Value);
    }

    /// <summary>Checks a candidate's identity field by field.</summary>
    public static CandidateIdentity ToIdentity(CreateCandidateRequest? r)
    {
        new Validation().Required("body", r).Text("fullName", r?.FullName, 200).NationalId("nationalId", r?.NationalId).Email("email", r?.Email).ThrowIfInvalid();
        return new CandidateIdentity(r!.FullName!.Trim(), r.NationalId!.Trim().ToUpperInvariant(), r.Email!.Trim());
    }

    public static T Require<T>(T? value, string field)
        where T : struct => value ?? throw ValidationFailedException.For(field, "This field is required.");

    private static void CompetitionAction(RouteGroupBuilder group, string name, string summary, Func<Domain.Shared.Actor, DateTimeOffset, CompetitionCommand> command) =>
        group.MapPost($"/{{id:guid}}/{name}", async Task<Ok<CompetitionView>> (Guid id, HttpContext http, EmploymentService service, CancellationToken ct) =>
            {
                var actor = http.User.ToActor();
                var view = await service.ActOnCompetitionAsync(id, t => command(actor, t), http.CommandContext(), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .RequireAuthorization(p => p.RequireRole(R.Agent, R.Supervisor))
            .WithSummary($"{summary} Roles: agent (of its administration), supervisor.");

    private static void ApplicationAction<TRequest>(RouteGroupBuilder group, string name, string[] roles, string summary, Func<TRequest?, Domain.Shared.Actor, DateTimeOffset, ApplicationCommand> command)
        where TRequest : class =>
        group.MapPost($"/{{id:guid}}/{name}", async Task<Ok<ApplicationView>> (Guid id, HttpContext http, EmploymentService service, CancellationToken ct) =>
            {
                var request = await JsonBody.ReadAsync<TRequest>(http, ServiceDates.RequestJson, ct).ConfigureAwait(false);
                var actor = http.User.ToActor();
                var made = command(request, actor, DateTimeOffset.MinValue);
                var view = await service.ActOnApplicationAsync(id, t => made with { At = t }, http.CommandContext(), ct).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .RequireAuthorization(p => p.RequireRole(roles))
            .Accepts<TRequest>("application/json")
            .WithSummary($"{summary} Roles: {string.Join(", ", roles)}.");
}
