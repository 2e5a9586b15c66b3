using Idarati.Domain.JobApplications;
using Idarati.Domain.Shared;
using static Idarati.Domain.JobApplications.ApplicationCommand;
using static Idarati.Domain.JobApplications.ApplicationEvent;

namespace Idarati.Domain.Tests.JobApplications;

public static class EmploymentFixtures
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    public static readonly Actor Candidate = new("cand-1", Role.Citizen);
    public static readonly Actor Agent = new("a-1", Role.Agent, "MIN-FINANCES");
    public static readonly Actor Stranger = new("a-2", Role.Agent, "MIN-SANTE");

    public static CompetitionDetails Competition(bool electronic = true) =>
        new("comp-1", "MIN-FINANCES", "Administrateurs", "Administrateur 3e grade", 40, T0.AddDays(30), electronic);

    public static ApplicationContext Context(bool electronic = true, bool open = true, bool verified = true) =>
        new(Competition(electronic), open, "cand-1", Candidate.ToString(), verified);

    public static Submitted Applied() => new("app-1", "comp-1", "MIN-FINANCES", "cand-1", Candidate.ToString(), true, T0);

    public static Spec<ApplicationCommand, ApplicationEvent, ApplicationState> Application() => new(ApplicationDecider.Decider);
}

public sealed class PublishCompetitionTests
{
    private static Spec<CompetitionCommand, CompetitionEvent, CompetitionState> Competition() => new(CompetitionDecider.Decider);

    [Fact]
    public void The_administration_publishes_a_competition() =>
        Competition().When(new CompetitionCommand.Publish(EmploymentFixtures.Agent, EmploymentFixtures.T0, EmploymentFixtures.Competition()))
            .Then(new CompetitionEvent.Published(EmploymentFixtures.Competition(), EmploymentFixtures.Agent.ToString(), EmploymentFixtures.T0));

    [Fact]
    public void Another_administration_does_not_publish_it() =>
        Competition().When(new CompetitionCommand.Publish(EmploymentFixtures.Stranger, EmploymentFixtures.T0, EmploymentFixtures.Competition())).ThenFails("not-owner");

    [Fact]
    public void A_deadline_in_the_past_is_refused() =>
        Competition().When(new CompetitionCommand.Publish(EmploymentFixtures.Agent, EmploymentFixtures.T0.AddDays(31), EmploymentFixtures.Competition())).ThenFails("deadline-passed");

    [Fact]
    public void Results_wait_for_applications_to_close() =>
        Competition().Given(new CompetitionEvent.Published(EmploymentFixtures.Competition(), "x", EmploymentFixtures.T0))
            .When(new CompetitionCommand.PublishResults(EmploymentFixtures.Agent, EmploymentFixtures.T0)).ThenFails("applications-open");

    [Fact]
    public void Closing_twice_changes_nothing() =>
        Competition().Given(new CompetitionEvent.Published(EmploymentFixtures.Competition(), "x", EmploymentFixtures.T0), new CompetitionEvent.ApplicationsClosed("x", EmploymentFixtures.T0))
            .When(new CompetitionCommand.CloseApplications(EmploymentFixtures.Agent, EmploymentFixtures.T0)).ThenNothing();
}

public sealed class CandidateAccountTests
{
    private static Spec<CandidateCommand, CandidateEvent, CandidateState> Candidate() => new(CandidateDecider.Decider);

    private static readonly CandidateIdentity Identity = new("Salma Idrissi", "CD112233", "salma@example.ma");

    [Fact]
    public void A_citizen_creates_an_account_and_verifies_it() =>
        Assert.IsType<CandidateState.VerifiedAccount>(Candidate()
            .Given(new CandidateEvent.AccountCreated("cand-1", Identity, EmploymentFixtures.Candidate.ToString(), EmploymentFixtures.T0))
            .When(new CandidateCommand.Verify(EmploymentFixtures.Candidate, EmploymentFixtures.T0)).ThenState());

    [Fact]
    public void Someone_else_cannot_verify_the_account() =>
        Candidate().Given(new CandidateEvent.AccountCreated("cand-1", Identity, EmploymentFixtures.Candidate.ToString(), EmploymentFixtures.T0))
            .When(new CandidateCommand.Verify(new Actor("other", Role.Citizen), EmploymentFixtures.T0)).ThenFails("not-owner");

    [Fact]
    public void Only_citizens_create_accounts() =>
        Candidate().When(new CandidateCommand.CreateAccount(EmploymentFixtures.Agent, EmploymentFixtures.T0, "cand-1", Identity)).ThenFails("citizen-only");
}

