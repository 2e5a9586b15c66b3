using Idarati.Application.JobApplications;
using Idarati.Domain.Administrations;
using Idarati.Domain.JobApplications;
using Idarati.Domain.Reference;
using Idarati.Domain.Shared;
using Idarati.Application.Handling;
using static Idarati.Application.Seeding.SyntheticDataset;

namespace Idarati.Application.Seeding;

/// <summary>Competitions, candidate accounts and the applications between them, drawn so that every rule holds.</summary>
internal sealed class EmploymentPlan
{
    private static readonly string[] Titles = ["Administrateurs 2e grade", "Administrateurs 3e grade", "Ingénieurs d'État 1er grade", "Techniciens 3e grade", "Techniciens 4e grade", "Médecins généralistes", "Infirmiers polyvalents", "Rédacteurs 3e grade", "Adjoints administratifs", "Inspecteurs des finances"];

    public EmploymentPlan(SeedPlan plan, string[] administrations)
    {
        var random = new Random(16_084);
        var ministries = Catalogue.DefaultAdministrations.Where(a => a.Kind == AdministrationKind.Ministry).Select(a => a.Id).ToArray();
        Competitions = [.. Enumerable.Range(0, plan.ElectronicCompetitions + plan.PaperCompetitions).Select(i =>
        {
            // Spread over the two years, the first of each kind last, so even a small scale has candidates enough.
            var slot = (i < plan.ElectronicCompetitions ? i : i - plan.ElectronicCompetitions) / (double)(i < plan.ElectronicCompetitions ? plan.ElectronicCompetitions : plan.PaperCompetitions);
            var published = End.AddDays(-45) - ((End.AddDays(-45) - Start.AddDays(60)) * slot) - TimeSpan.FromDays(10 * random.NextDouble());
            var details = new CompetitionDetails(NewGuid(random).ToString(), ministries.Length > 0 ? Pick(random, ministries) : Pick(random, administrations), Pick(random, Titles),
                "Grade synthétique", 5 + random.Next(150), published.AddDays(15 + random.Next(16)), i < plan.ElectronicCompetitions);
            return (Details: details, Published: published);
        })];
        Candidates = [.. Enumerable.Range(0, plan.CandidateAccounts).Select(_ =>
        {
            var created = Growing(random, Start, End.AddHours(-1));
            var verified = random.NextDouble() < 0.88 && created.AddMinutes(30) < End ? created.AddMinutes(5 + 25 * random.NextDouble()) : (DateTimeOffset?)null;
            return (Id: NewGuid(random), Created: created, Verified: verified);
        })];

        // Each application joins a verified candidate to a competition open at some instant after the verification.
        var pairs = new HashSet<(int, int)>();
        var electronic = Enumerable.Range(0, plan.ElectronicCompetitions).ToArray();
        var paper = Enumerable.Range(plan.ElectronicCompetitions, plan.PaperCompetitions).ToArray();
        foreach (var (count, pool, isElectronic) in new[] { (plan.ElectronicApplications, electronic, true), (plan.PaperApplications, paper, false) })
        {
            for (var (made, draws) = (0, 0); made < count; draws++)
            {
                if (draws > 1000 * (count + 10))
                {
                    throw new InvalidOperationException($"Too few verified candidates for the applications at this scale ({made} of {count} drawn); use a larger scale.");
                }

                var c = Pick(random, pool);
                var k = random.Next(Candidates.Length);
                var (published, deadline) = (Competitions[c].Published, Competitions[c].Details.ApplicationDeadline);
                if (Candidates[k].Verified is not { } verified || verified >= deadline || !pairs.Add((c, k)))
                {
                    continue;
                }

                var from = verified > published ? verified : published;
                Applications.Add((c, k, from + (deadline - from) * random.NextDouble(), isElectronic));
                made++;
            }
        }
    }

    public (CompetitionDetails Details, DateTimeOffset Published)[] Competitions { get; }

    public (Guid Id, DateTimeOffset Created, DateTimeOffset? Verified)[] Candidates { get; }

    public List<(int Competition, int Candidate, DateTimeOffset At, bool Electronic)> Applications { get; } = [];

    private static Actor Agent(CompetitionDetails details) => new("synthetic-agent-" + details.AdministrationId, Role.Agent, details.AdministrationId);

