using Idarati.Api.Infrastructure;
using Idarati.Application.CallCenter;
using Idarati.Application.Complaints;
using Idarati.Application.Handling;
using Idarati.Domain.Complaints;
using Microsoft.AspNetCore.Http.HttpResults;
using R = Idarati.Api.Infrastructure.Auth.Roles;

namespace Idarati.Api.CallCenter;

public sealed record EscalateRequest(string? AdministrationId, string? CategoryCode, string? Subject, string? Description, SubmitComplaint.Place? Location, SubmitComplaint.Person? Citizen);

/// <summary>/api/call-center/tickets: the 3737 call centre's questions by phone, e-mail and Facebook.</summary>
public static class TicketEndpoints
{
    public static void MapTickets(this IEndpointRouteBuilder endpoints)
    {
        var tickets = endpoints.MapGroup("/api/call-center/tickets").WithTags("call centre");

        tickets.MapPost("/", async Task<Created<TicketView>> (HttpContext http, Wolverine.IMessageBus bus, CancellationToken cancellationToken) =>
            {
                var message = await JsonBody.ReadMessageAsync<OpenTicketMessage>(http, cancellationToken).ConfigureAwait(false);
                var view = await bus.InvokeAsync<TicketView>(message, cancellationToken).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Created($"/api/call-center/tickets/{view.Id}", view);
            })
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<OpenTicketMessage>()))
            .Accepts<OpenTicketMessage>("application/json")
            .WithSummary("Open a ticket for a question received by phone, e-mail or Facebook; `caller`, when the caller says who they are, is stored sealed as personal data (docs/personal-data.md). Roles: call-centre agent, supervisor.");

        tickets.MapGet("/{id:guid}", async Task<Ok<TicketView>> (Guid id, HttpContext http, TicketService service, CancellationToken cancellationToken) =>
            {
                var view = await service.GetAsync(id, http.User.ToActor(), cancellationToken).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .RequireAuthorization(p => p.RequireRole(R.Agent, R.Supervisor, R.Auditor))
            .WithSummary("A ticket's state. Roles: call-centre agent, supervisor, auditor.");

        tickets.MapGet("/{id:guid}/history", async Task<Ok<IReadOnlyList<RawEventView>>> (Guid id, HttpContext http, TicketService service, Idarati.Application.Streams.StoredStreams streams, CancellationToken cancellationToken) =>
            {
                await service.GetAsync(id, http.User.ToActor(), cancellationToken).ConfigureAwait(false);
                var events = await streams.ReadAsync(TicketService.StreamId(id), cancellationToken).ConfigureAwait(false);
                return TypedResults.Ok<IReadOnlyList<RawEventView>>(events.Select(RawEventView.From).ToList());
            })
            .RequireAuthorization(p => p.RequireRole(R.Agent, R.Supervisor, R.Auditor))
            .WithSummary("Every event of the ticket in order. Roles: call-centre agent, supervisor, auditor.");

        tickets.MapPost("/{id:guid}/answer", async Task<Ok<TicketView>> (Guid id, HttpContext http, Wolverine.IMessageBus bus, CancellationToken cancellationToken) =>
            {
                var message = await JsonBody.ReadAsync<AnswerTicket>(http, ServiceDates.RequestJson, cancellationToken).ConfigureAwait(false);
                new Validation().Required("body", message).ThrowIfInvalid();
                var view = await bus.InvokeAsync<TicketView>(message! with { TicketId = id, Context = http.CommandContext() }, cancellationToken).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .Accepts<AnswerTicket>("application/json")
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<AnswerTicket>()))
            .WithSummary("Answer the question. Roles: call-centre agent, supervisor.");

        tickets.MapPost("/{id:guid}/close", async Task<Ok<TicketView>> (Guid id, HttpContext http, Wolverine.IMessageBus bus, CancellationToken cancellationToken) =>
            {
                var view = await bus.InvokeAsync<TicketView>(new CloseTicket(id, http.CommandContext()), cancellationToken).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<CloseTicket>()))
            .WithSummary("Close the ticket. Roles: call-centre agent, supervisor.");

        tickets.MapPost("/{id:guid}/escalate", async Task<Ok<Escalation>> (Guid id, EscalateRequest? request, HttpContext http, Wolverine.IMessageBus bus, CancellationToken cancellationToken) =>
            {
                var escalation = await bus.InvokeAsync<Escalation>(new EscalateTicket(id, ToComplaint(request), http.CommandContext()), cancellationToken).ConfigureAwait(false);
                http.SetETag(escalation.Ticket.Version);
                return TypedResults.Ok(escalation);
            })
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<EscalateTicket>()))
            .WithSummary("Escalate to a complaint: creates it (channel callCenter) through the complaints workflow and links both ways. Roles: call-centre agent, supervisor.");
    }

    /// <summary>An escalation's body (REST) or input (GraphQL) as the complaint's input.</summary>
    private static SubmitComplaint ToComplaint(EscalateRequest? request)
    {
        new Validation().Required("body", request).ThrowIfInvalid();
        var r = request!;
        return new SubmitComplaint(ComplaintKind.Complaint, ComplaintChannel.CallCenter, r.AdministrationId, r.CategoryCode, r.Subject, r.Description, r.Location, r.Citizen);
    }
}

/// <summary>A stored event as auditors read it.</summary>
public sealed record RawEventView(long Position, long Version, string Type, DateTimeOffset RecordedAt, System.Text.Json.JsonElement Metadata, System.Text.Json.JsonElement Data, string Hash)
{
    public static RawEventView From(Idarati.Application.Streams.StoredEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        using var headers = System.Text.Json.JsonDocument.Parse(e.HeadersJson);
        using var data = System.Text.Json.JsonDocument.Parse(e.DataJson);
        var metadata = System.Text.Json.JsonSerializer.SerializeToElement(new { actor = e.Actor, correlationId = e.CorrelationId, headers = headers.RootElement });
        return new RawEventView(e.Sequence, e.Version, e.Type, e.Timestamp, metadata, data.RootElement.Clone(), e.Hash);
    }
}
