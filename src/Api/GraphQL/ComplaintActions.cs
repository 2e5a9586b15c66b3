using System.Text.Json;
using Idarati.Api.Complaints;
using Idarati.Api.Infrastructure;
using Idarati.Application.Complaints;
using Idarati.Application.Handling;
using Idarati.Domain.Complaints;
using Idarati.Domain.Shared;
using Idarati.GraphQL.Execution;
using Idarati.GraphQL.Types;

namespace Idarati.Api.GraphQL;

public static partial class FrontEndSchema
{
    /// <summary>history, verification and stateAsOf(at) on a complaint: the auditors' view, with the roles of REST's history and verify routes.</summary>
    private static void AddAuditFields(ObjectGraphType complaint)
    {
        var entry = new ObjectGraphType("HistoryEntry", "One event of a complaint's stream, in order.");
        entry.AddFields(
            new FieldDefinition("position", Scalars.String.NonNull, "The event's global position (a 64-bit number, as a string).") { Resolve = c => Value(((HistoryEntry)c.Source!).Position.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
            new FieldDefinition("version", Scalars.Int.NonNull),
            new FieldDefinition("type", Scalars.String.NonNull),
            new FieldDefinition("recordedAt", DateTime.NonNull),
            new FieldDefinition("actor", Scalars.String),
            new FieldDefinition("data", Scalars.String.NonNull, "The event's body, as JSON text.") { Resolve = c => Value(((HistoryEntry)c.Source!).Data.GetRawText()) },
            new FieldDefinition("hash", Scalars.String.NonNull));
        var log = new ObjectGraphType("LogVerification", "A history's events against the audit log: each the leaf the log recorded, none the store lost, each included in the latest signed checkpoint.");
        log.AddFields(
            new FieldDefinition("valid", Scalars.Boolean.NonNull),
            new FieldDefinition("checkpointSize", Scalars.String, "The size of the signed checkpoint the events were proved against (a 64-bit number, as a string); null before the first.")
            {
                Resolve = c => Value(((Idarati.Application.Audit.LogVerification)c.Source!).CheckpointSize?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            },
            new FieldDefinition("problems", new NonNullGraphType(new ListGraphType(Scalars.String.NonNull))));
        var verification = new ObjectGraphType("ChainVerification", "A complaint's history checked: its hash chain (the first version whose hash its stored event does not reproduce) and its events against the audit log; valid when both hold.");
        verification.AddFields(
            new FieldDefinition("valid", Scalars.Boolean.NonNull),
            new FieldDefinition("firstInvalidVersion", Scalars.Int) { Resolve = c => Value(((Idarati.Application.Audit.HistoryVerification)c.Source!).Chain.FirstInvalidVersion is { } v ? (int)v : null) },
            new FieldDefinition("eventCount", Scalars.Int.NonNull) { Resolve = c => Value((int)((Idarati.Application.Audit.HistoryVerification)c.Source!).Chain.EventCount) },
            new FieldDefinition("log", log.NonNull));
        complaint.AddFields(
            new FieldDefinition("history", new NonNullGraphType(new ListGraphType(entry.NonNull)), "Every event in order. Roles: agent (own administration), supervisor, auditor.")
            {
                Cost = 10,
                ListSize = new ListSize(AssumedSize: 50, RequireOneSlicingArgument: false),
                Resolve = c => Guard(async () => await Service<ComplaintService>(c).HistoryAsync(((ComplaintView)c.Source!).Id,
                    Caller(c, Auth.Roles.Agent, Auth.Roles.Supervisor, Auth.Roles.Auditor), c.CancellationToken).ConfigureAwait(false)),
            },
            new FieldDefinition("verification", verification.NonNull, "The hash chain recomputed from the stored events: the first version it does not reproduce, if any. Roles: auditor, supervisor.")
            {
                Cost = 50,
                Resolve = c => Guard(async () => await Service<ComplaintService>(c).VerifyAsync(((ComplaintView)c.Source!).Id,
                    Caller(c, Auth.Roles.Auditor, Auth.Roles.Supervisor), c.CancellationToken).ConfigureAwait(false)),
            },
            LogProofsField(),
            new FieldDefinition("stateAsOf", complaint, "The complaint as it stood at an instant (time travel). Same readers as the complaint.")
            {
                Cost = 10,
                Arguments = [new("at", DateTime.NonNull)],
                Resolve = c => Guard(async () => await Service<ComplaintService>(c).GetAsync(((ComplaintView)c.Source!).Id,
                    Caller(c, Auth.Roles.Citizen, Auth.Roles.Agent, Auth.Roles.Supervisor, Auth.Roles.Auditor), null,
                    new StreamReadOptions { AsOf = c.Argument<DateTimeOffset>("at") }, c.CancellationToken).ConfigureAwait(false)),
            });
    }

    private static ValueTask<object?> Value(object? value) => ValueTask.FromResult(value);

    /// <summary>
    /// One mutation per complaint action. A refusal the caller can act on (a broken rule, a stale version, bad input,
    /// a complaint it may not see) comes back in the payload's <c>errors</c>, typed by <c>code</c>; only a caller
    /// without the role gets a top-level error.
    /// </summary>
    private static ObjectGraphType UserErrorType()
    {
        var userError = new ObjectGraphType("UserError", "Why a mutation changed nothing, by code: BAD_USER_INPUT (with field), NOT_FOUND, RULE_VIOLATED (with rule), PRECONDITION_FAILED, CONCURRENT_CHANGE, IDEMPOTENCY_KEY_REUSED and IDEMPOTENCY_KEY_IN_USE (field: Idempotency-Key), NOT_LEADER. A missing role (FORBIDDEN, UNAUTHENTICATED) or an unreachable database is a top-level error.");
        userError.AddFields(
            new FieldDefinition("code", Scalars.String.NonNull), new FieldDefinition("message", Scalars.String.NonNull),
            new FieldDefinition("field", Scalars.String), new FieldDefinition("rule", Scalars.String));
        return userError;
    }

    private static FieldDefinition[] ComplaintActionFields(ObjectGraphType complaint, ObjectGraphType userError, EnumGraphType outcome, EnumGraphType rejection)
    {
        var payload = PayloadType("ComplaintPayload", "complaint", complaint, userError);

        InputValueDefinition Id() => new("id", Scalars.ID.NonNull);
        InputValueDefinition Expected() => new("expectedVersion", Scalars.Int, "The version the caller saw; a stale one changes nothing (PRECONDITION_FAILED).");

        // Each mutation sends the same message as its REST route, bound from its arguments by name: the action's
        // record states its roles and input rules, checked by the command's handler.
        FieldDefinition Action<TAction>(string name, string description, InputValueDefinition[] arguments)
            where TAction : ComplaintAction, ICommandRoles
        {
            var roles = CommandRoles.Names<TAction>();
            return new(name, payload.NonNull, $"{description} Roles: {string.Join(", ", roles)}.")
            {
                Arguments = [Id(), .. arguments, Expected()],
                Resolve = async c =>
                {
                    var actor = Caller(c, roles);
                    return await PayloadAsync("complaint", async () =>
                    {
                        if (!Guid.TryParse(c.Argument<string>("id"), out var id))
                        {
                            throw ValidationFailedException.For("id", "Not a complaint id.");
                        }

                        var expected = c.Arguments.TryGetValue("expectedVersion", out var v) && v is int version ? version : (long?)null;
                        var action = Infrastructure.Slices.Bind<TAction>(n => c.Arguments.GetValueOrDefault(n), actor);
                        return await Service<Wolverine.IMessageBus>(c).InvokeAsync<ComplaintView>(new ActOnComplaint(id, action, Keyed(c) with { ExpectedVersion = expected }), c.CancellationToken)
                            .ConfigureAwait(false);
                    }).ConfigureAwait(false);
                },
            };
        }

        return
        [
            Action<ComplaintAction.Acknowledge>("acknowledgeComplaint", "Acknowledge receipt.", []),
            Action<ComplaintAction.RequestInformation>("requestComplaintInformation", "Ask the citizen for more information.", [new("question", Scalars.String.NonNull)]),
            Action<ComplaintAction.ProvideInformation>("provideComplaintInformation", "The citizen answers the question.", [new("text", Scalars.String.NonNull)]),
            Action<ComplaintAction.Answer>("answerComplaint", "Answer with an outcome.", [new("text", Scalars.String.NonNull), new("outcome", outcome.NonNull)]),
            Action<ComplaintAction.Transfer>("transferComplaint", "Hand the complaint to another active administration, with a reason.",
                [new("toAdministrationId", Scalars.ID.NonNull), new("reason", Scalars.String.NonNull)]),
            Action<ComplaintAction.Reject>("rejectComplaint", "Declare it inadmissible, with a reason from the fixed list.", [new("reason", rejection.NonNull), new("comment", Scalars.String)]),
            Action<ComplaintAction.TakeIntoAccount>("takeComplaintIntoAccount", "Take an observation or suggestion into account.", []),
            Action<ComplaintAction.Close>("closeComplaint", "Close a processed complaint.", []),
            Action<ComplaintAction.GiveFeedback>("giveComplaintFeedback", "Say whether the answer satisfies.", [new("satisfied", Scalars.Boolean.NonNull), new("comment", Scalars.String)]),
            Action<ComplaintAction.Reopen>("reopenComplaint", "Reopen an answered complaint.", [new("reason", Scalars.String.NonNull)]),
        ];
    }

    /// <summary>
    /// Runs a mutation's use case and answers its payload: <paramref name="field"/> holds the new state, or
    /// <c>errors</c> says why nothing changed, typed by <c>code</c> from the table REST reads too (<see cref="Outcomes"/>).
    /// What is about the caller or the service (a role it lacks, a database out of reach) stays a top-level error.
    /// </summary>
    private static async ValueTask<object?> PayloadAsync(string field, Func<Task<object?>> run)
    {
        try
        {
            return new Dictionary<string, object?> { [field] = await run().ConfigureAwait(false), ["errors"] = Array.Empty<object>() };
        }
        catch (Exception e) when (Outcomes.Of(e) is { InPayload: true } outcome)
        {
            return Failed(field, outcome.ToUserErrors());
        }
        catch (Exception e) when (Outcomes.Of(e) is { Status: not 503 } outcome)
        {
            throw outcome.ToGraphQLError();
        }
    }

    private static Dictionary<string, object?> Failed(string field, IReadOnlyList<Dictionary<string, object?>> errors) =>
        new() { [field] = null, ["errors"] = errors };

    /// <summary>The type of a mutation's answer: the new state in <paramref name="field"/>, or the errors that stopped it.</summary>
    private static ObjectGraphType PayloadType(string name, string field, GraphType state, ObjectGraphType userError)
    {
        var payload = new ObjectGraphType(name, $"The {field} after the mutation, or the errors that stopped it.");
        payload.AddFields(new FieldDefinition(field, state), new FieldDefinition("errors", new NonNullGraphType(new ListGraphType(userError.NonNull))));
        return payload;
    }

    private static Dictionary<string, object?> UserError(string code, string message, string? field = null) => Outcome.UserError(code, message, field);
}
