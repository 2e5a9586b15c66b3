using Idarati.Domain.Shared;

namespace Idarati.Domain.JobApplications;

public enum ExamResult
{
    Admitted,
    WaitingList,
    NotAdmitted,
}

/// <summary>What the handler read about the competition and the candidate when the application was submitted.</summary>
public sealed record ApplicationContext(CompetitionDetails Competition, bool CompetitionOpen, string CandidateId, string CandidateOwner, bool CandidateVerified);

public abstract record ApplicationCommand(Actor Actor, DateTimeOffset At)
{
    public sealed record Submit(Actor Actor, DateTimeOffset At, string ApplicationId, ApplicationContext Context, bool Electronic) : ApplicationCommand(Actor, At);

    public sealed record Withdraw(Actor Actor, DateTimeOffset At) : ApplicationCommand(Actor, At);

    public sealed record Preselect(Actor Actor, DateTimeOffset At, bool Preselected) : ApplicationCommand(Actor, At);

    public sealed record ConvokeToWrittenExam(Actor Actor, DateTimeOffset At, DateTimeOffset ExamAt) : ApplicationCommand(Actor, At);

    public sealed record ConvokeToOralExam(Actor Actor, DateTimeOffset At, DateTimeOffset ExamAt) : ApplicationCommand(Actor, At);

    public sealed record RecordResult(Actor Actor, DateTimeOffset At, ExamResult Result) : ApplicationCommand(Actor, At);
}

public abstract record ApplicationEvent
{
    private ApplicationEvent()
    {
    }

    public sealed record Submitted(string ApplicationId, string CompetitionId, string AdministrationId, string CandidateId, string CandidateOwner, bool Electronic, DateTimeOffset SubmittedAt) : ApplicationEvent;

    public sealed record Withdrawn(DateTimeOffset WithdrawnAt) : ApplicationEvent;

    public sealed record Preselected(bool Accepted, string DecidedBy, DateTimeOffset DecidedAt) : ApplicationEvent;

    public sealed record ConvokedToWrittenExam(DateTimeOffset ExamAt, string ConvokedBy, DateTimeOffset ConvokedAt) : ApplicationEvent;

    public sealed record ConvokedToOralExam(DateTimeOffset ExamAt, string ConvokedBy, DateTimeOffset ConvokedAt) : ApplicationEvent;

    public sealed record ResultRecorded(ExamResult Result, string RecordedBy, DateTimeOffset RecordedAt) : ApplicationEvent;

    public static IReadOnlyDictionary<Type, string> StoredNames { get; } = new Dictionary<Type, string>
    {
        [typeof(Submitted)] = "application.submitted",
        [typeof(Withdrawn)] = "application.withdrawn",
        [typeof(Preselected)] = "application.preselection-decided",
        [typeof(ConvokedToWrittenExam)] = "application.convoked-to-written-exam",
        [typeof(ConvokedToOralExam)] = "application.convoked-to-oral-exam",
        [typeof(ResultRecorded)] = "application.result-recorded",
    };
}

public enum ApplicationStage
{
    Submitted,
    Withdrawn,
    Preselected,
    NotPreselected,
    ConvokedToWrittenExam,
    ConvokedToOralExam,
    Decided,
}

public sealed record JobApplicationFile(ApplicationEvent.Submitted Submission, ApplicationStage Stage, DateTimeOffset? WrittenExamAt, DateTimeOffset? OralExamAt, ExamResult? Result);

public abstract record ApplicationState
{
    private ApplicationState()
    {
    }

    public sealed record None : ApplicationState;

    public sealed record Active(JobApplicationFile File) : ApplicationState;

    public JobApplicationFile? FileOrNull => (this as Active)?.File;
}

/// <summary>An electronic application to a competition, from submission to the result.</summary>
public static class ApplicationDecider
{
    public const string StreamType = "job-application";

    public static Decider<ApplicationCommand, ApplicationEvent, ApplicationState> Decider { get; } =
        new(StreamType, new ApplicationState.None(), Evolve, Decide) { Concerns = s => s.FileOrNull?.Submission.AdministrationId };

