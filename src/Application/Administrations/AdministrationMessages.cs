using System.Text.Json.Serialization;
using Idarati.Application.Handling;
using Idarati.Domain.Administrations;
using Idarati.Domain.Shared;

namespace Idarati.Application.Administrations;

/// <summary>Register an administration: the REST body and the GraphQL input are this message; the handler checks it.</summary>
public sealed record RegisterAdministration(string? Id, string? NameAr, string? NameFr, AdministrationKind? Kind, string? Region) : ICommandRoles, IContextual<RegisterAdministration>
{
    public static IReadOnlyList<Role> Roles { get; } = [Role.Admin];

    /// <summary>Who sends it and how (set by the door).</summary>
    [JsonIgnore]
    public CommandContext Context { get; init; } = null!;

    public RegisterAdministration With(CommandContext context) => this with { Context = context };

    internal AdministrationProfile Checked()
    {
        new Validation()
            .Text("id", Id, 64).Check("id", Id is null || Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'), "Letters, digits, '-' and '_' only.")
            .Text("nameAr", NameAr, 300).Text("nameFr", NameFr, 300).Required("kind", Kind).Text("region", Region, 100)
            .ThrowIfInvalid();
        return new AdministrationProfile(Id!, NameAr!, NameFr!, Kind!.Value, Region!);
    }
}

/// <summary>Deactivate an administration, with a reason: it no longer receives complaints or transfers. The body is this message.</summary>
public sealed record DeactivateAdministration(string? Reason) : ICommandRoles
{
    public static IReadOnlyList<Role> Roles { get; } = [Role.Admin];

    /// <summary>The administration (from the route or the id argument).</summary>
    [JsonIgnore]
    public string AdministrationId { get; init; } = null!;

    /// <summary>Who sends it and how (set by the door).</summary>
    [JsonIgnore]
    public CommandContext Context { get; init; } = null!;

    internal string Checked()
    {
        new Validation().Text("reason", Reason, 1000).ThrowIfInvalid();
        return Reason!;
    }
}

/// <summary>The reference data's command handlers (Wolverine), sent by REST endpoints and GraphQL mutations alike.</summary>
public static class AdministrationHandler
{
    public static Task<AdministrationView> Handle(RegisterAdministration message, AdministrationService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        CommandRoles.Demand(message, message.Context.Actor);
        ArgumentNullException.ThrowIfNull(service);
        return service.RegisterAsync(message.Checked(), message.Context, cancellationToken);
    }

    public static Task<AdministrationView> Handle(DeactivateAdministration message, AdministrationService service, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        CommandRoles.Demand(message, message.Context.Actor);
        ArgumentNullException.ThrowIfNull(service);
        return service.DeactivateAsync(message.AdministrationId, message.Checked(), message.Context, cancellationToken);
    }
}
