using Idarati.Api.Infrastructure;
using Idarati.Application.Handling;
using Idarati.Application.Indicators;
using Idarati.Projections;
using Idarati.GraphQL.Types;
using Idarati.Projections.CallCenter;
using Idarati.Projections.Employment;
using Idarati.Projections.Indicators;

namespace Idarati.Api.GraphQL;

/// <summary>The indicators beyond the tracking report and processing: response times, the call centre, employment; and projection status.</summary>
public static partial class FrontEndSchema
{
    private static InputValueDefinition AsOfArgument() => new("asOf", DateTime, $"The figures as they stood then (now by default). {ServiceDates.Shape}");

    private static InputValueDefinition AfterArgument() =>
        new("after", DateTime, $"Only the complaints submitted after then (a year: after its eve, 2018-12-31, as of its last day, 2019-12-31). {ServiceDates.Shape}");

    private static InputValueDefinition AdministrationArgument() => new("administrationId", Scalars.ID, "Only the complaints this administration owns.");

    /// <summary>
    /// A query slice as a field: its message bound from the field's arguments, sent to its handler, the same one the
    /// REST route sends to; the caller must hold one of the roles the message states.
    /// </summary>
    private static ValueTask<object?> Ask<TQuery, TResult>(ResolveContext c)
        where TQuery : ICommandRoles => Guard(async () =>
        {
            var query = Slices.Bind<TQuery>(name => c.Arguments.GetValueOrDefault(name), Caller(c, CommandRoles.Names<TQuery>()));
            return await Service<Wolverine.IMessageBus>(c).InvokeAsync<TResult>(query!, c.CancellationToken).ConfigureAwait(false);
        });

