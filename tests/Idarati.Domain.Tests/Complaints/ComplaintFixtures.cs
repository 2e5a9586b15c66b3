using Idarati.Domain.Complaints;
using Idarati.Domain.Shared;
using static Idarati.Domain.Complaints.ComplaintEvent;

namespace Idarati.Domain.Tests.Complaints;

public static class ComplaintFixtures
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    public static readonly Actor TheCitizen = new("c-1", Role.Citizen);
    public static readonly Actor Agent = new("a-1", Role.Agent, "MIN-SANTE");
    public static readonly Actor OtherAgent = new("a-2", Role.Agent, "MIN-EDUC");
    public static readonly Actor Supervisor = new("s-1", Role.Supervisor);
    public static readonly Actor Auditor = new("au-1", Role.Auditor);

    public static Spec<ComplaintCommand, ComplaintEvent, ComplaintState> Complaint() => new(ComplaintDecider.Decider);

    public static DateTimeOffset Day(int n) => T0.AddDays(n);

    public static ComplaintCommand.Submit Submit(ComplaintKind kind = ComplaintKind.Complaint, Citizen? citizen = null, bool anonymous = false) => new(
        TheCitizen, T0, "cmp-1", "CHK-2026-AAAAA-BBBBB", "hash", kind, ComplaintChannel.Portal, "MIN-SANTE", "SANTE.ACCUEIL",
        "Attente", "Trois heures d'attente aux urgences.", new Location("Rabat-Salé-Kénitra", "Rabat", "Agdal-Riyad"),
        anonymous ? null : citizen ?? new Citizen("Amina Benali", "AB123456", "+212600000000", "amina@example.ma"), Day(7), Day(60));

    public static Submitted Submitted(ComplaintKind kind = ComplaintKind.Complaint)
    {
        var s = Submit(kind);
        return new Submitted(s.ComplaintId, s.TrackingNumber, s.AccessCodeHash, s.Kind, s.Channel, s.AdministrationId, s.CategoryCode,
            s.Subject, s.Description, s.Location, s.Citizen, TheCitizen.ToString(), s.At, s.AcknowledgementDue, s.AnswerDue);
    }

    public static Acknowledged Acknowledged(string administration = "MIN-SANTE") => new(administration, Agent.ToString(), Day(1));

    public static Answered Answered() => new("Nous avons renforcé l'équipe.", AnswerOutcome.Favourable, Agent.ToString(), Day(10));

    public static Closed Closed() => new(Agent.ToString(), Day(11));
}
