using System.Globalization;
using Idarati.Api.Infrastructure;
using Idarati.Application.Indicators;
using Idarati.GraphQL.Types;
using Idarati.Projections;
using Idarati.Projections.Indicators;

namespace Idarati.Api.GraphQL;

public static partial class FrontEndSchema
{
    /// <summary>The position the figures cover, and how fresh they are.</summary>
    private static FieldDefinition[] Position(Func<object, Freshness> freshness) =>
    [
        new("position", Scalars.String.NonNull, "The global log position the figures cover (a 64-bit number, as a string).")
        {
            Resolve = c => Value(freshness(c.Source!).Position.ToString(CultureInfo.InvariantCulture)),
        },
        new("freshness", FreshnessType.NonNull, "How many events of the log wait after that position: provisional figures while any does.")
        {
            Resolve = c => Value(freshness(c.Source!)),
        },
    ];

    private static readonly ObjectGraphType FreshnessType = NewFreshnessType();

    private static ObjectGraphType NewFreshnessType()
    {
        var type = new ObjectGraphType("Freshness", "How fresh a report is: provisional while events of the log wait for its read models (after a seed, during a rebuild or a failover), final once none does.");
        type.AddFields(
            new FieldDefinition("position", Scalars.String.NonNull, "The global log position every read model of the report has reached (a 64-bit number, as a string).")
            {
                Resolve = c => Value(((Freshness)c.Source!).Position.ToString(CultureInfo.InvariantCulture)),
            },
            new FieldDefinition("lagEvents", Scalars.Float.NonNull, "Events of the log after that position.") { Resolve = c => Value((double)((Freshness)c.Source!).LagEvents) },
            new FieldDefinition("lagSeconds", Scalars.Float.NonNull, "Age of the oldest of them (0 when none waits)."),
            new FieldDefinition("final", Scalars.Boolean.NonNull, "True when no event waits: the figures are final for that position."));
        return type;
    }

    /// <summary>The analysts' indicators, from the same read models and with the same roles as /api/indicators; no personal data.</summary>
    private static FieldDefinition IndicatorsField(ObjectGraphType label)
    {
        var figure = new ObjectGraphType("ReportFigure", "One labelled figure: a count or a percentage.");
        figure.AddFields(
            new FieldDefinition("key", Scalars.String.NonNull), new FieldDefinition("label", label.NonNull), new FieldDefinition("value", Scalars.Float.NonNull),
            new FieldDefinition("unit", Scalars.String.NonNull), new FieldDefinition("sharePercent", Scalars.Float));
        var section = new ObjectGraphType("ReportSection");
        section.AddFields(
            new FieldDefinition("key", Scalars.String.NonNull), new FieldDefinition("label", label.NonNull),
            new FieldDefinition("figures", new NonNullGraphType(new ListGraphType(figure.NonNull))));
        var report = new ObjectGraphType("TrackingReport", "The IDARATI tracking report as of an instant.");
        report.AddFields(
            new FieldDefinition("asOf", DateTime.NonNull), new FieldDefinition("sections", new NonNullGraphType(new ListGraphType(section.NonNull)))).AddFields(Position(r => ((TrackingReport)r).Freshness));
        var row = new ObjectGraphType("ProcessingRow", "Complaints received and processed in one group.");
        row.AddFields(
            new FieldDefinition("group", Scalars.String.NonNull), new FieldDefinition("received", Scalars.Int.NonNull), new FieldDefinition("processed", Scalars.Int.NonNull),
            new FieldDefinition("processingRate", Scalars.Float.NonNull), new FieldDefinition("favourable", Scalars.Int.NonNull), new FieldDefinition("satisfied", Scalars.Int.NonNull),
            new FieldDefinition("unsatisfied", Scalars.Int.NonNull), new FieldDefinition("reopened", Scalars.Int.NonNull), new FieldDefinition("inProgress", Scalars.Int.NonNull),
            new FieldDefinition("answered", Scalars.Int.NonNull), new FieldDefinition("answeredWithinDeadlinePercent", Scalars.Float, "Answered by the legal due date, of those answered."),
            new FieldDefinition("overdue", Scalars.Int.NonNull, "Not processed and past the due date, then."),
            new FieldDefinition("wentOverdue", Scalars.Int.NonNull, "Whose answer period the service recorded as passed unanswered (complaint.overdue) by then, whatever became of them after."));
        var processing = new ObjectGraphType("ProcessingReport");
        processing.AddFields(
            new FieldDefinition("groupBy", Scalars.String.NonNull), new FieldDefinition("rows", new NonNullGraphType(new ListGraphType(row.NonNull))),
            new FieldDefinition("total", row.NonNull)).AddFields(Position(r => ((ProcessingReport)r).Freshness));
        var indicators = new ObjectGraphType("Indicators", "Figures for analysts. Roles: analyst, supervisor, admin.");
        // Each figure is an aggregate over a read model: 50; the annual report gathers several: 100.
        indicators.AddFields(
            new FieldDefinition("report", report.NonNull, "The tracking report as of an instant (default: now).")
            {
                Cost = 50,
                Arguments = [AsOfArgument()],
                Resolve = Ask<GetTrackingReport, TrackingReport>,
            },
            new FieldDefinition("processing", processing.NonNull, $"Processing figures grouped by {string.Join(", ", ProcessingIndicators.Groupings)}.")
            {
                Cost = 50,
                Arguments = [new InputValueDefinition("groupBy", Scalars.String).WithDefault("none"), AsOfArgument(), AfterArgument(), AdministrationArgument()],
                Resolve = Ask<GetProcessingIndicators, ProcessingReport>,
            });
        indicators.AddFields([.. MoreIndicatorFields(row).Select(f => f with { Cost = f.Name == "annualReport" ? 100 : 50 })]);
        return new FieldDefinition("indicators", indicators.NonNull, "The analysts' indicators. Roles: analyst, supervisor, admin.")
        {
            Resolve = c =>
            {
                Caller(c, Auth.Roles.Analyst, Auth.Roles.Supervisor, Auth.Roles.Admin);
                return Value(new object());
            },
        };
    }
}
