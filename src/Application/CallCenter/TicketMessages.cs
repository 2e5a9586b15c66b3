using System.Text.Json.Serialization;
using Idarati.Application.Complaints;
using Idarati.Application.Handling;
using Idarati.Domain.CallCenter;
using Idarati.Domain.Complaints;
using Idarati.Domain.Shared;

namespace Idarati.Application.CallCenter;

/// <summary>Open a ticket: the REST body and the GraphQL input are this message; the handler checks it.</summary>
public sealed record OpenTicketMessage(TicketChannel? Channel, string? CategoryCode, string? Topic, TicketLanguage? Language, SubmitComplaint.Person? Caller = null) : ICommandRoles, IContextual<OpenTicketMessage>
{
    public static IReadOnlyList<Role> Roles => CommandRoles.Staff;

    /// <summary>Who sends it and how (set by the door).</summary>
    [JsonIgnore]
    public CommandContext Context { get; init; } = null!;

    public OpenTicketMessage With(CommandContext context) => this with { Context = context };

    internal OpenTicket Checked()
    {
        var v = new Validation().Required("channel", Channel).Text("categoryCode", CategoryCode, 64).Text("topic", Topic, 1000).Required("language", Language);
        if (Caller is { } c)
        {
            v.Citizen("caller", c.FullName, c.NationalId, c.Phone, c.Email);
        }

        v.ThrowIfInvalid();
        return new OpenTicket(Channel!.Value, CategoryCode!, Topic!.Trim(), Language!.Value, Caller is { } p ? SubmitComplaint.IdentityOf(p) : null);
    }
}

/// <summary>Answer a ticket's question: the REST body and the GraphQL arguments are this message.</summary>
public sealed record AnswerTicket(string? Answer) : ICommandRoles
{
    public static IReadOnlyList<Role> Roles => CommandRoles.Staff;

    /// <summary>The ticket (from the route or the id argument).</summary>
    [JsonIgnore]
    public Guid TicketId { get; init; }

    /// <summary>Who sends it and how (set by the door).</summary>
    [JsonIgnore]
    public CommandContext Context { get; init; } = null!;

    internal string Checked()
    {
        new Validation().Text("answer", Answer, 5000).ThrowIfInvalid();
        return Answer!;
    }
}

/// <summary>Close a ticket.</summary>
public sealed record CloseTicket(Guid TicketId, CommandContext Context) : ICommandRoles
{
    public static IReadOnlyList<Role> Roles => CommandRoles.Staff;
}

/// <summary>
/// Escalate a ticket to a complaint: the complaint's input as sent (kind and channel are the escalation's: a complaint,
/// by the call centre), which needs the citizen's identity.
/// </summary>
public sealed record EscalateTicket(Guid TicketId, SubmitComplaint Complaint, CommandContext Context) : ICommandRoles
{
    public static IReadOnlyList<Role> Roles => CommandRoles.Staff;

    /// <summary>The complaint it asks for (a complaint, by the call centre), its input checked before the ticket is read.</summary>
    internal SubmitComplaint Checked()
    {
        ArgumentNullException.ThrowIfNull(Complaint);
        var complaint = Complaint with { Kind = ComplaintKind.Complaint, Channel = ComplaintChannel.CallCenter };
        complaint.Check();
        return complaint;
    }
}

/// <summary>The call centre's command handlers (Wolverine), sent by REST endpoints and GraphQL mutations alike.</summary>
public static class TicketHandler
{
    public static Task<TicketView> Handle(OpenTicketMessage message, TicketService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        CommandRoles.Demand(message, message.Context.Actor);
        ArgumentNullException.ThrowIfNull(service);
        return service.OpenAsync(message.Checked(), message.Context, cancellationToken);
    }

    public static Task<TicketView> Handle(AnswerTicket message, TicketService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        CommandRoles.Demand(message, message.Context.Actor);
        ArgumentNullException.ThrowIfNull(service);
        var answer = message.Checked();
        return service.ActAsync(message.TicketId, at => new TicketCommand.Answer(message.Context.Actor, at, answer), message.Context, cancellationToken);
    }

    public static Task<TicketView> Handle(CloseTicket message, TicketService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        CommandRoles.Demand(message, message.Context.Actor);
        ArgumentNullException.ThrowIfNull(service);
        return service.ActAsync(message.TicketId, at => new TicketCommand.Close(message.Context.Actor, at), message.Context, cancellationToken);
    }

    public static Task<Escalation> Handle(EscalateTicket message, TicketService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        CommandRoles.Demand(message, message.Context.Actor);
        ArgumentNullException.ThrowIfNull(service);
        return service.EscalateAsync(message.TicketId, message.Checked(), message.Context, cancellationToken);
    }
}
