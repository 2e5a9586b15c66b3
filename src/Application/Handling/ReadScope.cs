using Idarati.Domain.Shared;

namespace Idarati.Application.Handling;

/// <summary>Who reads the lists of complaints, tickets and applications (no personal data in them), and which rows each reader sees.</summary>
public static class ReadScope
{
    public static IReadOnlyList<Role> ListReaders { get; } = [Role.Agent, Role.Supervisor, Role.Auditor];

    /// <summary>An agent sees only its own administration's rows, whatever it asks for; the others see what they ask for.</summary>
    public static string? OwnAdministration(Actor? actor, string? asked) =>
        actor?.Role == Role.Agent ? actor.AdministrationId : asked;
}
