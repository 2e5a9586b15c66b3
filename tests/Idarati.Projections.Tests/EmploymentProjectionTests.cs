using Idarati.Domain.JobApplications;
using Idarati.Projections.Employment;

namespace Idarati.Projections.Tests;

/// <summary>Given employment events in Marten, its daemon builds the funnel; changes of one batch meet the rows it inserts.</summary>
public sealed class EmploymentProjectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Competitions_candidates_and_applications_become_the_funnel_in_any_batch_order()
    {
        await using var store = await ReadModelStore.CreateAsync(s => [new EmploymentProjection(s)]);
        var competition = Guid.NewGuid();
        var (early, late) = (Guid.NewGuid(), Guid.NewGuid());
        var details = new CompetitionDetails(competition.ToString(), "MIN-FINANCES", "Administrateurs", "Grade", 3, T0.AddDays(20), true);
        await store.AppendAsync($"competition-{competition:N}", 0, [new CompetitionEvent.Published(details, "Agent:a", T0)]);
        await store.AppendAsync($"candidate-{early:N}", 0,
            [new CandidateEvent.AccountCreated(early.ToString(), new CandidateIdentity("Salma", "AB1", "s@example.ma"), "Citizen:s", T0)]);
        await store.CatchUpAsync();

        // One batch whose first change is an update of an earlier row, before the insert of a row it then updates.
        await store.AppendAsync($"candidate-{early:N}", 1, [new CandidateEvent.Verified("Citizen:s", T0.AddHours(1))]);
        await store.AppendAsync($"candidate-{late:N}", 0,
        [
            new CandidateEvent.AccountCreated(late.ToString(), new CandidateIdentity("Omar", "CD2", "o@example.ma"), "Citizen:o", T0.AddHours(2)),
            new CandidateEvent.Verified("Citizen:o", T0.AddHours(3)),
        ]);
        var application = Guid.NewGuid();
        await store.AppendAsync($"application-{application:N}", 0,
        [
            new ApplicationEvent.Submitted(application.ToString(), competition.ToString(), "MIN-FINANCES", late.ToString(), "Citizen:o", true, T0.AddDays(1)),
            new ApplicationEvent.Preselected(true, "Agent:a", T0.AddDays(21)),
            new ApplicationEvent.ConvokedToWrittenExam(T0.AddDays(30), "Agent:a", T0.AddDays(22)),
            new ApplicationEvent.ConvokedToOralExam(T0.AddDays(40), "Agent:a", T0.AddDays(31)),
            new ApplicationEvent.ResultRecorded(ExamResult.WaitingList, "Agent:a", T0.AddDays(41)),
        ]);
        await store.AppendAsync($"competition-{competition:N}", 1, [new CompetitionEvent.ApplicationsClosed("Agent:a", T0.AddDays(20))]);
        await store.CatchUpAsync();

        var indicators = new EmploymentIndicators(store.DataSource, store.Schema);
        var report = await indicators.ReportAsync(T0.AddYears(1));
        Assert.Equal((2L, 2L, 1L, 1L, 1L, 1L), (report.CandidateAccounts, report.VerifiedCandidateAccounts, report.Applications, report.ElectronicApplications,
            report.Competitions, report.CompetitionsAcceptingElectronicApplications));
        var funnel = report.Funnel.Single();
        Assert.Equal(("closed", 1L, 1L, 1L, 1L, 0L, 1L), (funnel.Status, funnel.Applied, funnel.Preselected, funnel.ConvokedToWrittenExam, funnel.ConvokedToOralExam,
            funnel.Admitted, funnel.WaitingList));

        // The same funnel back in time: each step counts from its own date, the competition's status too.
        (string, long, long, long, long, long, long, long) At(EmploymentReport r) => r.Funnel.Single() is var f
            ? (f.Status, r.CandidateAccounts, r.VerifiedCandidateAccounts, f.Applied, f.Preselected, f.ConvokedToWrittenExam, f.ConvokedToOralExam, f.WaitingList)
            : default;
        Assert.Equal(("open", 1L, 1L, 0L, 0L, 0L, 0L, 0L), At(await indicators.ReportAsync(T0.AddHours(1))));
        Assert.Equal(("open", 2L, 2L, 1L, 0L, 0L, 0L, 0L), At(await indicators.ReportAsync(T0.AddDays(1))));
        Assert.Equal(("closed", 2L, 2L, 1L, 1L, 0L, 0L, 0L), At(await indicators.ReportAsync(T0.AddDays(21))));
        Assert.Equal(("closed", 2L, 2L, 1L, 1L, 1L, 1L, 0L), At(await indicators.ReportAsync(T0.AddDays(40))));
        Assert.Equal(("closed", 2L, 2L, 1L, 1L, 1L, 1L, 1L), At(await indicators.ReportAsync(T0.AddDays(41))));
        Assert.Empty((await indicators.ReportAsync(T0.AddSeconds(-1))).Funnel);
    }
}
