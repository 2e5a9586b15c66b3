using Idarati.Application.Administrations;
using Idarati.Application.CallCenter;
using Idarati.Application.Complaints;
using Idarati.Application.Handling;
using Idarati.Application.JobApplications;
using Idarati.Domain.Shared;
using Microsoft.Extensions.DependencyInjection;
using Wolverine;

namespace Idarati.Api.Tests;

/// <summary>
/// The roles of a command are stated once, beside it (<see cref="ICommandRoles"/>): the REST route and the GraphQL
/// mutation read them, and the handler checks them again on the actor the message carries, so a message sent by any
/// other way (a new door, a test, a job) is refused the same.
/// </summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class CommandRolesTests(ApiWithReferenceData api)
{
    private static CommandContext As(Role role, string? administrationId = null) => new(new Actor($"{role}-1", role, administrationId));

    [Fact]
    public void Every_command_and_every_action_states_who_may_send_it()
    {
        var actions = typeof(ComplaintAction).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: false } && (t.IsSubclassOf(typeof(ComplaintAction)) || t.IsSubclassOf(typeof(ApplicationAction))))
            .ToArray();
        Type[] byAction = [typeof(ActOnComplaint), typeof(ActOnApplication)];
        var commands = Infrastructure.Messaging.Commands.Except(byAction).ToArray();

        Assert.True(actions.Length >= 15 && commands.Length >= 12, $"{actions.Length} actions, {commands.Length} commands");
        Assert.All(commands.Concat(actions), type => Assert.NotEmpty(CommandRoles.Of(type)));
    }

    [Fact]
    public async Task A_message_sent_straight_on_the_bus_by_a_role_it_does_not_allow_is_refused_and_writes_nothing()
    {
        var bus = api.Factory.Services.GetRequiredService<IMessageBus>();
        var complaint = await bus.InvokeAsync<SubmittedComplaint>(
            new SubmitComplaint(Domain.Complaints.ComplaintKind.Complaint, Domain.Complaints.ComplaintChannel.Portal, "MIN-SANTE", "HEALTH.WAIT", "Attente", "Trop long.",
                new SubmitComplaint.Place("Oriental", "Oujda-Angad", "Oujda"), new SubmitComplaint.Person("Amina Benali", "AB123456", "+212600000000", "amina@example.invalid"))
            {
                Context = As(Role.Citizen),
            });

        // A citizen may not acknowledge; an agent may not reopen; an auditor may not register an administration.
        await Assert.ThrowsAsync<CommandForbiddenException>(() => bus.InvokeAsync<ComplaintView>(new ActOnComplaint(complaint.Id, new ComplaintAction.Acknowledge(), As(Role.Citizen))));
        await Assert.ThrowsAsync<CommandForbiddenException>(() => bus.InvokeAsync<ComplaintView>(new ActOnComplaint(complaint.Id, new ComplaintAction.Reopen("Pas d'accord."), As(Role.Agent, "MIN-SANTE"))));
        await Assert.ThrowsAsync<CommandForbiddenException>(() => bus.InvokeAsync<AdministrationView>(
            new RegisterAdministration("MIN-TEST", "وزارة", "Ministère", Domain.Administrations.AdministrationKind.Ministry, "Rabat") { Context = As(Role.Auditor) }));
        await Assert.ThrowsAsync<CommandForbiddenException>(() => bus.InvokeAsync<TicketView>(
            new OpenTicketMessage(Domain.CallCenter.TicketChannel.Phone, "GENERAL", "Horaires ?", Domain.CallCenter.TicketLanguage.Arabic) { Context = As(Role.Citizen) }));

        var service = api.Factory.Services.GetRequiredService<ComplaintService>();
        Assert.Equal(1, (await service.GetAsync(complaint.Id, new Actor("supervisor-1", Role.Supervisor), null, null)).Version);
        // The same message from a role it allows goes through.
        var acknowledged = await bus.InvokeAsync<ComplaintView>(new ActOnComplaint(complaint.Id, new ComplaintAction.Acknowledge(), As(Role.Agent, "MIN-SANTE")));
        Assert.Equal(2, acknowledged.Version);
    }
}
