using Idarati.Api.Infrastructure;
using Idarati.Application.Administrations;
using Idarati.Application.Complaints;
using Idarati.Domain.Complaints;
using Idarati.GraphQL.Types;
using Idarati.Projections.Complaints;

namespace Idarati.Api.GraphQL;

public static partial class FrontEndSchema
{
    /// <summary>The administration behind an id, loaded with every other one the request asks for in the same batch.</summary>
    private static FieldDefinition AdministrationOf(ObjectGraphType administration, Func<object, string> id) =>
        new("administration", administration, "The administration that owns it.")
        {
            Resolve = async c => await Service<AdministrationLoader>(c).LoadAsync(id(c.Source!)).ConfigureAwait(false),
        };

    private static ObjectGraphType ComplaintType(ObjectGraphType administration, EnumGraphType kind, EnumGraphType channel, EnumGraphType status)
    {
        var complaint = new ObjectGraphType("Complaint", "A complaint, observation or suggestion, as its stream says now. The citizen's identity is not exposed here.");
        complaint.AddFields(
            new FieldDefinition("id", Scalars.ID.NonNull),
            new FieldDefinition("trackingNumber", Scalars.String.NonNull),
            new FieldDefinition("kind", kind.NonNull),
            new FieldDefinition("channel", channel.NonNull),
            new FieldDefinition("status", status.NonNull),
            new FieldDefinition("administrationId", Scalars.ID.NonNull),
            AdministrationOf(administration, s => ((ComplaintView)s).AdministrationId),
            new FieldDefinition("categoryCode", Scalars.String.NonNull),
            new FieldDefinition("subject", Scalars.String, "What the citizen wrote (personal data): null once their data was erased."),
            new FieldDefinition("description", Scalars.String, "What the citizen wrote (personal data): null once their data was erased."),
            new FieldDefinition("personalDataErasedAt", DateTime, "When the citizen's personal data was erased; null while it is held."),
            new FieldDefinition("submittedAt", DateTime.NonNull),
            new FieldDefinition("acknowledgementDue", DateTime.NonNull),
            new FieldDefinition("answerDue", DateTime.NonNull),
            new FieldDefinition("acknowledgedAt", DateTime),
            new FieldDefinition("closedAt", DateTime),
            new FieldDefinition("reopenCount", Scalars.Int.NonNull),
            new FieldDefinition("overdue", Scalars.Boolean.NonNull),
            new FieldDefinition("version", Scalars.Int.NonNull, "The stream version: send it back as expectedVersion to act on this state."));
        return complaint;
    }

    private static ObjectGraphType ListItemType(ObjectGraphType administration)
    {
        var item = new ObjectGraphType("ComplaintListItem", "A row of the complaint list read model: no personal data.");
        item.AddFields(
            new FieldDefinition("id", Scalars.ID.NonNull),
            new FieldDefinition("trackingNumber", Scalars.String.NonNull),
            new FieldDefinition("administrationId", Scalars.ID.NonNull),
            AdministrationOf(administration, s => ((ComplaintRow)s).AdministrationId),
            new FieldDefinition("kind", Scalars.String.NonNull),
            new FieldDefinition("channel", Scalars.String.NonNull),
            new FieldDefinition("categoryCode", Scalars.String.NonNull),
            new FieldDefinition("region", Scalars.String.NonNull),
            new FieldDefinition("status", Scalars.String.NonNull),
            new FieldDefinition("submittedAt", DateTime.NonNull),
            new FieldDefinition("answerDue", DateTime.NonNull),
            new FieldDefinition("overdue", Scalars.Boolean.NonNull),
            new FieldDefinition("version", Scalars.Int.NonNull));
        return item;
    }

    /// <summary>Where a complaint is about, and who the citizen is: shared by submitComplaint and escalateTicket.</summary>
    private static (InputObjectGraphType Location, InputObjectGraphType Citizen) PlaceAndPersonInputs() =>
        (new InputObjectGraphType("LocationInput").AddFields(
            new InputValueDefinition("region", Scalars.String.NonNull), new InputValueDefinition("province", Scalars.String.NonNull), new InputValueDefinition("commune", Scalars.String.NonNull)),
         new InputObjectGraphType("CitizenInput", "The citizen's identity: required for a complaint, optional for an observation or suggestion.").AddFields(
            new InputValueDefinition("fullName", Scalars.String.NonNull), new InputValueDefinition("nationalId", Scalars.String.NonNull),
            new InputValueDefinition("phone", Scalars.String.NonNull), new InputValueDefinition("email", Scalars.String.NonNull)));

