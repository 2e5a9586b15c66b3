using Idarati.Application.Handling;
using Idarati.Domain.Shared;
using Idarati.Projections.CallCenter;
using Idarati.Projections.Employment;
using Idarati.Projections.Indicators;

namespace Idarati.Application.Indicators;

/// <summary>The IDARATI tracking report (complaints, 3737 questions, employment), labelled in Arabic and French, as of an instant.</summary>
public sealed record GetTrackingReport(Actor Caller, DateTimeOffset? AsOf = null) : ICommandRoles
{
    public static IReadOnlyList<Role> Roles => IndicatorHandler.Readers;
}

/// <summary>
/// Complaints received and processed, and their shares, grouped, as of an instant; of the complaints submitted after an
/// instant, of one administration, when asked (a department's year: after the last day of the year before).
/// </summary>
public sealed record GetProcessingIndicators(Actor Caller, string? GroupBy = null, DateTimeOffset? AsOf = null, DateTimeOffset? After = null, string? AdministrationId = null) : ICommandRoles
{
    public static IReadOnlyList<Role> Roles => IndicatorHandler.Readers;
}

/// <summary>Days to acknowledge and to answer, and the share answered within the legal deadline, grouped, as of an instant (after an instant, of one administration, when asked).</summary>
public sealed record GetResponseTimes(Actor Caller, string? GroupBy = null, DateTimeOffset? AsOf = null, DateTimeOffset? After = null, string? AdministrationId = null) : ICommandRoles
{
    public static IReadOnlyList<Role> Roles => IndicatorHandler.Readers;
}

/// <summary>The 3737 centre's questions per category or channel, their shares and answer times, as of an instant.</summary>
public sealed record GetCallCenterIndicators(Actor Caller, string? GroupBy = null, DateTimeOffset? AsOf = null) : ICommandRoles
{
    public static IReadOnlyList<Role> Roles => IndicatorHandler.Readers;
}

/// <summary>emploi-public.ma's accounts, applications, competitions and each competition's funnel, as they stood at asOf (now by default).</summary>
public sealed record GetEmploymentIndicators(Actor Caller, DateTimeOffset? AsOf = null) : ICommandRoles
{
    public static IReadOnlyList<Role> Roles => IndicatorHandler.Readers;
}

/// <summary>
/// A department's annual report: the complaints, remarks and proposals submitted in the year that it owns, and what it
/// did with them, as of the end of the year (or now, for the year under way). Analysts, supervisors and admins.
/// </summary>
public sealed record GetAnnualReport(Actor Caller, string? AdministrationId, int? Year) : ICommandRoles
{
    public static IReadOnlyList<Role> Roles => IndicatorHandler.Readers;
}

/// <summary>
/// The analysts' indicator queries (Wolverine handlers), bound alike by REST's query strings and GraphQL's arguments:
/// each reads its read models with one statement per figure family, never the event streams. asOf is a date or an
/// instant as <see cref="ServiceDates"/> reads it (now by default); groupBy is checked here, once. How long the waiting
/// events have waited is counted here, on the service's clock.
/// </summary>
public static class IndicatorHandler
{
    /// <summary>The figures carry no personal data: analysts, supervisors and admins read them.</summary>
    public static IReadOnlyList<Role> Readers { get; } = [Role.Analyst, Role.Supervisor, Role.Admin];

    public static async Task<TrackingReport> Handle(GetTrackingReport query, TrackingReportQuery tracking, TimeProvider time, CancellationToken cancellationToken)
    {
        var report = await Checked(tracking, query, query?.Caller).ReportAsync(At(query!.AsOf, time), cancellationToken).ConfigureAwait(false);
        return report with { Freshness = report.Freshness.At(time.GetUtcNow()) };
    }

    public static async Task<ProcessingReport> Handle(GetProcessingIndicators query, ProcessingIndicators indicators, TimeProvider time, CancellationToken cancellationToken)
    {
        var report = await Checked(indicators, query, query?.Caller).ReportAsync(Grouping(query!.GroupBy, ProcessingIndicators.Groupings, "none"), Scope(query.AsOf, query.After, query.AdministrationId, time), cancellationToken).ConfigureAwait(false);
        return report with { Freshness = report.Freshness.At(time.GetUtcNow()) };
    }

