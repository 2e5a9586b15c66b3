using Idarati.Domain.Complaints;
using static Idarati.Domain.Complaints.ComplaintCommand;
using static Idarati.Domain.Complaints.ComplaintEvent;
using static Idarati.Domain.Tests.Complaints.ComplaintFixtures;

namespace Idarati.Domain.Tests.Complaints;

public sealed class SubmitTests
{
    [Fact]
    public void A_citizen_submits_a_complaint_with_its_due_dates() =>
        Complaint().When(Submit()).Then(Submitted());

    [Fact]
    public void A_complaint_cannot_be_anonymous() =>
        Complaint().When(Submit(anonymous: true)).ThenFails("anonymous-complaint");

    [Fact]
    public void A_suggestion_may_be_anonymous() =>
        Assert.Null(((Submitted)ComplaintDecider.Decide(Submit(ComplaintKind.Suggestion, anonymous: true), ComplaintState.Initial).Single()).Citizen);

    [Fact]
    public void A_complaint_is_submitted_once() =>
        Complaint().Given(Submitted()).When(Submit()).ThenFails("already-submitted");

    [Fact]
    public void An_auditor_does_not_submit() =>
        Complaint().When(Submit() with { Actor = Auditor }).ThenFails("forbidden");

    [Fact]
    public void Nothing_happens_to_a_complaint_that_does_not_exist() =>
        Complaint().When(new Acknowledge(Agent, Day(1))).ThenFails("not-submitted");
}

public sealed class AcknowledgeTests
{
    [Fact]
    public void The_owner_acknowledges_receipt() =>
        Complaint().Given(Submitted()).When(new Acknowledge(Agent, Day(1))).Then(Acknowledged());

    [Fact]
    public void Acknowledging_twice_changes_nothing() =>
        Complaint().Given(Submitted(), Acknowledged()).When(new Acknowledge(Agent, Day(2))).ThenNothing();

    [Fact]
    public void Another_administration_cannot_acknowledge() =>
        Complaint().Given(Submitted()).When(new Acknowledge(OtherAgent, Day(1))).ThenFails("not-owner");

    [Fact]
    public void A_supervisor_acts_for_any_administration() =>
        Assert.Single(ComplaintDecider.Decide(new Acknowledge(Supervisor, Day(1)), ComplaintDecider.Decider.Fold([Submitted()])));

    [Fact]
    public void A_citizen_cannot_acknowledge() =>
        Complaint().Given(Submitted()).When(new Acknowledge(TheCitizen, Day(1))).ThenFails("forbidden");

    [Fact]
    public void A_closed_complaint_cannot_be_acknowledged() =>
        Complaint().Given(Submitted(), Acknowledged(), Answered(), Closed()).When(new Acknowledge(Agent, Day(12))).ThenFails("closed");
}

public sealed class RequestInformationTests
{
    [Fact]
    public void The_owner_asks_the_citizen_for_information_after_acknowledging() =>
        Complaint().Given(Submitted(), Acknowledged()).When(new RequestInformation(Agent, Day(2), "Quelle date ?"))
            .Then(new InformationRequested("Quelle date ?", Agent.ToString(), Day(2)));

    [Fact]
    public void Information_is_not_requested_before_acknowledgement() =>
        Complaint().Given(Submitted()).When(new RequestInformation(Agent, Day(2), "Quelle date ?")).ThenFails("not-acknowledged");

    [Fact]
    public void A_second_question_waits_for_the_first_answer() =>
        Complaint().Given(Submitted(), Acknowledged(), new InformationRequested("Q1", Agent.ToString(), Day(2)))
            .When(new RequestInformation(Agent, Day(3), "Q2")).ThenFails("information-already-requested");

    [Fact]
    public void Asking_the_same_question_again_changes_nothing() =>
        Complaint().Given(Submitted(), Acknowledged(), new InformationRequested("Q1", Agent.ToString(), Day(2)))
            .When(new RequestInformation(Agent, Day(3), "Q1")).ThenNothing();

    [Fact]
    public void An_answered_complaint_needs_no_information() =>
        Complaint().Given(Submitted(), Acknowledged(), Answered()).When(new RequestInformation(Agent, Day(11), "Q")).ThenFails("not-open");
}

public sealed class ProvideInformationTests
{
    [Fact]
    public void The_citizen_answers_the_question() =>
        Complaint().Given(Submitted(), Acknowledged(), new InformationRequested("Q1", Agent.ToString(), Day(2)))
            .When(new ProvideInformation(TheCitizen, Day(3), "Le 1er mars.")).Then(new InformationProvided("Le 1er mars.", Day(3)));

    [Fact]
    public void Information_nobody_asked_for_is_refused() =>
        Complaint().Given(Submitted(), Acknowledged()).When(new ProvideInformation(TheCitizen, Day(3), "x")).ThenFails("no-information-requested");

