using Idarati.Domain.Complaints;
using Idarati.Domain.Shared;
using static Idarati.Domain.Complaints.ComplaintCommand;
using static Idarati.Domain.Complaints.ComplaintEvent;
using static Idarati.Domain.Tests.Complaints.ComplaintFixtures;

namespace Idarati.Domain.Tests.Complaints;

/// <summary>
/// The answer period: reminded on its reminder day, overdue on its last, suspended while waiting for the citizen,
/// started again by a transfer or a reopening, ended by processing; only the service records it, once.
/// </summary>
public sealed class DeadlineTests
{
    private static readonly Actor Service = new("service:deadlines", Role.Service);
    private static readonly TimeSpan ReminderDay = TimeSpan.FromDays(45);

    private static InformationRequested Asked(int day) => new("Votre numéro de dossier ?", Agent.ToString(), Day(day));

    private static InformationProvided Provided(int day) => new("Dossier 42.", Day(day));

    [Fact]
    public void Before_its_reminder_day_nothing_is_recorded() =>
        Complaint().Given(Submitted(), Acknowledged()).When(new Remind(Service, Day(44), ReminderDay)).ThenNothing();

    [Fact]
    public void On_its_reminder_day_the_owner_is_reminded_once() =>
        Complaint().Given(Submitted(), Acknowledged(), new Reminded("MIN-SANTE", Day(60), Day(45))).When(new Remind(Service, Day(46), ReminderDay)).ThenNothing();

    [Fact]
    public void The_reminder_names_the_owner_and_the_due_date() =>
        Complaint().Given(Submitted(), Acknowledged()).When(new Remind(Service, Day(45), ReminderDay)).Then(new Reminded("MIN-SANTE", Day(60), Day(45)));

    [Fact]
    public void The_answer_period_passed_is_recorded_once() =>
        Complaint().Given(Submitted(), new WentOverdue("MIN-SANTE", Day(60), Day(60))).When(new MarkOverdue(Service, Day(61))).ThenNothing();

    [Fact]
    public void An_unanswered_complaint_goes_overdue_on_its_due_date()
    {
        Complaint().Given(Submitted()).When(new MarkOverdue(Service, Day(60).AddSeconds(-1))).ThenNothing();
        var state = Complaint().Given(Submitted()).When(new MarkOverdue(Service, Day(60))).ThenState();
        Assert.Equal(Day(60), state.FileOrNull!.OverdueAt);
        Assert.IsType<ComplaintState.Open>(state);
    }

    [Fact]
    public void Waiting_for_the_citizen_suspends_the_period_and_moves_the_due_date_by_the_wait()
    {
        Complaint().Given(Submitted(), Acknowledged(), Asked(10)).When(new MarkOverdue(Service, Day(70))).ThenNothing();
        Complaint().Given(Submitted(), Acknowledged(), Asked(10)).When(new Remind(Service, Day(50), ReminderDay)).ThenNothing();
        var resumed = Complaint().Given(Submitted(), Acknowledged(), Asked(10), Provided(30)).When(new MarkOverdue(Service, Day(79))).ThenState();
        Assert.Equal(Day(80), resumed.FileOrNull!.AnswerDue);
        Assert.Null(resumed.FileOrNull.OverdueAt);
        Complaint().Given(Submitted(), Acknowledged(), Asked(10), Provided(30)).When(new Remind(Service, Day(65), ReminderDay)).Then(new Reminded("MIN-SANTE", Day(80), Day(65)));
    }

    [Fact]
    public void A_transfer_gives_the_receiver_a_whole_period()
    {
        var transferred = new Transferred("MIN-SANTE", "MIN-EDUC", "Compétence.", Agent.ToString(), Day(50));
        var state = Complaint().Given(Submitted(), Acknowledged(), new Reminded("MIN-SANTE", Day(60), Day(45)), transferred).When(new Remind(Service, Day(94), ReminderDay)).ThenState();
        Assert.Equal(Day(110), state.FileOrNull!.AnswerDue);
        Assert.Null(state.FileOrNull.RemindedAt);
        Complaint().Given(Submitted(), Acknowledged(), transferred).When(new Remind(Service, Day(95), ReminderDay)).Then(new Reminded("MIN-EDUC", Day(110), Day(95)));
    }

    [Fact]
    public void A_reopened_complaint_has_a_new_period() =>
        Complaint().Given(Submitted(), Acknowledged(), Answered(), new Reopened("Pas de suite.", 1, Day(70))).When(new MarkOverdue(Service, Day(130)))
            .Then(new WentOverdue("MIN-SANTE", Day(130), Day(130)));

    [Fact]
    public void Answering_rejecting_or_closing_ends_the_period()
    {
        Complaint().Given(Submitted(), Acknowledged(), Answered()).When(new MarkOverdue(Service, Day(61))).ThenNothing();
        Complaint().Given(Submitted(), new Rejected(RejectionReason.OutsideCompetence, null, Agent.ToString(), Day(5))).When(new MarkOverdue(Service, Day(61))).ThenNothing();
        Complaint().Given(Submitted(), Acknowledged(), Answered(), Closed()).When(new Remind(Service, Day(46), ReminderDay)).ThenNothing();
    }

    [Fact]
    public void Only_the_service_records_deadlines()
    {
        Complaint().Given(Submitted()).When(new MarkOverdue(Supervisor, Day(61))).ThenFails("service-only");
        Complaint().Given(Submitted()).When(new Remind(Agent, Day(46), ReminderDay)).ThenFails("service-only");
    }
}