    private static Actor Candidate(Guid id) => new($"synthetic-candidate-{id:N}", Role.Citizen);

    /// <summary>Applications close at the deadline; results come out two months later when that is before the end.</summary>
    private static DateTimeOffset ResultsAt(CompetitionDetails details) => details.ApplicationDeadline.AddDays(60);

    public SeedStream CompetitionStream(int index)
    {
        var (details, published) = Competitions[index];
        var builder = new StreamBuilder<CompetitionCommand, CompetitionEvent, CompetitionState>(CompetitionDecider.Decider);
        builder.Do(new CompetitionCommand.Publish(Agent(details), published, details));
        if (details.ApplicationDeadline.AddHours(1) < End)
        {
            builder.Do(new CompetitionCommand.CloseApplications(Agent(details), details.ApplicationDeadline.AddHours(1)));
            if (ResultsAt(details) < End)
            {
                builder.Do(new CompetitionCommand.PublishResults(Agent(details), ResultsAt(details)));
            }
        }

        var id = Guid.Parse(details.CompetitionId);
        return builder.ToBulk(EmploymentService.CompetitionStream(id), Metadata());
    }

    public SeedStream CandidateStream(int index)
    {
        var (id, created, verified) = Candidates[index];
        var email = $"candidat{index + 1:D6}@synthetic.invalid";
        // One account per CIN, as the command path keeps it: each synthetic candidate has a number of its own.
        var nationalId = $"C{index + 1:D7}";
        var builder = new StreamBuilder<CandidateCommand, CandidateEvent, CandidateState>(CandidateDecider.Decider);
        builder.Do(new CandidateCommand.CreateAccount(Candidate(id), created, id.ToString(),
            new CandidateIdentity($"Candidat synthétique {index + 1:D6}", nationalId, email)));
        if (verified is { } at)
        {
            builder.Do(new CandidateCommand.Verify(Candidate(id), at));
        }

        return builder.ToBulk(EmploymentService.CandidateStream(id), Metadata([new StreamKey(EmploymentService.CandidateEmailKey, email), new StreamKey(EmploymentService.CandidateCinKey, nationalId)]));
    }

    public SeedStream ApplicationStream(int index)
    {
        var (c, k, at, isElectronic) = Applications[index];
        var random = new Random(StreamSeed(10_602, index));
        var details = Competitions[c].Details;
        var candidate = Candidates[k].Id;
        var id = EmploymentService.ApplicationId(Guid.Parse(details.CompetitionId), candidate);
        var builder = new StreamBuilder<ApplicationCommand, ApplicationEvent, ApplicationState>(ApplicationDecider.Decider);
        builder.Do(new ApplicationCommand.Submit(Candidate(candidate), at, id.ToString(),
            new ApplicationContext(details, true, candidate.ToString(), Candidate(candidate).ToString(), true), isElectronic));
        var agent = Agent(details);
        var decided = details.ApplicationDeadline.AddDays(10);
        if (random.NextDouble() < 0.03 && at.AddDays(1) < End)
        {
            builder.Do(new ApplicationCommand.Withdraw(Candidate(candidate), at.AddDays(1)));
        }
        else if (decided < End)
        {
            var preselected = random.NextDouble() < 0.45;
            builder.Do(new ApplicationCommand.Preselect(agent, decided, preselected));
            if (preselected && decided.AddDays(5) < End)
            {
                builder.Do(new ApplicationCommand.ConvokeToWrittenExam(agent, decided.AddDays(5), decided.AddDays(25)));
                if (random.NextDouble() < 0.4 && decided.AddDays(35) < End)
                {
                    builder.Do(new ApplicationCommand.ConvokeToOralExam(agent, decided.AddDays(35), decided.AddDays(45)));
                    if (ResultsAt(details) < End)
                    {
                        var draw = random.NextDouble();
                        builder.Do(new ApplicationCommand.RecordResult(agent, ResultsAt(details).AddHours(-1),
                            draw < 0.5 ? ExamResult.Admitted : draw < 0.7 ? ExamResult.WaitingList : ExamResult.NotAdmitted));
                    }
                }
            }
        }

        return builder.ToBulk(EmploymentService.ApplicationStream(id), Metadata());
    }
}