public sealed class ApplyTests
{
    [Fact]
    public void A_verified_candidate_applies_electronically_before_the_deadline() =>
        EmploymentFixtures.Application().When(new Submit(EmploymentFixtures.Candidate, EmploymentFixtures.T0, "app-1", EmploymentFixtures.Context(), true))
            .Then(EmploymentFixtures.Applied());

    [Fact]
    public void No_electronic_application_where_the_competition_refuses_them() =>
        EmploymentFixtures.Application().When(new Submit(EmploymentFixtures.Candidate, EmploymentFixtures.T0, "app-1", EmploymentFixtures.Context(electronic: false), true))
            .ThenFails("no-electronic-applications");

    [Fact]
    public void No_application_after_the_deadline() =>
        EmploymentFixtures.Application().When(new Submit(EmploymentFixtures.Candidate, EmploymentFixtures.T0.AddDays(31), "app-1", EmploymentFixtures.Context(), true))
            .ThenFails("applications-closed");

    [Fact]
    public void No_application_once_applications_are_closed() =>
        EmploymentFixtures.Application().When(new Submit(EmploymentFixtures.Candidate, EmploymentFixtures.T0, "app-1", EmploymentFixtures.Context(open: false), true))
            .ThenFails("applications-closed");

    [Fact]
    public void An_unverified_candidate_does_not_apply() =>
        EmploymentFixtures.Application().When(new Submit(EmploymentFixtures.Candidate, EmploymentFixtures.T0, "app-1", EmploymentFixtures.Context(verified: false), true))
            .ThenFails("candidate-not-verified");

    [Fact]
    public void One_application_per_candidate_and_competition() =>
        EmploymentFixtures.Application().Given(EmploymentFixtures.Applied())
            .When(new Submit(EmploymentFixtures.Candidate, EmploymentFixtures.T0, "app-1", EmploymentFixtures.Context(), true)).ThenFails("already-applied");
}

public sealed class ApplicationFunnelTests
{
    private static readonly DateTimeOffset Exam = EmploymentFixtures.T0.AddDays(60);

    [Fact]
    public void The_funnel_runs_preselection_written_oral_result()
    {
        var state = EmploymentFixtures.Application()
            .Given(EmploymentFixtures.Applied(), new Preselected(true, "x", EmploymentFixtures.T0), new ConvokedToWrittenExam(Exam, "x", EmploymentFixtures.T0), new ConvokedToOralExam(Exam.AddDays(10), "x", EmploymentFixtures.T0))
            .When(new RecordResult(EmploymentFixtures.Agent, EmploymentFixtures.T0, ExamResult.WaitingList)).ThenState();
        Assert.Equal(ApplicationStage.Decided, state.FileOrNull!.Stage);
        Assert.Equal(ExamResult.WaitingList, state.FileOrNull.Result);
    }

    [Fact]
    public void A_candidate_not_preselected_is_not_convoked() =>
        EmploymentFixtures.Application().Given(EmploymentFixtures.Applied(), new Preselected(false, "x", EmploymentFixtures.T0))
            .When(new ConvokeToWrittenExam(EmploymentFixtures.Agent, EmploymentFixtures.T0, Exam)).ThenFails("not-preselected");

    [Fact]
    public void The_oral_exam_follows_the_written_one() =>
        EmploymentFixtures.Application().Given(EmploymentFixtures.Applied(), new Preselected(true, "x", EmploymentFixtures.T0))
            .When(new ConvokeToOralExam(EmploymentFixtures.Agent, EmploymentFixtures.T0, Exam)).ThenFails("not-convoked-to-written");

    [Fact]
    public void Another_administration_does_not_process_it() =>
        EmploymentFixtures.Application().Given(EmploymentFixtures.Applied())
            .When(new Preselect(EmploymentFixtures.Stranger, EmploymentFixtures.T0, true)).ThenFails("not-owner");

    [Fact]
    public void The_candidate_withdraws_and_nothing_more_happens() =>
        EmploymentFixtures.Application().Given(EmploymentFixtures.Applied(), new Withdrawn(EmploymentFixtures.T0))
            .When(new Preselect(EmploymentFixtures.Agent, EmploymentFixtures.T0, true)).ThenFails("withdrawn");

    [Fact]
    public void Withdrawing_twice_changes_nothing() =>
        EmploymentFixtures.Application().Given(EmploymentFixtures.Applied(), new Withdrawn(EmploymentFixtures.T0))
            .When(new Withdraw(EmploymentFixtures.Candidate, EmploymentFixtures.T0)).ThenNothing();
}
