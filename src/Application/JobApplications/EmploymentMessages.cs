using System.Text.Json.Serialization;
using Idarati.Application.Handling;
using Idarati.Domain.JobApplications;
using Idarati.Domain.Shared;

namespace Idarati.Application.JobApplications;

/// <summary>Publish a competition: the REST body and the GraphQL input are this message; the handler checks it.</summary>
public sealed record PublishCompetition(
    string? AdministrationId, string? Title, string? Grade, int? Posts, DateTimeOffset? ApplicationDeadline, bool? AcceptsElectronicApplications) : ICommandRoles, IContextual<PublishCompetition>
{
    public static IReadOnlyList<Role> Roles => CommandRoles.Staff;

    /// <summary>Who sends it and how (set by the door).</summary>
    [JsonIgnore]
    public CommandContext Context { get; init; } = null!;

    public PublishCompetition With(CommandContext context) => this with { Context = context };

    internal CompetitionDetails Checked(Guid id)
    {
        new Validation().Text("administrationId", AdministrationId, 64).Text("title", Title, 300).Text("grade", Grade, 100)
            .Required("posts", Posts).Check("posts", Posts is null or (>= 1 and <= 100_000), "Between 1 and 100000.")
            .Required("applicationDeadline", ApplicationDeadline).Required("acceptsElectronicApplications", AcceptsElectronicApplications).ThrowIfInvalid();
        return new CompetitionDetails(id.ToString(), AdministrationId!, Title!, Grade!, Posts!.Value, ApplicationDeadline!.Value, AcceptsElectronicApplications!.Value);
    }
}

/// <summary>What may happen to a published competition.</summary>
public enum CompetitionStep
{
    CloseApplications,
    PublishResults,
}

/// <summary>Close a competition's applications, or publish its results.</summary>
public sealed record ActOnCompetition(Guid CompetitionId, CompetitionStep Step, CommandContext Context) : ICommandRoles
{
    public static IReadOnlyList<Role> Roles => CommandRoles.Staff;
}

/// <summary>Create a candidate account (one per e-mail address and one per CIN): the REST body and the GraphQL input are this message.</summary>
public sealed record CreateCandidate(string? FullName, string? NationalId, string? Email) : ICommandRoles, IContextual<CreateCandidate>
{
    public static IReadOnlyList<Role> Roles => CommandRoles.Citizen;

    /// <summary>Who sends it and how (set by the door).</summary>
    [JsonIgnore]
    public CommandContext Context { get; init; } = null!;

    public CreateCandidate With(CommandContext context) => this with { Context = context };

    internal CandidateIdentity Checked()
    {
        new Validation().Text("fullName", FullName, 200).NationalId("nationalId", NationalId).Email("email", Email).ThrowIfInvalid();
        return new CandidateIdentity(FullName!.Trim(), Idarati.Domain.Shared.NationalId.Normalize(NationalId!), Email!.Trim());
    }
}

/// <summary>Verify a candidate account.</summary>
public sealed record VerifyCandidate(Guid CandidateId, CommandContext Context) : ICommandRoles
{
    public static IReadOnlyList<Role> Roles { get; } = [Role.Citizen, Role.Admin, Role.Supervisor];
}

/// <summary>Apply to a competition electronically: the REST body and the GraphQL arguments are this message.</summary>
public sealed record ApplyToCompetition(Guid? CompetitionId, Guid? CandidateId) : ICommandRoles, IContextual<ApplyToCompetition>
{
    public static IReadOnlyList<Role> Roles => CommandRoles.Citizen;

    /// <summary>Who sends it and how (set by the door).</summary>
    [JsonIgnore]
    public CommandContext Context { get; init; } = null!;

    public ApplyToCompetition With(CommandContext context) => this with { Context = context };

    internal (Guid Competition, Guid Candidate) Checked()
    {
        new Validation().Required("competitionId", CompetitionId).Required("candidateId", CandidateId).ThrowIfInvalid();
        return (CompetitionId!.Value, CandidateId!.Value);
    }
}

/// <summary>What happens to an application, as sent, with its input rules.</summary>
public abstract record ApplicationAction
{
    internal abstract ApplicationCommand ToCommand(Actor actor, DateTimeOffset at);

    private static T Require<T>(T? value, string field)
        where T : struct => value ?? throw ValidationFailedException.For(field, "This field is required.");