    private static FieldDefinition[] MoreIndicatorFields(ObjectGraphType processingRow)
    {
        var responseRow = new ObjectGraphType("ResponseTimeRow", "Times in days to acknowledge and to answer (mean, median, 90th percentile), and the share answered within the legal deadline.");
        responseRow.AddFields(
            new FieldDefinition("group", Scalars.String.NonNull), new FieldDefinition("acknowledged", Scalars.Int.NonNull),
            new FieldDefinition("acknowledgeMeanDays", Scalars.Float), new FieldDefinition("acknowledgeMedianDays", Scalars.Float), new FieldDefinition("acknowledgeP90Days", Scalars.Float),
            new FieldDefinition("answered", Scalars.Int.NonNull),
            new FieldDefinition("answerMeanDays", Scalars.Float), new FieldDefinition("answerMedianDays", Scalars.Float), new FieldDefinition("answerP90Days", Scalars.Float),
            new FieldDefinition("answeredWithinDeadlinePercent", Scalars.Float));
        var responseTimes = new ObjectGraphType("ResponseTimeReport");
        responseTimes.AddFields(
            new FieldDefinition("groupBy", Scalars.String.NonNull), new FieldDefinition("rows", new NonNullGraphType(new ListGraphType(responseRow.NonNull))),
            new FieldDefinition("total", responseRow.NonNull)).AddFields(Position(r => ((ResponseTimeReport)r).Freshness));

        var callRow = new ObjectGraphType("CallCenterRow", "Questions to the 3737 centre in one group: how many, their share, answered, escalated into complaints, and the time to answer.");
        callRow.AddFields(
            new FieldDefinition("group", Scalars.String.NonNull), new FieldDefinition("questions", Scalars.Int.NonNull), new FieldDefinition("sharePercent", Scalars.Float.NonNull),
            new FieldDefinition("answered", Scalars.Int.NonNull), new FieldDefinition("escalated", Scalars.Int.NonNull),
            new FieldDefinition("answerMeanMinutes", Scalars.Float), new FieldDefinition("answerMedianMinutes", Scalars.Float));
        var callCenter = new ObjectGraphType("CallCenterReport");
        callCenter.AddFields(
            new FieldDefinition("groupBy", Scalars.String.NonNull), new FieldDefinition("rows", new NonNullGraphType(new ListGraphType(callRow.NonNull))),
            new FieldDefinition("total", Scalars.Int.NonNull)).AddFields(Position(r => ((CallCenterReport)r).Freshness));

        var funnel = new ObjectGraphType("CompetitionFunnel", "One competition: who applied and what came of it (counts only, no candidate).");
        funnel.AddFields(
            new FieldDefinition("competitionId", Scalars.ID.NonNull), new FieldDefinition("administrationId", Scalars.ID.NonNull), new FieldDefinition("title", Scalars.String.NonNull),
            new FieldDefinition("grade", Scalars.String.NonNull), new FieldDefinition("posts", Scalars.Int.NonNull), new FieldDefinition("acceptsElectronicApplications", Scalars.Boolean.NonNull),
            new FieldDefinition("applicationDeadline", DateTime.NonNull), new FieldDefinition("status", Scalars.String.NonNull),
            new FieldDefinition("applied", Scalars.Int.NonNull), new FieldDefinition("electronicApplications", Scalars.Int.NonNull), new FieldDefinition("withdrawn", Scalars.Int.NonNull),
            new FieldDefinition("preselected", Scalars.Int.NonNull), new FieldDefinition("convokedToWrittenExam", Scalars.Int.NonNull), new FieldDefinition("convokedToOralExam", Scalars.Int.NonNull),
            new FieldDefinition("admitted", Scalars.Int.NonNull), new FieldDefinition("waitingList", Scalars.Int.NonNull), new FieldDefinition("notAdmitted", Scalars.Int.NonNull));
        var employment = new ObjectGraphType("EmploymentReport", "emploi-public.ma figures: accounts, applications, competitions and each competition's funnel.");
        employment.AddFields(
            new FieldDefinition("candidateAccounts", Scalars.Int.NonNull), new FieldDefinition("verifiedCandidateAccounts", Scalars.Int.NonNull),
            new FieldDefinition("applications", Scalars.Int.NonNull), new FieldDefinition("electronicApplications", Scalars.Int.NonNull),
            new FieldDefinition("competitions", Scalars.Int.NonNull), new FieldDefinition("competitionsAcceptingElectronicApplications", Scalars.Int.NonNull),
            new FieldDefinition("funnel", new NonNullGraphType(new ListGraphType(funnel.NonNull)))).AddFields(Position(r => ((EmploymentReport)r).Freshness));

        var keyCount = new ObjectGraphType("KeyCount", "A count under a key (a rejection's legal reason).");
        keyCount.AddFields(new FieldDefinition("key", Scalars.String.NonNull), new FieldDefinition("count", Scalars.Int.NonNull));
        var rows = new NonNullGraphType(new ListGraphType(processingRow.NonNull));
        var annual = new ObjectGraphType("AnnualReport", "A department's year: the complaints, remarks and proposals submitted in it that it owns, and what it did with them; each figure the indicators' own for the same scope, all at one log position.");
        annual.AddFields(
            new FieldDefinition("administrationId", Scalars.ID.NonNull), new FieldDefinition("year", Scalars.Int.NonNull),
            new FieldDefinition("after", DateTime.NonNull, "The year's start: complaints submitted after this instant."), new FieldDefinition("asOf", DateTime.NonNull, "The year's end, or now for the year under way."),
            new FieldDefinition("byKind", rows, "Received and processed per kind: complaint, observation (remark), suggestion (proposal)."), new FieldDefinition("total", processingRow.NonNull),
            new FieldDefinition("responseTimes", responseRow.NonNull), new FieldDefinition("topCategories", rows, "The categories most received, at most ten."),
            new FieldDefinition("months", rows, "The monthly series (months in Morocco)."),
            new FieldDefinition("rejectionsByReason", new NonNullGraphType(new ListGraphType(keyCount.NonNull)), "Complaints rejected, per legal reason."),
            new FieldDefinition("transfersIn", Scalars.Int.NonNull, "Complaints transferred to the administration during the year."),
            new FieldDefinition("transfersOut", Scalars.Int.NonNull, "Complaints it transferred to another during the year.")).AddFields(Position(r => ((AnnualReport)r).Freshness));

        return
        [
            new FieldDefinition("responseTimes", responseTimes.NonNull, $"Response times grouped by {string.Join(", ", ResponseTimeIndicators.Groupings)}.")
            {
                Arguments = [new InputValueDefinition("groupBy", Scalars.String.NonNull).WithDefault("none"), AsOfArgument(), AfterArgument(), AdministrationArgument()],
                Resolve = Ask<GetResponseTimes, ResponseTimeReport>,
            },
            new FieldDefinition("callCenter", callCenter.NonNull, $"The 3737 centre's questions grouped by {string.Join(", ", CallCenterIndicators.Groupings)}.")
            {
                Arguments = [new InputValueDefinition("groupBy", Scalars.String.NonNull).WithDefault("category"), AsOfArgument()],
                Resolve = Ask<GetCallCenterIndicators, CallCenterReport>,
            },
            new FieldDefinition("annualReport", annual.NonNull, "A department's annual report, filed with the ministry in charge of administrative reform.")
            {
                Arguments = [new InputValueDefinition("administrationId", Scalars.ID.NonNull), new InputValueDefinition("year", Scalars.Int.NonNull)],
                Resolve = Ask<GetAnnualReport, AnnualReport>,
            },
            new FieldDefinition("employment", employment.NonNull, "The employment figures and each competition's funnel, as they stood at asOf (now by default).")
            {
                Arguments = [AsOfArgument()],
                Resolve = Ask<GetEmploymentIndicators, EmploymentReport>,
            },
        ];
    }

    private const string RebuildRule = "on the node whose daemon runs the read models, whichever node is asked: queued, then rebuilding, then running; follow the progress in projections. NOT_LEADER when no node runs them. Role: admin.";

