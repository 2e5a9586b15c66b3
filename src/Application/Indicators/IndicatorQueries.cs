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

/// <summary>Complaints received and processed, and their shares, grouped, as of an instant.</summary>
public sealed record GetProcessingIndicators(Actor Caller, string? GroupBy = null, DateTimeOffset? AsOf = null) : ICommandRoles
{
    public static IReadOnlyList<Role> Roles => IndicatorHandler.Readers;
}

/// <summary>Days to acknowledge and to answer, and the share answered within the legal deadline, grouped, as of an instant.</summary>
public sealed record GetResponseTimes(Actor Caller, string? GroupBy = null, DateTimeOffset? AsOf = null) : ICommandRoles
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
        var report = await Checked(indicators, query, query?.Caller).ReportAsync(Grouping(query!.GroupBy, ProcessingIndicators.Groupings, "none"), At(query.AsOf, time), cancellationToken).ConfigureAwait(false);
        return report with { Freshness = report.Freshness.At(time.GetUtcNow()) };
    }

    public static async Task<ResponseTimeReport> Handle(GetResponseTimes query, ResponseTimeIndicators indicators, TimeProvider time, CancellationToken cancellationToken)
    {
        var report = await Checked(indicators, query, query?.Caller).ReportAsync(Grouping(query!.GroupBy, ResponseTimeIndicators.Groupings, "none"), At(query.AsOf, time), cancellationToken).ConfigureAwait(false);
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
}