    [Fact]
    public void Only_the_citizen_provides_information() =>
        Complaint().Given(Submitted(), Acknowledged(), new InformationRequested("Q1", Agent.ToString(), Day(2)))
            .When(new ProvideInformation(Agent, Day(3), "x")).ThenFails("citizen-only");
}

public sealed class TransferTests
{
    [Fact]
    public void The_owner_transfers_to_another_active_administration_which_then_owns_it() =>
        Assert.Equal("MIN-EDUC", Complaint().Given(Submitted(), Acknowledged()).When(new Transfer(Agent, Day(2), "MIN-EDUC", true, "Compétence"))
            .ThenState().FileOrNull!.AdministrationId);

    [Fact]
    public void A_transfer_records_both_administrations_and_the_reason() =>
        Complaint().Given(Submitted()).When(new Transfer(Agent, Day(2), "MIN-EDUC", true, "Compétence"))
            .Then(new Transferred("MIN-SANTE", "MIN-EDUC", "Compétence", Agent.ToString(), Day(2)));

    [Fact]
    public void The_receiver_acknowledges_afresh_and_the_sender_loses_the_complaint()
    {
        var state = ComplaintDecider.Decider.Fold([Submitted(), Acknowledged(), new Transferred("MIN-SANTE", "MIN-EDUC", "r", Agent.ToString(), Day(2))]);
        Assert.Equal(ComplaintStatus.Received, state.Status);
        Assert.Throws<ComplaintRuleViolated>(() => ComplaintDecider.Decide(new Answer(Agent, Day(3), "x", AnswerOutcome.Favourable), state));
        Assert.Single(ComplaintDecider.Decide(new Acknowledge(OtherAgent, Day(3)), state));
    }

    [Fact]
    public void A_transfer_needs_an_active_target() =>
        Complaint().Given(Submitted()).When(new Transfer(Agent, Day(2), "MIN-OLD", false, "r")).ThenFails("transfer-target-inactive");

    [Fact]
    public void A_transfer_needs_a_target_other_than_the_owner() =>
        Complaint().Given(Submitted()).When(new Transfer(Agent, Day(2), "MIN-SANTE", true, "r")).ThenFails("transfer-to-owner");

    [Fact]
    public void An_answered_complaint_cannot_be_transferred() =>
        Complaint().Given(Submitted(), Acknowledged(), Answered()).When(new Transfer(Agent, Day(11), "MIN-EDUC", true, "r")).ThenFails("not-open");
}

public sealed class RejectTests
{
    [Fact]
    public void The_owner_declares_a_complaint_inadmissible_with_a_listed_reason() =>
        Complaint().Given(Submitted()).When(new Reject(Agent, Day(2), RejectionReason.BeforeCourt, "Affaire pendante"))
            .Then(new Rejected(RejectionReason.BeforeCourt, "Affaire pendante", Agent.ToString(), Day(2)));

    [Fact]
    public void Rejecting_again_for_the_same_reason_changes_nothing() =>
        Complaint().Given(Submitted(), new Rejected(RejectionReason.BeforeCourt, null, Agent.ToString(), Day(2)))
            .When(new Reject(Agent, Day(3), RejectionReason.BeforeCourt, null)).ThenNothing();

    [Fact]
    public void A_rejected_complaint_is_not_rejected_for_another_reason() =>
        Complaint().Given(Submitted(), new Rejected(RejectionReason.BeforeCourt, null, Agent.ToString(), Day(2)))
            .When(new Reject(Agent, Day(3), RejectionReason.OutsideCompetence, null)).ThenFails("already-rejected");
}

public sealed class AnswerTests
{
    [Fact]
    public void The_owner_answers_an_acknowledged_complaint() =>
        Complaint().Given(Submitted(), Acknowledged()).When(new Answer(Agent, Day(10), "Nous avons renforcé l'équipe.", AnswerOutcome.Favourable))
            .Then(Answered());

    [Fact]
    public void No_answer_before_acknowledgement() =>
        Complaint().Given(Submitted()).When(new Answer(Agent, Day(10), "x", AnswerOutcome.Favourable)).ThenFails("not-acknowledged");

    [Fact]
    public void The_same_answer_again_changes_nothing() =>
        Complaint().Given(Submitted(), Acknowledged(), Answered()).When(new Answer(Agent, Day(12), Answered().Text, Answered().Outcome)).ThenNothing();

    [Fact]
    public void A_different_second_answer_is_refused() =>
        Complaint().Given(Submitted(), Acknowledged(), Answered()).When(new Answer(Agent, Day(12), "autre", AnswerOutcome.Unfavourable)).ThenFails("already-answered");