    /// <summary>Rebuild a read model (REST: POST /api/projections/{name}/rebuild).</summary>
    private static FieldDefinition RebuildProjectionField(ObjectGraphType status, ObjectGraphType userError) =>
        new("rebuildProjection", PayloadType("ProjectionPayload", "projection", status, userError).NonNull,
            "Tear the read model down and replay it from zero, online, " + RebuildRule)
        {
            Arguments = [new("name", Scalars.String.NonNull)],
            Resolve = c => RebuildAsync(c, "projection", [c.Argument<string>("name")!], all => all.Single()),
        };

    /// <summary>Rebuild several read models, or every one (REST: POST /api/projections/rebuild).</summary>
    private static FieldDefinition RebuildProjectionsField(ObjectGraphType status, ObjectGraphType userError) =>
        new("rebuildProjections", PayloadType("ProjectionsPayload", "projections", new ListGraphType(status.NonNull), userError).NonNull,
            "Tear the read models named (every one when names is null or empty) down and replay them from zero, in turn, online, " + RebuildRule)
        {
            Arguments = [new("names", new ListGraphType(Scalars.String.NonNull))],
            Resolve = c => RebuildAsync(c, "projections", c.Argument<IReadOnlyList<object?>>("names")?.Cast<string>().ToList() ?? [], all => all),
        };

    private static ValueTask<object?> RebuildAsync(ResolveContext c, string field, IReadOnlyList<string> names, Func<IReadOnlyList<ProjectionStatus>, object> answer)
    {
        Caller(c, Auth.Roles.Admin);
        return PayloadAsync(field, async () =>
            await Service<Idarati.Api.Projections.ReadModelRebuilds>(c).RequestAsync(names, c.CancellationToken).ConfigureAwait(false) is { } status
                ? answer(status)
                : throw new NotFoundException($"The projection '{string.Join("', '", names)}'"));
    }

    private static ObjectGraphType ProjectionStatusType()
    {
        var state = EnumOf<ProjectionState>("ProjectionState", "Running, rebuilding from zero, or stalled (no node has led it for longer than a takeover takes while events wait).");
        var deadLetter = new ObjectGraphType("DeadLetter", "An event the projection could not apply, set aside so that it goes on; a rebuild replays it.");
        deadLetter.AddFields(
            new FieldDefinition("position", Scalars.String.NonNull) { Resolve = c => Value(((DeadLetter)c.Source!).Position.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
            new FieldDefinition("streamId", Scalars.String.NonNull), new FieldDefinition("version", Scalars.Int.NonNull) { Resolve = c => Value((int)((DeadLetter)c.Source!).Version) },
            new FieldDefinition("type", Scalars.String.NonNull), new FieldDefinition("error", Scalars.String.NonNull), new FieldDefinition("failedAt", DateTime.NonNull));
        var status = new ObjectGraphType("ProjectionStatus", "A read model's projection: where it stands in the global log, how far behind it is, who leads it, what it set aside.");
        status.AddFields(
            new FieldDefinition("name", Scalars.String.NonNull), new FieldDefinition("state", state.NonNull),
            new FieldDefinition("position", Scalars.String.NonNull, "The sequence of the last event of the log applied (a 64-bit number, as a string).") { Resolve = c => Value(((ProjectionStatus)c.Source!).Position.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
            new FieldDefinition("lagEvents", Scalars.Float.NonNull, "Events of the log after its position.") { Resolve = c => Value((double)((ProjectionStatus)c.Source!).LagEvents) },
            new FieldDefinition("lagSeconds", Scalars.Float.NonNull, "Age of the oldest event it has not applied."),
            new FieldDefinition("leader", Scalars.String, "The node that leads Marten's async daemon, from its heartbeat (null: none has said so within the takeover time)."),
            new FieldDefinition("leaderSeenAt", DateTime, "The leader's last heartbeat."),
            new FieldDefinition("deadLetterCount", Scalars.Int.NonNull) { Resolve = c => Value((int)((ProjectionStatus)c.Source!).DeadLetterCount) },
            new FieldDefinition("deadLetters", new NonNullGraphType(new ListGraphType(deadLetter.NonNull)), "The newest events it set aside (at most 100)."),
            new FieldDefinition("updatedAt", DateTime.NonNull));
        return status;
    }

    private static FieldDefinition ProjectionsField(ObjectGraphType status) =>
        new FieldDefinition("projections", new NonNullGraphType(new ListGraphType(status.NonNull)), "Each projection's state, position and lag. Roles: admin, supervisor, analyst.")
        {
            Resolve = c => Guard(async () =>
            {
                Caller(c, Auth.Roles.Admin, Auth.Roles.Supervisor, Auth.Roles.Analyst);
                return await Service<ProjectionMonitor>(c).StatusAsync(c.CancellationToken).ConfigureAwait(false);
            }),
        };
}