    public sealed record Withdraw : ApplicationAction, ICommandRoles
    {
        public static IReadOnlyList<Role> Roles => CommandRoles.Citizen;

        internal override ApplicationCommand ToCommand(Actor actor, DateTimeOffset at) => new ApplicationCommand.Withdraw(actor, at);
    }

    public sealed record Preselect(bool? Preselected) : ApplicationAction, ICommandRoles
    {
        public static IReadOnlyList<Role> Roles => CommandRoles.Staff;

        internal override ApplicationCommand ToCommand(Actor actor, DateTimeOffset at) => new ApplicationCommand.Preselect(actor, at, Require(Preselected, "preselected"));
    }

    public sealed record ConvokeToWrittenExam(DateTimeOffset? ExamAt) : ApplicationAction, ICommandRoles
    {
        public static IReadOnlyList<Role> Roles => CommandRoles.Staff;

        internal override ApplicationCommand ToCommand(Actor actor, DateTimeOffset at) => new ApplicationCommand.ConvokeToWrittenExam(actor, at, Require(ExamAt, "examAt"));
    }

    public sealed record ConvokeToOralExam(DateTimeOffset? ExamAt) : ApplicationAction, ICommandRoles
    {
        public static IReadOnlyList<Role> Roles => CommandRoles.Staff;

        internal override ApplicationCommand ToCommand(Actor actor, DateTimeOffset at) => new ApplicationCommand.ConvokeToOralExam(actor, at, Require(ExamAt, "examAt"));
    }

    public sealed record RecordResult(ExamResult? Result) : ApplicationAction, ICommandRoles
    {
        public static IReadOnlyList<Role> Roles => CommandRoles.Staff;

        internal override ApplicationCommand ToCommand(Actor actor, DateTimeOffset at) => new ApplicationCommand.RecordResult(actor, at, Require(Result, "result"));
    }
}

/// <summary>Act on an application.</summary>
public sealed record ActOnApplication(Guid ApplicationId, ApplicationAction Action, CommandContext Context);

/// <summary>emploi-public.ma's command handlers (Wolverine), sent by REST endpoints and GraphQL mutations alike.</summary>
public static class EmploymentHandler
{
    public static Task<CompetitionView> Handle(PublishCompetition message, EmploymentService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        CommandRoles.Demand(message, message.Context.Actor);
        ArgumentNullException.ThrowIfNull(service);
        return service.PublishAsync(message.Checked(service.NewId(message.Context, "competition")), message.Context, cancellationToken);
    }

    public static Task<CompetitionView> Handle(ActOnCompetition message, EmploymentService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        CommandRoles.Demand(message, message.Context.Actor);
        ArgumentNullException.ThrowIfNull(service);
        var actor = message.Context.Actor;
        return service.ActOnCompetitionAsync(message.CompetitionId, at => message.Step switch
        {
            CompetitionStep.CloseApplications => new CompetitionCommand.CloseApplications(actor, at),
            _ => new CompetitionCommand.PublishResults(actor, at),
        }, message.Context, cancellationToken);
    }

    public static Task<CandidateView> Handle(CreateCandidate message, EmploymentService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        CommandRoles.Demand(message, message.Context.Actor);
        ArgumentNullException.ThrowIfNull(service);
        return service.CreateCandidateAsync(message.Checked(), message.Context, cancellationToken);
    }

    public static Task<CandidateView> Handle(VerifyCandidate message, EmploymentService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        CommandRoles.Demand(message, message.Context.Actor);
        ArgumentNullException.ThrowIfNull(service);
        return service.VerifyCandidateAsync(message.CandidateId, message.Context, cancellationToken);
    }

    public static Task<ApplicationView> Handle(ApplyToCompetition message, EmploymentService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        CommandRoles.Demand(message, message.Context.Actor);
        ArgumentNullException.ThrowIfNull(service);
        var (competition, candidate) = message.Checked();
        return service.ApplyAsync(competition, candidate, message.Context, cancellationToken);
    }

    public static Task<ApplicationView> Handle(ActOnApplication message, EmploymentService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        CommandRoles.Demand(message.Action, message.Context.Actor);
        ArgumentNullException.ThrowIfNull(service);
        // Checked before the stream is read: a missing field is a 400 whatever the application's state.
        var command = message.Action.ToCommand(message.Context.Actor, DateTimeOffset.MinValue);
        return service.ActOnApplicationAsync(message.ApplicationId, at => command with { At = at }, message.Context, cancellationToken);
    }
}