    private static FieldDefinition SubmitComplaintField(EnumGraphType kind, EnumGraphType channel, InputObjectGraphType location, InputObjectGraphType citizen, ObjectGraphType userError)
    {
        var input = new InputObjectGraphType("SubmitComplaintInput").AddFields(
            new InputValueDefinition("kind", kind.NonNull), new InputValueDefinition("channel", channel.NonNull),
            new InputValueDefinition("administrationId", Scalars.ID.NonNull), new InputValueDefinition("categoryCode", Scalars.String.NonNull),
            new InputValueDefinition("subject", Scalars.String.NonNull), new InputValueDefinition("description", Scalars.String.NonNull),
            new InputValueDefinition("location", location.NonNull), new InputValueDefinition("citizen", citizen));
        // Refusals come back in errors, as from every other mutation; the submission's fields are then null.
        var payload = new ObjectGraphType("SubmitComplaintPayload", "The tracking number and access code are shown once: the citizen follows the complaint with them. Or the errors that stopped the submission.");
        payload.AddFields(
            new FieldDefinition("id", Scalars.ID), new FieldDefinition("trackingNumber", Scalars.String),
            new FieldDefinition("accessCode", Scalars.String), new FieldDefinition("version", Scalars.Int),
            new FieldDefinition("errors", new NonNullGraphType(new ListGraphType(userError.NonNull))));
        return new FieldDefinition("submitComplaint", payload.NonNull, "Submit a complaint, observation or suggestion. Roles: citizen, agent, supervisor.")
        {
            Arguments = [new("input", input.NonNull)],
            Resolve = async c =>
            {
                Caller(c, Application.Handling.CommandRoles.Names<SubmitComplaint>());
                var answer = await PayloadAsync("submitted", async () =>
                {
                    var i = c.Argument<IReadOnlyDictionary<string, object?>>("input")!;
                    var l = (IReadOnlyDictionary<string, object?>)i["location"]!;
                    var p = i.GetValueOrDefault("citizen") as IReadOnlyDictionary<string, object?>;
                    var message = new SubmitComplaint((ComplaintKind)i["kind"]!, (ComplaintChannel)i["channel"]!, (string)i["administrationId"]!, (string)i["categoryCode"]!,
                        (string)i["subject"]!, (string)i["description"]!, Location(l), p is null ? null : Citizen(p)) { Context = Keyed(c) };
                    return await Service<Wolverine.IMessageBus>(c).InvokeAsync<SubmittedComplaint>(message, c.CancellationToken).ConfigureAwait(false);
                }).ConfigureAwait(false);
                var result = (Dictionary<string, object?>)answer!;
                return result["submitted"] is SubmittedComplaint s
                    ? new Dictionary<string, object?> { ["id"] = s.Id, ["trackingNumber"] = s.TrackingNumber, ["accessCode"] = s.AccessCode, ["version"] = s.Version, ["errors"] = result["errors"] }
                    : new Dictionary<string, object?> { ["errors"] = result["errors"] };
            },
        };
    }

    /// <summary>A GraphQL LocationInput as the message's.</summary>
    private static SubmitComplaint.Place Location(IReadOnlyDictionary<string, object?> l) => new((string?)l["region"], (string?)l["province"], (string?)l["commune"]);

    /// <summary>A GraphQL CitizenInput as the message's.</summary>
    private static SubmitComplaint.Person Citizen(IReadOnlyDictionary<string, object?> p) => new((string?)p["fullName"], (string?)p["nationalId"], (string?)p["phone"], (string?)p["email"]);
}


/// <summary>The request's loader of administrations by id: one read of the list per batch, whatever the page size.</summary>
public sealed class AdministrationLoader(Idarati.GraphQL.Execution.BatchScheduler scheduler, AdministrationService administrations)
{
    private readonly Idarati.GraphQL.Execution.DataLoader<string, AdministrationView> _loader =
        new(scheduler, async (ids, ct) => await administrations.FindManyAsync(ids, ct).ConfigureAwait(false));

    public Task<AdministrationView?> LoadAsync(string id) => _loader.LoadAsync(id);
}
