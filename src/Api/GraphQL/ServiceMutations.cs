using Idarati.Application.Complaints;
using Idarati.Api.Infrastructure;
using Idarati.Application.CallCenter;
using Idarati.Application.Handling;
using Idarati.Application.JobApplications;
using Idarati.Domain.CallCenter;
using Idarati.Domain.JobApplications;
using Idarati.Domain.Shared;
using Idarati.GraphQL.Types;

namespace Idarati.Api.GraphQL;

/// <summary>
/// The call-centre and employment commands as mutations, one per REST command, checked by the same functions as the
/// REST bodies and answered with payloads: the new state, or typed errors. Personal data never comes back.
/// </summary>
public static partial class FrontEndSchema
{
    private static FieldDefinition[] AdministrationMutations(ObjectGraphType userError, ObjectGraphType administration, EnumGraphType kind)
    {
        var payload = PayloadType("AdministrationPayload", "administration", administration, userError);
        var input = new InputObjectGraphType("RegisterAdministrationInput").AddFields(
            new InputValueDefinition("id", Scalars.ID.NonNull), new InputValueDefinition("nameAr", Scalars.String.NonNull), new InputValueDefinition("nameFr", Scalars.String.NonNull),
            new InputValueDefinition("kind", kind.NonNull), new InputValueDefinition("region", Scalars.String.NonNull));
        return
        [
            new FieldDefinition("registerAdministration", payload.NonNull, "Register an administration. Role: admin.")
            {
                Arguments = [new("input", input.NonNull)],
                Resolve = c =>
                {
                    Caller(c, CommandRoles.Names<Application.Administrations.RegisterAdministration>());
                    return PayloadAsync("administration", async () =>
                    {
                        var i = c.Argument<IReadOnlyDictionary<string, object?>>("input")!;
                        var message = new Application.Administrations.RegisterAdministration((string?)i["id"], (string?)i["nameAr"], (string?)i["nameFr"],
                            (Domain.Administrations.AdministrationKind?)i["kind"], (string?)i["region"]) { Context = Keyed(c) };
                        return await Service<Wolverine.IMessageBus>(c).InvokeAsync<Application.Administrations.AdministrationView>(message, c.CancellationToken).ConfigureAwait(false);
                    });
                },
            },
            new FieldDefinition("deactivateAdministration", payload.NonNull, "Deactivate an administration: it no longer receives complaints or transfers. Role: admin.")
            {
                Arguments = [new("id", Scalars.ID.NonNull), new("reason", Scalars.String.NonNull)],
                Resolve = c =>
                {
                    Caller(c, CommandRoles.Names<Application.Administrations.DeactivateAdministration>());
                    return PayloadAsync("administration", async () =>
                        await Service<Wolverine.IMessageBus>(c).InvokeAsync<Application.Administrations.AdministrationView>(
                            new Application.Administrations.DeactivateAdministration(c.Argument<string>("reason")) { AdministrationId = c.Argument<string>("id")!, Context = Keyed(c) }, c.CancellationToken)
                            .ConfigureAwait(false));
                },
            },
        ];
    }

