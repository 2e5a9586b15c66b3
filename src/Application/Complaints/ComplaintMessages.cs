using Idarati.Application.Administrations;
using Idarati.Application.Handling;
using Idarati.Domain.Complaints;
using Idarati.Domain.Shared;
using Cmd = Idarati.Domain.Complaints.ComplaintCommand;

namespace Idarati.Application.Complaints;

/// <summary>
/// What a caller asks of a complaint, as it arrives (REST body or GraphQL arguments), with its input rules: one place
/// for both doors. <see cref="Check"/> names every field that is wrong; <see cref="ToCommand"/> gives the domain's command.
/// </summary>
public abstract record ComplaintAction
{
    private const int LongText = 5000;

    /// <summary>The rules of the input; throws <see cref="ValidationFailedException"/> naming the fields.</summary>
    public void Check()
    {
        var v = new Validation();
        Rules(v);
        v.ThrowIfInvalid();
    }

    private protected virtual void Rules(Validation v)
    {
    }

    /// <summary>The domain's command for a checked action (a transfer's target is looked up by the handler first).</summary>
    internal abstract Cmd ToCommand(Actor actor, DateTimeOffset at, AdministrationView? target);

    public sealed record Acknowledge : ComplaintAction, ICommandRoles
    {
        public static IReadOnlyList<Role> Roles => CommandRoles.Staff;

        internal override Cmd ToCommand(Actor actor, DateTimeOffset at, AdministrationView? target) => new Cmd.Acknowledge(actor, at);
    }

    public sealed record RequestInformation(string? Question) : ComplaintAction, ICommandRoles
    {
        public static IReadOnlyList<Role> Roles => CommandRoles.Staff;

        private protected override void Rules(Validation v) => v.Text("question", Question, LongText);

        internal override Cmd ToCommand(Actor actor, DateTimeOffset at, AdministrationView? target) => new Cmd.RequestInformation(actor, at, Question!.Trim());
    }

    public sealed record ProvideInformation(string? Text) : ComplaintAction, ICommandRoles
    {
        public static IReadOnlyList<Role> Roles => CommandRoles.Citizen;

        private protected override void Rules(Validation v) => v.Text("text", Text, LongText);

        internal override Cmd ToCommand(Actor actor, DateTimeOffset at, AdministrationView? target) => new Cmd.ProvideInformation(actor, at, Text!.Trim());
    }

    public sealed record Reject(RejectionReason? Reason, string? Comment) : ComplaintAction, ICommandRoles
    {
        public static IReadOnlyList<Role> Roles => CommandRoles.Staff;

        private protected override void Rules(Validation v) => v.Required("reason", Reason).Text("comment", Comment, LongText, required: false);

        internal override Cmd ToCommand(Actor actor, DateTimeOffset at, AdministrationView? target) => new Cmd.Reject(actor, at, Reason!.Value, Comment?.Trim());
    }

    public sealed record Answer(string? Text, AnswerOutcome? Outcome) : ComplaintAction, ICommandRoles
    {
        public static IReadOnlyList<Role> Roles => CommandRoles.Staff;

        private protected override void Rules(Validation v) => v.Text("text", Text, LongText).Required("outcome", Outcome);

        internal override Cmd ToCommand(Actor actor, DateTimeOffset at, AdministrationView? target) => new Cmd.Answer(actor, at, Text!.Trim(), Outcome!.Value);
    }

    public sealed record TakeIntoAccount : ComplaintAction, ICommandRoles
    {
        public static IReadOnlyList<Role> Roles => CommandRoles.Staff;

        internal override Cmd ToCommand(Actor actor, DateTimeOffset at, AdministrationView? target) => new Cmd.TakeIntoAccount(actor, at);
    }

    public sealed record Close : ComplaintAction, ICommandRoles
    {
        public static IReadOnlyList<Role> Roles => CommandRoles.Staff;

        internal override Cmd ToCommand(Actor actor, DateTimeOffset at, AdministrationView? target) => new Cmd.Close(actor, at);
    }

    public sealed record GiveFeedback(bool? Satisfied, string? Comment) : ComplaintAction, ICommandRoles
    {
        public static IReadOnlyList<Role> Roles => CommandRoles.Citizen;

        private protected override void Rules(Validation v) => v.Required("satisfied", Satisfied).Text("comment", Comment, LongText, required: false);

        internal override Cmd ToCommand(Actor actor, DateTimeOffset at, AdministrationView? target) => new Cmd.GiveFeedback(actor, at, Satisfied!.Value, Comment?.Trim());
    }

    public sealed record Reopen(string? Reason) : ComplaintAction, ICommandRoles
    {
        public static IReadOnlyList<Role> Roles => CommandRoles.Citizen;

        private protected override void Rules(Validation v) => v.Text("reason", Reason, LongText);

        internal override Cmd ToCommand(Actor actor, DateTimeOffset at, AdministrationView? target) => new Cmd.Reopen(actor, at, Reason!.Trim());
    }

    public sealed record Transfer(string? ToAdministrationId, string? Reason) : ComplaintAction, ICommandRoles
    {
        public static IReadOnlyList<Role> Roles => CommandRoles.Staff;

        private protected override void Rules(Validation v) => v.Text("toAdministrationId", ToAdministrationId, 64).Text("reason", Reason, LongText);

        internal override Cmd ToCommand(Actor actor, DateTimeOffset at, AdministrationView? target) =>
            new Cmd.Transfer(actor, at, target!.Id, target.Active, Reason!.Trim());
    }
}

/// <summary>The message of a complaint action: which complaint, what, who and how (command id, expected version, access code).</summary>
public sealed record ActOnComplaint(Guid ComplaintId, ComplaintAction Action, CommandContext Context, string? AccessCode = null);

/// <summary>
/// The complaint actions' handler (Wolverine): REST endpoints and GraphQL mutations send <see cref="ActOnComplaint"/>
/// through IMessageBus.InvokeAsync; the input is checked here, once, then the command runs on the shared command path.
/// </summary>
public static class ComplaintHandler
{
    public static async Task<ComplaintView> Handle(ActOnComplaint message, ComplaintService service, AdministrationService administrations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        CommandRoles.Demand(message.Action, message.Context.Actor);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(administrations);
        message.Action.Check();
        AdministrationView? target = null;
        if (message.Action is ComplaintAction.Transfer transfer)
        {
            target = await administrations.FindAsync(transfer.ToAdministrationId!, cancellationToken).ConfigureAwait(false)
                ?? throw ValidationFailedException.For("toAdministrationId", "No administration has this id.");
        }

        return await service.ActAsync(message.ComplaintId, at => message.Action.ToCommand(message.Context.Actor, at, target), message.Context, message.AccessCode, cancellationToken)
            .ConfigureAwait(false);
    }
}