    [Fact]
    public void Another_administration_cannot_answer() =>
        Complaint().Given(Submitted(), Acknowledged()).When(new Answer(OtherAgent, Day(10), "x", AnswerOutcome.Favourable)).ThenFails("not-owner");
}

public sealed class TakeIntoAccountTests
{
    [Fact]
    public void A_suggestion_is_taken_into_account() =>
        Complaint().Given(Submitted(ComplaintKind.Suggestion)).When(new TakeIntoAccount(Agent, Day(5))).Then(new TookIntoAccount(Agent.ToString(), Day(5)));

    [Fact]
    public void A_complaint_is_answered_not_taken_into_account() =>
        Complaint().Given(Submitted()).When(new TakeIntoAccount(Agent, Day(5))).ThenFails("not-an-observation");

    [Fact]
    public void Taking_it_into_account_twice_changes_nothing() =>
        Complaint().Given(Submitted(ComplaintKind.Observation), new TookIntoAccount(Agent.ToString(), Day(5))).When(new TakeIntoAccount(Agent, Day(6))).ThenNothing();
}

public sealed class CloseTests
{
    [Fact]
    public void An_answered_complaint_is_closed() =>
        Complaint().Given(Submitted(), Acknowledged(), Answered()).When(new Close(Agent, Day(11))).Then(Closed());

    [Fact]
    public void Closing_a_closed_complaint_changes_nothing() =>
        Complaint().Given(Submitted(), Acknowledged(), Answered(), Closed()).When(new Close(Agent, Day(12))).ThenNothing();

    [Fact]
    public void A_complaint_being_processed_is_not_closed() =>
        Complaint().Given(Submitted(), Acknowledged()).When(new Close(Agent, Day(5))).ThenFails("not-processed");

    [Fact]
    public void A_rejected_complaint_is_closed() =>
        Assert.Equal(ComplaintStatus.Closed, Complaint().Given(Submitted(), new Rejected(RejectionReason.BeforeCourt, null, Agent.ToString(), Day(2)))
            .When(new Close(Agent, Day(3))).ThenState().Status);
}

public sealed class GiveFeedbackTests
{
    [Fact]
    public void The_citizen_says_whether_the_answer_satisfied_them() =>
        Complaint().Given(Submitted(), Acknowledged(), Answered()).When(new GiveFeedback(TheCitizen, Day(12), false, "Trop tard"))
            .Then(new FeedbackGiven(false, "Trop tard", Day(12)));

    [Fact]
    public void Feedback_is_given_once() =>
        Complaint().Given(Submitted(), Acknowledged(), Answered(), new FeedbackGiven(true, null, Day(12)))
            .When(new GiveFeedback(TheCitizen, Day(13), false, null)).ThenFails("feedback-already-given");

    [Fact]
    public void Feedback_needs_an_answer() =>
        Complaint().Given(Submitted(), Acknowledged()).When(new GiveFeedback(TheCitizen, Day(3), true, null)).ThenFails("not-answered");

    [Fact]
    public void Only_the_citizen_gives_feedback() =>
        Complaint().Given(Submitted(), Acknowledged(), Answered()).When(new GiveFeedback(Agent, Day(12), true, null)).ThenFails("citizen-only");
}

public sealed class ReopenTests
{
    [Fact]
    public void The_citizen_reopens_an_answered_complaint_and_it_is_counted() =>
        Complaint().Given(Submitted(), Acknowledged(), Answered()).When(new Reopen(TheCitizen, Day(12), "Rien n'a changé"))
            .Then(new Reopened("Rien n'a changé", 1, Day(12)));

    [Fact]
    public void A_closed_complaint_can_be_reopened_and_is_worked_on_again()
    {
        var state = Complaint().Given(Submitted(), Acknowledged(), Answered(), Closed(), new Reopened("r1", 1, Day(12)), Answered())
            .When(new Reopen(TheCitizen, Day(20), "r2")).ThenState();
        Assert.Equal(ComplaintStatus.Acknowledged, state.Status);
        Assert.Equal(2, state.FileOrNull!.ReopenCount);
    }

    [Fact]
    public void A_complaint_being_processed_cannot_be_reopened() =>
        Complaint().Given(Submitted(), Acknowledged()).When(new Reopen(TheCitizen, Day(3), "r")).ThenFails("not-answered");

    [Fact]
    public void A_rejected_and_closed_complaint_cannot_be_reopened() =>
        Complaint().Given(Submitted(), new Rejected(RejectionReason.BeforeCourt, null, Agent.ToString(), Day(2)), new Closed(Agent.ToString(), Day(3)))
            .When(new Reopen(TheCitizen, Day(4), "r")).ThenFails("not-answered");

    [Fact]
    public void Only_the_citizen_reopens() =>
        Complaint().Given(Submitted(), Acknowledged(), Answered()).When(new Reopen(Agent, Day(12), "r")).ThenFails("citizen-only");
}
