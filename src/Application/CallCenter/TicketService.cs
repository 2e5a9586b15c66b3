using Idarati.Application;
using System.Security.Cryptography;
using System.Text;
using Idarati.Application.Complaints;
using Idarati.Application.Handling;
using Idarati.Domain.CallCenter;
using Idarati.Domain.Complaints;
using Idarati.Domain.Shared;

namespace Idarati.Application.CallCenter;

public sealed record OpenTicket(TicketChannel Channel, string CategoryCode, string Topic, TicketLanguage Language, Citizen? Caller = null);

public sealed record TicketView(
    Guid Id, TicketChannel Channel, string CategoryCode, string Topic, TicketLanguage Language, string Status,
    DateTimeOffset OpenedAt, TicketEvent.Answered? Answer, Guid? ComplaintId, string? ComplaintTrackingNumber, DateTimeOffset? ClosedAt, long Version)
{
    /// <summary>The caller, when they said who they are (personal data).</summary>
    public Citizen? Caller { get; init; }

    /// <summary>When the caller's personal data was erased (topic and caller are then null); null while it is held.</summary>
    public DateTimeOffset? PersonalDataErasedAt { get; init; }
}

/// <summary>What an escalation gives back: the ticket, and the complaint with the access code to read to the caller.</summary>
public sealed record Escalation(TicketView Ticket, SubmittedComplaint Complaint);

/// <summary>The 3737 call centre's tickets over the shared command path.</summary>
public sealed class TicketService(CommandHandler handler, ComplaintSubmission complaints, TimeProvider time, Privacy.PersonalDataVault vault, Privacy.PersonalDataAccess access)
{
    public static string StreamId(Guid id) => $"ticket-{id:N}";

    public async Task<TicketView> OpenAsync(OpenTicket request, CommandContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (!Domain.Reference.Catalogue.CallCenterCategories.Any(c => c.Code == request.CategoryCode))
        {
            throw ValidationFailedException.For("categoryCode", "No call-centre category has this code.");
        }

        var now = time.GetUtcNow();
        var id = context.CommandId is { } commandId ? DerivedId("ticket", commandId.ToString("N")) : Guid.CreateVersion7(now);
        var result = await handler.HandleAsync(TicketDecider.Decider, StreamId(id),
            new TicketCommand.Open(context.Actor, now, id.ToString(), request.Channel, request.CategoryCode, request.Topic, request.Language, request.Caller),
            context with { NewStream = context.CommandId is null }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await ViewAsync(id, result.Version, context.Actor, cancellationToken).ConfigureAwait(false);
    }

    public async Task<TicketView> ActAsync(Guid id, Func<DateTimeOffset, TicketCommand> command, CommandContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(context);
        var result = await handler.HandleAsync(TicketDecider.Decider, StreamId(id), command(time.GetUtcNow()), context,
            state => EnsureReadable(state, context.Actor), cancellationToken).ConfigureAwait(false);
        return await ViewAsync(id, result.Version, context.Actor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates the complaint through the complaints decider, then records the link on the ticket. Both steps are
    /// idempotent (the complaint's id derives from the ticket's), so a retry after a failure between them completes
    /// the escalation instead of creating a second complaint.
    /// </summary>
    public async Task<Escalation> EscalateAsync(Guid id, SubmitComplaint complaint, CommandContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(complaint);
        ArgumentNullException.ThrowIfNull(context);
        var ticket = await GetAsync(id, context.Actor, cancellationToken).ConfigureAwait(false);
        if (ticket.Status == "closed")
        {
            throw new TicketRuleViolated("closed", "The ticket is closed.");
        }

        if (ticket.ComplaintId is not null && ticket.ComplaintId != ComplaintIdentifiers.FromCommand(DerivedId("escalation", id.ToString("N"))))
        {
            throw new TicketRuleViolated("already-escalated", "The ticket was already escalated.");
        }

        var submitted = await complaints.SubmitAsync(complaint with
        {
            SourceTicketId = id.ToString(), Context = new CommandContext(context.Actor, DerivedId("escalation", id.ToString("N"))),
        }, cancellationToken).ConfigureAwait(false);
        var view = await ActAsync(id, at => new TicketCommand.RecordEscalation(context.Actor, at, submitted.Id.ToString(), submitted.TrackingNumber),
            context with { ExpectedVersion = null }, cancellationToken).ConfigureAwait(false);
        return new Escalation(view, submitted);
    }

    public async Task<TicketView> GetAsync(Guid id, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return await ViewAsync(id, null, actor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The ticket at a version with its topic and caller opened (a read by staff is recorded before it is answered).</summary>
    private async Task<TicketView> ViewAsync(Guid id, long? version, Actor actor, CancellationToken cancellationToken)
    {
        var revealer = await vault.RevealerAsync(StreamId(id), cancellationToken).ConfigureAwait(false);
        var (state, at) = await handler.LoadAsync(TicketDecider.Decider, StreamId(id), version, null, revealer, cancellationToken).ConfigureAwait(false);
        EnsureReadable(state, actor);
        await access.RecordAsync(actor, [revealer], cancellationToken).ConfigureAwait(false);
        return View(id, state, at) with { PersonalDataErasedAt = revealer.ErasedAt };
    }

    private static void EnsureReadable(TicketState state, Actor actor)
    {
        if (state.TicketOrNull is null || !CanRead(actor))
        {
            throw new NotFoundException("The ticket");
        }
    }

    /// <summary>Call-centre agents, supervisors and auditors read tickets; nobody else sees them.</summary>
    public static bool CanRead(Actor actor) => actor is { Role: Role.Supervisor or Role.Auditor } or { Role: Role.Agent, AdministrationId: TicketDecider.CallCenterAdministrationId };

    private static Guid DerivedId(string purpose, string source) =>
        new(ReusableHash.Sha256(Encoding.UTF8.GetBytes($"{purpose}:{source}")).AsSpan(0, 16));

    private static TicketView View(Guid id, TicketState state, long version)
    {
        var t = state.TicketOrNull!;
        var status = state switch
        {
            TicketState.Closed => "closed",
            _ when t.Escalation is not null => "escalated",
            _ when t.Answer is not null => "answered",
            _ => "open",
        };
        return new TicketView(id, t.Details.Channel, t.Details.CategoryCode, t.Details.Topic, t.Details.Language, status, t.Details.OpenedAt, t.Answer,
            t.Escalation is { } e ? Guid.Parse(e.ComplaintId) : null, t.Escalation?.TrackingNumber, t.ClosedAt, version) { Caller = t.Caller };
    }
}