    public static async Task<ResponseTimeReport> Handle(GetResponseTimes query, ResponseTimeIndicators indicators, TimeProvider time, CancellationToken cancellationToken)
    {
        var report = await Checked(indicators, query, query?.Caller).ReportAsync(Grouping(query!.GroupBy, ResponseTimeIndicators.Groupings, "none"), Scope(query.AsOf, query.After, query.AdministrationId, time), cancellationToken).ConfigureAwait(false);
        return report with { Freshness = report.Freshness.At(time.GetUtcNow()) };
    }

    public static async Task<CallCenterReport> Handle(GetCallCenterIndicators query, CallCenterIndicators indicators, TimeProvider time, CancellationToken cancellationToken)
    {
        var report = await Checked(indicators, query, query?.Caller).ReportAsync(Grouping(query!.GroupBy, CallCenterIndicators.Groupings, "category"), At(query.AsOf, time), cancellationToken).ConfigureAwait(false);
        return report with { Freshness = report.Freshness.At(time.GetUtcNow()) };
    }

    public static async Task<EmploymentReport> Handle(GetEmploymentIndicators query, EmploymentIndicators indicators, TimeProvider time, CancellationToken cancellationToken)
    {
        var report = await Checked(indicators, query, query?.Caller).ReportAsync(At(query!.AsOf, time), cancellationToken).ConfigureAwait(false);
        return report with { Freshness = report.Freshness.At(time.GetUtcNow()) };
    }

    /// <summary>
    /// The year runs from the end of 31 December before to the end of 31 December in Morocco (the dates' one meaning),
    /// and not past now: the year under way is reported as it stands.
    /// </summary>
    public static async Task<AnnualReport> Handle(GetAnnualReport query, AnnualReports reports, Administrations.AdministrationService administrations, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(administrations);
        Checked(reports, query, query?.Caller);
        var now = time.GetUtcNow();
        new Validation().Text("administrationId", query!.AdministrationId, 64).Required("year", query.Year)
            .Check("year", query.Year is null || (query.Year >= 2000 && query.Year <= TimeZoneInfo.ConvertTime(now, ServiceDates.Morocco).Year), "A year from 2000 to this one.").ThrowIfInvalid();
        var id = query.AdministrationId!.Trim();
        _ = await administrations.FindAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new NotFoundException("The administration");
        var year = query.Year!.Value;
        var end = ServiceDates.EndOfDay(new DateOnly(year, 12, 31));
        var scope = new ComplaintScope(end < now ? end : now, ServiceDates.EndOfDay(new DateOnly(year - 1, 12, 31)), id);
        var report = await reports.ReportAsync(year, scope, cancellationToken).ConfigureAwait(false);
        return report with { Freshness = report.Freshness.At(now) };
    }

    /// <summary>The read model's query, once the caller's role is one the query allows.</summary>
    private static T Checked<T>(T source, object? query, Actor? caller)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(query);
        CommandRoles.Demand(query, caller!);
        return source;
    }

    /// <summary>The grouping asked for, or the report's default; another is a 400 (BAD_USER_INPUT) listing the choices.</summary>
    private static string Grouping(string? groupBy, IReadOnlyList<string> groupings, string byDefault) =>
        groupBy is null ? byDefault
        : groupings.Contains(groupBy) ? groupBy
        : throw ValidationFailedException.For("groupBy", $"One of: {string.Join(", ", groupings)}.");

    private static DateTimeOffset At(DateTimeOffset? asOf, TimeProvider time) => asOf ?? time.GetUtcNow();

    /// <summary>The complaints a figure counts; <c>after</c> must come before <c>asOf</c> (400 naming it), an administration id is a short text.</summary>
    private static ComplaintScope Scope(DateTimeOffset? asOf, DateTimeOffset? after, string? administrationId, TimeProvider time)
    {
        var at = At(asOf, time);
        new Validation().Text("administrationId", administrationId, 64, required: false)
            .Check("after", after is null || after < at, "An instant before asOf: the complaints counted are those submitted after it.").ThrowIfInvalid();
        return new ComplaintScope(at, after, administrationId?.Trim());
    }
}
