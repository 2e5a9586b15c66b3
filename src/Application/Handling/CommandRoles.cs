using System.Collections.Concurrent;
using System.Reflection;
using Idarati.Domain.Shared;

namespace Idarati.Application.Handling;

/// <summary>
/// A command (or a complaint's or an application's action) that states, beside its input rules, which roles may send
/// it. Both doors read it (the REST route's required roles, the GraphQL mutation's caller check) and the handler checks
/// it again on the actor the message carries, so a role is stated once and holds whichever way the message came.
/// </summary>
public interface ICommandRoles
{
    static abstract IReadOnlyList<Role> Roles { get; }
}

/// <summary>Reads and enforces the roles the commands state (<see cref="ICommandRoles"/>).</summary>
public static class CommandRoles
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyList<Role>> ByType = new();

    /// <summary>The administration's staff: agents (of their own administration) and supervisors.</summary>
    public static IReadOnlyList<Role> Staff { get; } = [Role.Agent, Role.Supervisor];

    /// <summary>The citizen the complaint, ticket or application is about.</summary>
    public static IReadOnlyList<Role> Citizen { get; } = [Role.Citizen];

    /// <summary>A role as tokens and policies spell it ("citizen", "agent"...).</summary>
    public static string Name(Role role) => role.ToString().ToLowerInvariant();

    /// <summary>The roles that may send <typeparamref name="T"/>, spelled as in tokens.</summary>
    public static string[] Names<T>()
        where T : ICommandRoles => [.. T.Roles.Select(Name)];

    /// <summary>The roles a command type states (through <see cref="ICommandRoles"/>).</summary>
    public static IReadOnlyList<Role> Of(Type type) => ByType.GetOrAdd(type, t =>
        t.GetInterfaces().Contains(typeof(ICommandRoles))
            ? (IReadOnlyList<Role>)t.GetProperty(nameof(ICommandRoles.Roles), BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!
            : throw new InvalidOperationException($"{t.Name} does not state who may send it."));

    /// <summary>Refuses an actor whose role the command (or action) does not allow.</summary>
    public static void Demand(object command, Actor actor)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(actor);
        var roles = Of(command.GetType());
        if (!roles.Contains(actor.Role))
        {
            throw new CommandForbiddenException(command.GetType().Name, roles);
        }
    }
}