    private static FieldDefinition[] ServiceMutations(ObjectGraphType userError, InputObjectGraphType location, InputObjectGraphType citizenInput)
    {
        var ticketChannel = EnumOf<TicketChannel>("TicketChannel", "Phone, e-mail or Facebook.");
        var language = EnumOf<TicketLanguage>("TicketLanguage", "The language of the question.");
        var ticket = new ObjectGraphType("Ticket", "A call-centre ticket as its stream says now.");
        ticket.AddFields(
            new FieldDefinition("id", Scalars.ID.NonNull), new FieldDefinition("channel", ticketChannel.NonNull), new FieldDefinition("categoryCode", Scalars.String.NonNull),
            new FieldDefinition("topic", Scalars.String, "The caller's question (personal data): null once their data was erased."), new FieldDefinition("language", language.NonNull), new FieldDefinition("status", Scalars.String.NonNull),
            new FieldDefinition("caller", PersonType, "Who the caller said they are, when they did."), new FieldDefinition("personalDataErasedAt", DateTime, "When the caller's personal data was erased; null while it is held."),
            new FieldDefinition("openedAt", DateTime.NonNull), new FieldDefinition("complaintId", Scalars.ID), new FieldDefinition("complaintTrackingNumber", Scalars.String),
            new FieldDefinition("closedAt", DateTime), new FieldDefinition("version", Scalars.Int.NonNull));
        var ticketPayload = PayloadType("TicketPayload", "ticket", ticket, userError);
        var escalation = new ObjectGraphType("TicketEscalation", "The ticket and the complaint it became; read the tracking number and access code to the caller.");
        escalation.AddFields(
            new FieldDefinition("ticket", ticket.NonNull), new FieldDefinition("complaintId", Scalars.ID.NonNull) { Resolve = c => Value(((Escalation)c.Source!).Complaint.Id) },
            new FieldDefinition("trackingNumber", Scalars.String.NonNull) { Resolve = c => Value(((Escalation)c.Source!).Complaint.TrackingNumber) },
            new FieldDefinition("accessCode", Scalars.String.NonNull) { Resolve = c => Value(((Escalation)c.Source!).Complaint.AccessCode) });
        var escalationPayload = PayloadType("TicketEscalationPayload", "escalation", escalation, userError);

        var competition = new ObjectGraphType("CompetitionState", "A competition as its stream says now.");
        competition.AddFields(
            new FieldDefinition("id", Scalars.ID.NonNull), new FieldDefinition("administrationId", Scalars.ID.NonNull), new FieldDefinition("title", Scalars.String.NonNull),
            new FieldDefinition("grade", Scalars.String.NonNull), new FieldDefinition("posts", Scalars.Int.NonNull), new FieldDefinition("applicationDeadline", DateTime.NonNull),
            new FieldDefinition("acceptsElectronicApplications", Scalars.Boolean.NonNull), new FieldDefinition("status", Scalars.String.NonNull), new FieldDefinition("version", Scalars.Int.NonNull));
        var competitionPayload = PayloadType("CompetitionPayload", "competition", competition, userError);
        var candidate = new ObjectGraphType("CandidateState", "A candidate account: its id and whether it is verified (the identity is not exposed here).");
        candidate.AddFields(new FieldDefinition("id", Scalars.ID.NonNull), new FieldDefinition("verified", Scalars.Boolean.NonNull), new FieldDefinition("version", Scalars.Int.NonNull));
        var candidatePayload = PayloadType("CandidatePayload", "candidate", candidate, userError);
        var stage = EnumOf<ApplicationStage>("ApplicationStage", "Where an application stands.");
        var result = EnumOf<ExamResult>("ExamResult", "Admitted, waiting list or not admitted.");
        var application = new ObjectGraphType("ApplicationState", "An application as its stream says now.");
        application.AddFields(
            new FieldDefinition("id", Scalars.ID.NonNull), new FieldDefinition("competitionId", Scalars.ID.NonNull), new FieldDefinition("candidateId", Scalars.ID.NonNull),
            new FieldDefinition("electronic", Scalars.Boolean.NonNull), new FieldDefinition("stage", stage.NonNull), new FieldDefinition("submittedAt", DateTime.NonNull),
            new FieldDefinition("writtenExamAt", DateTime), new FieldDefinition("oralExamAt", DateTime), new FieldDefinition("result", result), new FieldDefinition("version", Scalars.Int.NonNull));
        var applicationPayload = PayloadType("ApplicationPayload", "application", application, userError);


        FieldDefinition Mutation(string name, string description, string[] roles, ObjectGraphType payload, string field, InputValueDefinition[] arguments, Func<ResolveContext, Actor, Task<object?>> run) =>
            new(name, payload.NonNull, $"{description} Roles: {string.Join(", ", roles)}.")
            {
                Arguments = arguments,
                Resolve = c =>
                {
                    var actor = Caller(c, roles);
                    return PayloadAsync(field, () => run(c, actor));
                },
            };

        static Wolverine.IMessageBus Bus(ResolveContext c) => Service<Wolverine.IMessageBus>(c);

        static Guid Id(ResolveContext c, string name = "id") =>
            Guid.TryParse(c.Argument<string>(name), out var id) ? id : throw ValidationFailedException.For(name, "Not an id.");

        static IReadOnlyDictionary<string, object?> Input(ResolveContext c) => c.Argument<IReadOnlyDictionary<string, object?>>("input")!;

        var openInput = new InputObjectGraphType("OpenTicketInput").AddFields(
            new InputValueDefinition("channel", ticketChannel.NonNull), new InputValueDefinition("categoryCode", Scalars.String.NonNull),
            new InputValueDefinition("topic", Scalars.String.NonNull), new InputValueDefinition("language", language.NonNull),
            new InputValueDefinition("caller", citizenInput, "Who the caller says they are, when they do (sealed as personal data)."));
        var escalateInput = new InputObjectGraphType("EscalateTicketInput", "The ticket, and the complaint it becomes (channel callCenter).").AddFields(
            new InputValueDefinition("id", Scalars.ID.NonNull), new InputValueDefinition("administrationId", Scalars.ID.NonNull), new InputValueDefinition("categoryCode", Scalars.String.NonNull),
            new InputValueDefinition("subject", Scalars.String.NonNull), new InputValueDefinition("description", Scalars.String.NonNull),
            new InputValueDefinition("location", location.NonNull), new InputValueDefinition("citizen", citizenInput.NonNull));
        var competitionInput = new InputObjectGraphType("PublishCompetitionInput").AddFields(
            new InputValueDefinition("administrationId", Scalars.ID.NonNull), new InputValueDefinition("title", Scalars.String.NonNull), new InputValueDefinition("grade", Scalars.String.NonNull),
            new InputValueDefinition("posts", Scalars.Int.NonNull), new InputValueDefinition("applicationDeadline", DateTime.NonNull),
            new InputValueDefinition("acceptsElectronicApplications", Scalars.Boolean.NonNull));
        var candidateInput = new InputObjectGraphType("CreateCandidateInput", "The candidate's identity: kept in the stream, never returned by GraphQL.").AddFields(
            new InputValueDefinition("fullName", Scalars.String.NonNull), new InputValueDefinition("nationalId", Scalars.String.NonNull), new InputValueDefinition("email", Scalars.String.NonNull));

        FieldDefinition TicketAction(string name, string description, string[] roles, InputValueDefinition[] arguments, Func<ResolveContext, CommandContext, object> message) =>
            Mutation(name, description, roles, ticketPayload, "ticket", [new("id", Scalars.ID.NonNull), .. arguments],
                async (c, _) => await Bus(c).InvokeAsync<TicketView>(message(c, Keyed(c)), c.CancellationToken).ConfigureAwait(false));

        FieldDefinition CompetitionAction(string name, string description, CompetitionStep step) =>
            Mutation(name, description, CommandRoles.Names<ActOnCompetition>(), competitionPayload, "competition", [new("id", Scalars.ID.NonNull)],
                async (c, _) => await Bus(c).InvokeAsync<CompetitionView>(new ActOnCompetition(Id(c), step, Keyed(c)), c.CancellationToken).ConfigureAwait(false));

        // An application's action bound from the arguments by name, as its REST route binds the body.
        FieldDefinition ApplicationAction<TAction>(string name, string description, InputValueDefinition[] arguments)
            where TAction : Application.JobApplications.ApplicationAction, ICommandRoles =>
            Mutation(name, description, CommandRoles.Names<TAction>(), applicationPayload, "application", [new("id", Scalars.ID.NonNull), .. arguments],
                async (c, actor) => await Bus(c).InvokeAsync<ApplicationView>(new ActOnApplication(Id(c), Infrastructure.Slices.Bind<TAction>(n => c.Arguments.GetValueOrDefault(n), actor), Keyed(c)),
                    c.CancellationToken).ConfigureAwait(false));

        return
        [
            Mutation("openTicket", "Open a ticket for a question received by phone, e-mail or Facebook.", CommandRoles.Names<OpenTicketMessage>(), ticketPayload, "ticket", [new("input", openInput.NonNull)],
                async (c, _) =>
                {
                    var i = Input(c);
                    var message = new OpenTicketMessage((TicketChannel?)i["channel"], (string?)i["categoryCode"], (string?)i["topic"], (TicketLanguage?)i["language"],
                        i.GetValueOrDefault("caller") is IReadOnlyDictionary<string, object?> p ? Citizen(p) : null) { Context = Keyed(c) };
                    return await Bus(c).InvokeAsync<TicketView>(message, c.CancellationToken).ConfigureAwait(false);
                }),
            TicketAction("answerTicket", "Answer the question.", CommandRoles.Names<AnswerTicket>(), [new("answer", Scalars.String.NonNull)], (c, k) => new AnswerTicket(c.Argument<string>("answer")) { TicketId = Id(c), Context = k }),
            TicketAction("closeTicket", "Close the ticket.", CommandRoles.Names<CloseTicket>(), [], (c, k) => new CloseTicket(Id(c), k)),
            Mutation("escalateTicket", "Escalate to a complaint: creates it through the complaints workflow and links both ways.", CommandRoles.Names<EscalateTicket>(), escalationPayload, "escalation",
                [new("input", escalateInput.NonNull)],
                async (c, _) =>
                {
                    var i = Input(c);
                    var id = Guid.TryParse((string?)i["id"], out var ticket) ? ticket : throw ValidationFailedException.For("id", "Not an id.");
                    var l = (IReadOnlyDictionary<string, object?>)i["location"]!;
                    var p = (IReadOnlyDictionary<string, object?>)i["citizen"]!;
                    var complaint = new SubmitComplaint(Domain.Complaints.ComplaintKind.Complaint, Domain.Complaints.ComplaintChannel.CallCenter,
                        (string?)i["administrationId"], (string?)i["categoryCode"], (string?)i["subject"], (string?)i["description"],
                        Location(l), Citizen(p));
                    return await Bus(c).InvokeAsync<Escalation>(new EscalateTicket(id, complaint, Keyed(c)), c.CancellationToken).ConfigureAwait(false);
                }),
            Mutation("publishCompetition", "Publish a competition.", CommandRoles.Names<PublishCompetition>(), competitionPayload, "competition", [new("input", competitionInput.NonNull)],
                async (c, _) =>
                {
                    var i = Input(c);
                    var message = new PublishCompetition((string?)i["administrationId"], (string?)i["title"], (string?)i["grade"], (int?)i["posts"],
                        (DateTimeOffset?)i["applicationDeadline"], (bool?)i["acceptsElectronicApplications"]) { Context = Keyed(c) };
                    return await Bus(c).InvokeAsync<CompetitionView>(message, c.CancellationToken).ConfigureAwait(false);
                }),
            CompetitionAction("closeCompetitionApplications", "Close applications.", CompetitionStep.CloseApplications),
            CompetitionAction("publishCompetitionResults", "Publish the results (after applications close).", CompetitionStep.PublishResults),
            Mutation("createCandidate", "Create a candidate account: one per e-mail address and one per CIN (a second answers ALREADY_EXISTS naming the field).", CommandRoles.Names<CreateCandidate>(), candidatePayload, "candidate", [new("input", candidateInput.NonNull)],
                async (c, _) =>
                {
                    var i = Input(c);
                    var message = new CreateCandidate((string?)i["fullName"], (string?)i["nationalId"], (string?)i["email"]) { Context = Keyed(c) };
                    return await Bus(c).InvokeAsync<CandidateView>(message, c.CancellationToken).ConfigureAwait(false);
                }),
            Mutation("verifyCandidate", "Verify the account.", CommandRoles.Names<VerifyCandidate>(), candidatePayload, "candidate", [new("id", Scalars.ID.NonNull)],
                async (c, _) => await Bus(c).InvokeAsync<CandidateView>(new VerifyCandidate(Id(c), Keyed(c)), c.CancellationToken).ConfigureAwait(false)),
            Mutation("applyToCompetition", "Apply electronically (before the deadline, where accepted, once per competition).", CommandRoles.Names<ApplyToCompetition>(), applicationPayload, "application",
                [new("competitionId", Scalars.ID.NonNull), new("candidateId", Scalars.ID.NonNull)],
                async (c, _) => await Bus(c).InvokeAsync<ApplicationView>(new ApplyToCompetition(Id(c, "competitionId"), Id(c, "candidateId")) { Context = Keyed(c) }, c.CancellationToken).ConfigureAwait(false)),
            ApplicationAction<Application.JobApplications.ApplicationAction.Withdraw>("withdrawApplication", "Withdraw the application.", []),
            ApplicationAction<Application.JobApplications.ApplicationAction.Preselect>("preselectApplication", "Decide pre-selection.", [new("preselected", Scalars.Boolean.NonNull)]),
            ApplicationAction<Application.JobApplications.ApplicationAction.ConvokeToWrittenExam>("convokeToWrittenExam", "Convoke to the written exam.", [new("examAt", DateTime.NonNull)]),
            ApplicationAction<Application.JobApplications.ApplicationAction.ConvokeToOralExam>("convokeToOralExam", "Convoke to the oral exam.", [new("examAt", DateTime.NonNull)]),
            ApplicationAction<Application.JobApplications.ApplicationAction.RecordResult>("recordApplicationResult", "Record the result.", [new("result", result.NonNull)]),
        ];
    }
}