    public static IReadOnlyList<ApplicationEvent> Decide(ApplicationCommand command, ApplicationState state)
    {
        ArgumentNullException.ThrowIfNull(command);
        var by = command.Actor.ToString();
        if (command is ApplicationCommand.Submit s)
        {
            return state is ApplicationState.Active ? throw new EmploymentRuleViolated("already-applied", "A candidate applies once to a competition.") : [Submit(s, by)];
        }

        if (state.FileOrNull is not { } f)
        {
            throw new EmploymentRuleViolated("not-submitted", "There is no such application.");
        }

        if (command is ApplicationCommand.Withdraw w)
        {
            return f.Stage switch
            {
                ApplicationStage.Withdrawn => [],
                ApplicationStage.Decided => throw new EmploymentRuleViolated("decided", "The result is already recorded."),
                _ when by != f.Submission.CandidateOwner => throw new EmploymentRuleViolated("not-owner", "Only the candidate withdraws the application."),
                _ => [new ApplicationEvent.Withdrawn(w.At)],
            };
        }

        if (!(command.Actor.Role == Role.Supervisor || (command.Actor.Role == Role.Agent && command.Actor.AdministrationId == f.Submission.AdministrationId)))
        {
            throw new EmploymentRuleViolated(command.Actor.Role == Role.Agent ? "not-owner" : "forbidden", "Only the competition's administration, or a supervisor, processes applications.");
        }

        if (f.Stage == ApplicationStage.Withdrawn)
        {
            throw new EmploymentRuleViolated("withdrawn", "The candidate withdrew this application.");
        }

        return (command, f.Stage) switch
        {
            (ApplicationCommand.Preselect p, ApplicationStage.Submitted) => [new ApplicationEvent.Preselected(p.Preselected, by, p.At)],
            (ApplicationCommand.Preselect p, ApplicationStage.Preselected) when p.Preselected => [],
            (ApplicationCommand.Preselect p, ApplicationStage.NotPreselected) when !p.Preselected => [],
            (ApplicationCommand.Preselect, _) => throw new EmploymentRuleViolated("preselection-decided", "Pre-selection was already decided."),
            (ApplicationCommand.ConvokeToWrittenExam c, ApplicationStage.Preselected) => [new ApplicationEvent.ConvokedToWrittenExam(c.ExamAt, by, c.At)],
            (ApplicationCommand.ConvokeToWrittenExam c, ApplicationStage.ConvokedToWrittenExam) when f.WrittenExamAt == c.ExamAt => [],
            (ApplicationCommand.ConvokeToWrittenExam, _) => throw new EmploymentRuleViolated("not-preselected", "Only a pre-selected candidate is convoked to the written exam."),
            (ApplicationCommand.ConvokeToOralExam c, ApplicationStage.ConvokedToWrittenExam) => [new ApplicationEvent.ConvokedToOralExam(c.ExamAt, by, c.At)],
            (ApplicationCommand.ConvokeToOralExam c, ApplicationStage.ConvokedToOralExam) when f.OralExamAt == c.ExamAt => [],
            (ApplicationCommand.ConvokeToOralExam, _) => throw new EmploymentRuleViolated("not-convoked-to-written", "The oral exam follows the written exam."),
            (ApplicationCommand.RecordResult r, ApplicationStage.ConvokedToOralExam) => [new ApplicationEvent.ResultRecorded(r.Result, by, r.At)],
            (ApplicationCommand.RecordResult r, ApplicationStage.Decided) when f.Result == r.Result => [],
            (ApplicationCommand.RecordResult, ApplicationStage.Decided) => throw new EmploymentRuleViolated("decided", "The result is already recorded."),
            (ApplicationCommand.RecordResult, _) => throw new EmploymentRuleViolated("not-convoked-to-oral", "A result follows the oral exam."),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown application command."),
        };
    }

    public static ApplicationState Evolve(ApplicationState state, ApplicationEvent @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        var f = state.FileOrNull;
        return @event switch
        {
            ApplicationEvent.Submitted s => new ApplicationState.Active(new JobApplicationFile(s, ApplicationStage.Submitted, null, null, null)),
            ApplicationEvent.Withdrawn => new ApplicationState.Active(f! with { Stage = ApplicationStage.Withdrawn }),
            ApplicationEvent.Preselected p => new ApplicationState.Active(f! with { Stage = p.Accepted ? ApplicationStage.Preselected : ApplicationStage.NotPreselected }),
            ApplicationEvent.ConvokedToWrittenExam c => new ApplicationState.Active(f! with { Stage = ApplicationStage.ConvokedToWrittenExam, WrittenExamAt = c.ExamAt }),
            ApplicationEvent.ConvokedToOralExam c => new ApplicationState.Active(f! with { Stage = ApplicationStage.ConvokedToOralExam, OralExamAt = c.ExamAt }),
            ApplicationEvent.ResultRecorded r => new ApplicationState.Active(f! with { Stage = ApplicationStage.Decided, Result = r.Result }),
            _ => throw new ArgumentOutOfRangeException(nameof(@event), @event.GetType().Name, "Unknown application event."),
        };
    }

    private static ApplicationEvent.Submitted Submit(ApplicationCommand.Submit s, string by)
    {
        var c = s.Context;
        if (s.Actor.Role != Role.Citizen || by != c.CandidateOwner)
        {
            throw new EmploymentRuleViolated("not-owner", "Candidates apply with their own account.");
        }

        if (!c.CandidateVerified)
        {
            throw new EmploymentRuleViolated("candidate-not-verified", "Verify the candidate account before applying.");
        }

        if (!c.CompetitionOpen || s.At > c.Competition.ApplicationDeadline)
        {
            throw new EmploymentRuleViolated("applications-closed", "Applications to this competition are closed.");
        }

        if (s.Electronic && !c.Competition.AcceptsElectronicApplications)
        {
            throw new EmploymentRuleViolated("no-electronic-applications", "This competition does not accept electronic applications.");
        }

        return new ApplicationEvent.Submitted(s.ApplicationId, c.Competition.CompetitionId, c.Competition.AdministrationId, c.CandidateId, c.CandidateOwner, s.Electronic, s.At);
    }
}
