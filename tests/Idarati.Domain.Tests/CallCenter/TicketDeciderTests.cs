using Idarati.Domain.CallCenter;
using Idarati.Domain.Shared;
using static Idarati.Domain.CallCenter.TicketCommand;
using static Idarati.Domain.CallCenter.TicketEvent;

namespace Idarati.Domain.Tests.CallCenter;

public static class TicketFixtures
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    public static readonly Actor Agent = new("cc-1", Role.Agent, TicketDecider.CallCenterAdministrationId);
    public static readonly Actor MinistryAgent = new("a-1", Role.Agent, "MIN-SANTE");

    public static Spec<TicketCommand, TicketEvent, TicketState> Ticket() => new(TicketDecider.Decider);

    public static Opened Opened() => new(new TicketDetails("t-1", TicketChannel.Phone, "PROCEDURES", "Passeport", TicketLanguage.Arabic, T0), Agent.ToString());
}

public sealed class OpenTicketTests
{
    [Fact]
    public void A_call_centre_agent_opens_a_ticket() =>
        TicketFixtures.Ticket().When(new Open(TicketFixtures.Agent, TicketFixtures.T0, "t-1", TicketChannel.Phone, "PROCEDURES", "Passeport", TicketLanguage.Arabic))
            .Then(TicketFixtures.Opened());

    [Fact]
    public void Another_administrations_agent_does_not_handle_tickets() =>
        TicketFixtures.Ticket().When(new Open(TicketFixtures.MinistryAgent, TicketFixtures.T0, "t-1", TicketChannel.Phone, "PROCEDURES", "x", TicketLanguage.French))
            .ThenFails("forbidden");

    [Fact]
    public void A_ticket_is_opened_once() =>
        TicketFixtures.Ticket().Given(TicketFixtures.Opened()).When(new Open(TicketFixtures.Agent, TicketFixtures.T0, "t-1", TicketChannel.Phone, "PROCEDURES", "x", TicketLanguage.French))
            .ThenFails("already-opened");
}

public sealed class AnswerTicketTests
{
    [Fact]
    public void The_agent_answers() =>
        TicketFixtures.Ticket().Given(TicketFixtures.Opened()).When(new Answer(TicketFixtures.Agent, TicketFixtures.T0.AddMinutes(3), "Prenez rendez-vous en ligne."))
            .Then(new Answered("Prenez rendez-vous en ligne.", TicketFixtures.Agent.ToString(), TicketFixtures.T0.AddMinutes(3)));

    [Fact]
    public void The_same_answer_again_changes_nothing() =>
        TicketFixtures.Ticket().Given(TicketFixtures.Opened(), new Answered("a", TicketFixtures.Agent.ToString(), TicketFixtures.T0))
            .When(new Answer(TicketFixtures.Agent, TicketFixtures.T0, "a")).ThenNothing();

    [Fact]
    public void A_different_second_answer_is_refused() =>
        TicketFixtures.Ticket().Given(TicketFixtures.Opened(), new Answered("a", TicketFixtures.Agent.ToString(), TicketFixtures.T0))
            .When(new Answer(TicketFixtures.Agent, TicketFixtures.T0, "b")).ThenFails("already-answered");

    [Fact]
    public void A_missing_ticket_is_not_answered() =>
        TicketFixtures.Ticket().When(new Answer(TicketFixtures.Agent, TicketFixtures.T0, "a")).ThenFails("not-opened");
}

public sealed class EscalateTicketTests
{
    [Fact]
    public void The_escalation_records_the_complaint() =>
        TicketFixtures.Ticket().Given(TicketFixtures.Opened()).When(new RecordEscalation(TicketFixtures.Agent, TicketFixtures.T0, "c-1", "CHK-1"))
            .Then(new EscalatedToComplaint("c-1", "CHK-1", TicketFixtures.Agent.ToString(), TicketFixtures.T0));

    [Fact]
    public void Recording_the_same_escalation_again_changes_nothing() =>
        TicketFixtures.Ticket().Given(TicketFixtures.Opened(), new EscalatedToComplaint("c-1", "CHK-1", "x", TicketFixtures.T0))
            .When(new RecordEscalation(TicketFixtures.Agent, TicketFixtures.T0, "c-1", "CHK-1")).ThenNothing();

    [Fact]
    public void A_ticket_is_escalated_to_one_complaint_only() =>
        TicketFixtures.Ticket().Given(TicketFixtures.Opened(), new EscalatedToComplaint("c-1", "CHK-1", "x", TicketFixtures.T0))
            .When(new RecordEscalation(TicketFixtures.Agent, TicketFixtures.T0, "c-2", "CHK-2")).ThenFails("already-escalated");
}

public sealed class CloseTicketTests
{
    [Fact]
    public void The_agent_closes_the_ticket() =>
        TicketFixtures.Ticket().Given(TicketFixtures.Opened()).When(new Close(TicketFixtures.Agent, TicketFixtures.T0)).Then(new Closed(TicketFixtures.Agent.ToString(), TicketFixtures.T0));

    [Fact]
    public void Closing_twice_changes_nothing() =>
        TicketFixtures.Ticket().Given(TicketFixtures.Opened(), new Closed("x", TicketFixtures.T0)).When(new Close(TicketFixtures.Agent, TicketFixtures.T0)).ThenNothing();

    [Fact]
    public void A_closed_ticket_is_not_answered() =>
        TicketFixtures.Ticket().Given(TicketFixtures.Opened(), new Closed("x", TicketFixtures.T0)).When(new Answer(TicketFixtures.Agent, TicketFixtures.T0, "a")).ThenFails("closed");
}
