using Idarati.Application.Handling;
using Idarati.Api.Infrastructure;
using Idarati.GraphQL.Types;
using Idarati.Projections;

namespace Idarati.Api.GraphQL;

/// <summary>The call-centre and employment lists as connections: read models without personal data.</summary>
public static partial class FrontEndSchema
{
    private static FieldDefinition[] ListFields(ListTypes lists, ObjectGraphType administration)
    {
        var ticket = new ObjectGraphType("CallCenterTicket", "A question to the 3737 centre as the list shows it: no caller, no text.");
        ticket.AddFields(
            new FieldDefinition("id", Scalars.ID.NonNull), new FieldDefinition("channel", Scalars.String.NonNull), new FieldDefinition("categoryCode", Scalars.String.NonNull),
            new FieldDefinition("language", Scalars.String.NonNull), new FieldDefinition("status", Scalars.String.NonNull, "open, answered, escalated or closed."),
            new FieldDefinition("openedAt", DateTime.NonNull), new FieldDefinition("answeredAt", DateTime), new FieldDefinition("escalatedAt", DateTime), new FieldDefinition("closedAt", DateTime));
        var competition = new ObjectGraphType("Competition", "A public-employment competition.");
        competition.AddFields(
            new FieldDefinition("id", Scalars.ID.NonNull), new FieldDefinition("administrationId", Scalars.ID.NonNull),
            AdministrationOf(administration, s => ((CompetitionRow)s).AdministrationId),
            new FieldDefinition("title", Scalars.String.NonNull), new FieldDefinition("grade", Scalars.String.NonNull), new FieldDefinition("posts", Scalars.Int.NonNull),
            new FieldDefinition("applicationDeadline", DateTime.NonNull), new FieldDefinition("acceptsElectronicApplications", Scalars.Boolean.NonNull),
            new FieldDefinition("status", Scalars.String.NonNull, "open, closed or resultsPublished."), new FieldDefinition("publishedAt", DateTime.NonNull),
            new FieldDefinition("applicationsClosedAt", DateTime), new FieldDefinition("resultsPublishedAt", DateTime));
        var application = new ObjectGraphType("JobApplication", "An application as the list shows it: the competition and how it went, never who applied.");
        application.AddFields(
            new FieldDefinition("id", Scalars.ID.NonNull), new FieldDefinition("competitionId", Scalars.ID.NonNull), new FieldDefinition("administrationId", Scalars.ID.NonNull),
            new FieldDefinition("electronic", Scalars.Boolean.NonNull), new FieldDefinition("submittedAt", DateTime.NonNull), new FieldDefinition("withdrawnAt", DateTime),
            new FieldDefinition("preselected", Scalars.Boolean), new FieldDefinition("convokedToWrittenExamAt", DateTime), new FieldDefinition("convokedToOralExamAt", DateTime),
            new FieldDefinition("result", Scalars.String, "admitted, waitingList or notAdmitted."));
        var candidate = new ObjectGraphType("CandidateAccount", "A candidate account as the list shows it: when created and verified, no identity.");
        candidate.AddFields(new FieldDefinition("id", Scalars.ID.NonNull), new FieldDefinition("createdAt", DateTime.NonNull), new FieldDefinition("verifiedAt", DateTime));
        var adminArgument = new InputValueDefinition("administrationId", Scalars.ID, "Shorthand for where: { administrationId: { eq } }; an agent always sees only its own.");
        return
        [
            Connection(lists, new ListField<TicketRow>(
                "callCenterTickets", "The 3737 centre's questions (newest first by default). Roles: the centre's agents, supervisor, auditor.",
                ticket, Lists.Tickets, Lists.Ticket, [.. ReadScope.ListReaders.Select(CommandRoles.Name)],
                (_, actor) => Application.CallCenter.TicketService.CanRead(actor!) ? null
                    : throw new Idarati.GraphQL.Execution.GraphQLException("Only the call centre's agents, supervisors and auditors read tickets.", "FORBIDDEN"))),
            Connection(lists, new ListField<CompetitionRow>(
                "competitions", "Public-employment competitions (newest first by default). Anyone.",
                competition, Lists.Competitions, Lists.Competition, [Auth.Roles.Citizen, Auth.Roles.Agent, Auth.Roles.Supervisor, Auth.Roles.Auditor, Auth.Roles.Analyst, Auth.Roles.Admin],
                (c, _) => c.Argument<string>("administrationId"))
            {
                Anonymous = true,
                ExtraArguments = [adminArgument with { Description = "Shorthand for where: { administrationId: { eq } }." }],
            }),
            Connection(lists, new ListField<ApplicationRow>(
                "applications", "Applications, without candidates (newest first by default). Roles: agent (own administration only), supervisor, auditor.",
                application, Lists.Applications, Lists.Application, [.. ReadScope.ListReaders.Select(CommandRoles.Name)], OwnAdministration)
            {
                ExtraArguments = [adminArgument],
            }),
            Connection(lists, new ListField<CandidateRow>(
                "candidates", "Candidate accounts, without identity (newest first by default). Roles: admin, supervisor, auditor.",
                candidate, Lists.Candidates, Lists.Candidate, [Auth.Roles.Admin, Auth.Roles.Supervisor, Auth.Roles.Auditor], (_, _) => null)),
        ];
    }
}
