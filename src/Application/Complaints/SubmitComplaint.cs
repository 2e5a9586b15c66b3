using System.Text.Json.Serialization;
using Idarati.Application.Administrations;
using Idarati.Application.Handling;
using Idarati.Domain.Complaints;
using Idarati.Domain.Reference;
using Idarati.Domain.Shared;
using Identity = Idarati.Domain.Complaints.Citizen;

namespace Idarati.Application.Complaints;

/// <summary>
/// A complaint, observation or suggestion submitted: the REST body and the GraphQL input are this message, checked
/// here once (every field named when wrong). A complaint needs the citizen's identity; observations and suggestions
/// may be anonymous. The door sets <see cref="Context"/> (who, the idempotency key, the expected version).
/// </summary>
public sealed record SubmitComplaint(
    ComplaintKind? Kind, ComplaintChannel? Channel, string? AdministrationId, string? CategoryCode,
    string? Subject, string? Description, SubmitComplaint.Place? Location, SubmitComplaint.Person? Citizen) : ICommandRoles, IContextual<SubmitComplaint>
{
    private const int ShortText = 200;
    private const int LongText = 5000;

    public static IReadOnlyList<Role> Roles { get; } = [Role.Citizen, Role.Agent, Role.Supervisor];

    /// <summary>Where the complaint is about, as sent.</summary>
    public sealed record Place(string? Region, string? Province, string? Commune);

    /// <summary>Who complains, as sent: name, CIN, phone (E.164 or Moroccan) and e-mail address.</summary>
    public sealed record Person(string? FullName, string? NationalId, string? Phone, string? Email);

    [JsonIgnore]
    public CommandContext Context { get; init; } = null!;

    public SubmitComplaint With(CommandContext context) => this with { Context = context };

    /// <summary>The 3737 ticket this complaint escalates, if it does.</summary>
    [JsonIgnore]
    public string? SourceTicketId { get; init; }

    /// <summary>The input rules; throws <see cref="ValidationFailedException"/> naming every field that is wrong.</summary>
    internal void Check()
    {
        var v = new Validation();
        v.Required("kind", Kind).Required("channel", Channel)
            .Text("administrationId", AdministrationId, 64).Text("categoryCode", CategoryCode, 64)
            .Text("subject", Subject, ShortText).Text("description", Description, LongText)
            .Required("location", Location);
        if (Location is { } l)
        {
            v.Text("location.region", l.Region, 100).Text("location.province", l.Province, 100).Text("location.commune", l.Commune, 100);
        }

        if (Citizen is { } c)
        {
            v.Citizen("citizen", c.FullName, c.NationalId, c.Phone, c.Email);
        }
        else
        {
            v.Check("citizen", Kind != ComplaintKind.Complaint, ComplaintDecider.AnonymousComplaint);
        }

        v.ThrowIfInvalid();
    }

    /// <summary>The citizen's identity as stored: trimmed, the CIN normalised (<see cref="NationalId"/>).</summary>
    internal Identity? Identity() => Citizen is { } c ? IdentityOf(c) : null;

    /// <summary>A person's identity as stored, once its input rules passed: trimmed, the CIN normalised (<see cref="NationalId"/>).</summary>
    internal static Identity IdentityOf(Person c) => new(c.FullName!.Trim(), Idarati.Domain.Shared.NationalId.Normalize(c.NationalId!), c.Phone!.Trim(), c.Email!.Trim());
}

/// <summary>What the submitter gets back: the tracking number and access code are shown once.</summary>
public sealed record SubmittedComplaint(Guid Id, string TrackingNumber, string AccessCode, long Version);

/// <summary>The submission's Wolverine handler: both doors send the message here.</summary>
public static class SubmitComplaintHandler
{
    public static Task<SubmittedComplaint> Handle(SubmitComplaint message, ComplaintSubmission submission, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(submission);
        CommandRoles.Demand(message, message.Context.Actor);
        return submission.SubmitAsync(message, cancellationToken);
    }
}

/// <summary>
/// The submission use case (also run by a ticket's escalation): the input checked, the administration and category
/// looked up, the id, tracking number, access code and due dates drawn, and the complaint started on the command path.
/// </summary>
public sealed class ComplaintSubmission(CommandHandler handler, AdministrationService administrations, ComplaintOptions options, TimeProvider time)
{
    public async Task<SubmittedComplaint> SubmitAsync(SubmitComplaint message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Check();
        var context = message.Context;
        var administration = await administrations.FindCachedAsync(message.AdministrationId!, cancellationToken).ConfigureAwait(false);
        if (administration is not { Active: true })
        {
            throw ValidationFailedException.For("administrationId", administration is null ? "No administration has this id." : "This administration no longer receives complaints.");
        }

        if (!Catalogue.IsComplaintCategory(message.CategoryCode!))
        {
            throw ValidationFailedException.For("categoryCode", "No complaint category has this code.");
        }

        var now = time.GetUtcNow();
        var id = context.CommandId is { } commandId ? ComplaintIdentifiers.FromCommand(commandId) : Guid.CreateVersion7(now);
        var accessCode = ComplaintIdentifiers.AccessCode(id, options.AccessCodeSecret);
        var kind = message.Kind!.Value;
        var location = new Location(message.Location!.Region!, message.Location.Province!, message.Location.Commune!);
        for (var attempt = 0; ; attempt++)
        {
            var tracking = ComplaintIdentifiers.TrackingNumber(id, now.Year, attempt);
            var command = new ComplaintCommand.Submit(context.Actor, now, id.ToString(), tracking, ComplaintIdentifiers.HashAccessCode(accessCode),
                kind, message.Channel!.Value, message.AdministrationId!, message.CategoryCode!, message.Subject!.Trim(), message.Description!.Trim(),
                location, message.Identity(), now.AddDays(options.AcknowledgementDeadlineDays), now.AddDays(options.AnswerDays(kind)), message.SourceTicketId);
            try
            {
                var result = await handler.HandleAsync(ComplaintDecider.Decider, ComplaintIdentifiers.StreamId(id), command,
                    context with { Keys = [new StreamKey(ComplaintIdentifiers.TrackingKeyKind, tracking)], NewStream = context.CommandId is null },
                    cancellationToken: cancellationToken).ConfigureAwait(false);
                var file = result.State.FileOrNull!;
                return new SubmittedComplaint(Guid.Parse(file.ComplaintId), file.TrackingNumber, accessCode, result.Version);
            }
            catch (DuplicateStreamKeyException) when (attempt < 3)
            {
                // Two complaints drew the same tracking number: draw the next one.
            }
        }
    }
}
