using Idarati.Application;
using System.Security.Cryptography;
using System.Text;
using Idarati.Application.Handling;
using Idarati.Domain.JobApplications;
using Idarati.Domain.Shared;

namespace Idarati.Application.JobApplications;

public sealed record CompetitionView(Guid Id, string AdministrationId, string Title, string Grade, int Posts, DateTimeOffset ApplicationDeadline, bool AcceptsElectronicApplications, string Status, long Version);

/// <summary>A candidate account; the identity is null for readers who may not see personal data (administrators).</summary>
public sealed record CandidateView(Guid Id, string? FullName, string? NationalId, string? Email, bool Verified, long Version);

public sealed record ApplicationView(Guid Id, Guid CompetitionId, Guid CandidateId, bool Electronic, ApplicationStage Stage, DateTimeOffset SubmittedAt,
    DateTimeOffset? WrittenExamAt, DateTimeOffset? OralExamAt, ExamResult? Result, long Version);

/// <summary>emploi-public.ma: competitions, candidate accounts and electronic applications over the shared command path.</summary>
public sealed class EmploymentService(CommandHandler handler, TimeProvider time, Privacy.PersonalDataVault vault, Privacy.PersonalDataAccess access)
{
    public const string CandidateEmailKey = "candidate-email";

    /// <summary>One account per national identity, as emploi-public.ma keeps it.</summary>
    public const string CandidateCinKey = "candidate-cin";

    /// <summary>The unique key a candidate's e-mail claims: its lookup hash, never the address.</summary>
    public static string EmailKey(byte[] lookupKey, string email) => Privacy.PersonalDataVault.Lookup(lookupKey, "email", email);

    /// <summary>The unique key a candidate's CIN claims: the lookup hash of its normalised spelling, never the number.</summary>
    public static string CinKey(byte[] lookupKey, string nationalId) => Privacy.PersonalDataVault.Lookup(lookupKey, "cin", nationalId);

    /// <summary>The unique keys an account claims with its first event, each as the field a second account would be refused on.</summary>
    public static IReadOnlyList<(StreamKey Key, string Field)> CandidateKeys(byte[] lookupKey, CandidateIdentity identity)
    {
        ArgumentNullException.ThrowIfNull(identity);
        return [(new StreamKey(CandidateEmailKey, EmailKey(lookupKey, identity.Email)), "email"), (new StreamKey(CandidateCinKey, CinKey(lookupKey, identity.NationalId)), "nationalId")];
    }

    public static string CompetitionStream(Guid id) => $"competition-{id:N}";

    public static string CandidateStream(Guid id) => $"candidate-{id:N}";

    /// <summary>One application per candidate and competition: the stream id is derived from both, so a second one finds it.</summary>
    public static Guid ApplicationId(Guid competitionId, Guid candidateId) =>
        new(ReusableHash.Sha256(Encoding.UTF8.GetBytes($"application:{competitionId:N}:{candidateId:N}")).AsSpan(0, 16));

    public static string ApplicationStream(Guid id) => $"application-{id:N}";

    public async Task<CompetitionView> PublishAsync(CompetitionDetails details, CommandContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(details);
        ArgumentNullException.ThrowIfNull(context);
        var id = Guid.Parse(details.CompetitionId);
        var result = await handler.HandleAsync(CompetitionDecider.Decider, CompetitionStream(id), new CompetitionCommand.Publish(context.Actor, time.GetUtcNow(), details),
            context with { NewStream = context.CommandId is null }, cancellationToken: cancellationToken).ConfigureAwait(false);
        return View(id, result.State, result.Version);
    }

    public Guid NewId(CommandContext context, string purpose)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.CommandId is { } c ? new Guid(ReusableHash.Sha256(Encoding.UTF8.GetBytes($"{purpose}:{c:N}")).AsSpan(0, 16)) : Guid.CreateVersion7(time.GetUtcNow());
    }

    public async Task<CompetitionView> ActOnCompetitionAsync(Guid id, Func<DateTimeOffset, CompetitionCommand> command, CommandContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(context);
        var result = await handler.HandleAsync(CompetitionDecider.Decider, CompetitionStream(id), command(time.GetUtcNow()), context,
            state => _ = state.DetailsOrNull ?? throw new NotFoundException("The competition"), cancellationToken).ConfigureAwait(false);
        return View(id, result.State, result.Version);
    }

    /// <summary>Competitions are public: anyone reads them.</summary>
    public async Task<CompetitionView> GetCompetitionAsync(Guid id, CancellationToken cancellationToken = default)
    {
        var (state, version) = await handler.LoadAsync(CompetitionDecider.Decider, CompetitionStream(id), null, cancellationToken).ConfigureAwait(false);
        return state.DetailsOrNull is null ? throw new NotFoundException("The competition") : View(id, state, version);
    }

    public async Task<CandidateView> CreateCandidateAsync(CandidateIdentity identity, CommandContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(context);
        var id = NewId(context, "candidate");
        // The e-mail and the CIN are claimed, as keyed hashes (the lookup index's), in the transaction of the account's
        // first event: two accounts racing for either get one account and one refusal.
        var keys = CandidateKeys(await vault.LookupKeyAsync(cancellationToken).ConfigureAwait(false), identity);
        try
        {
            var result = await handler.HandleAsync(CandidateDecider.Decider, CandidateStream(id), new CandidateCommand.CreateAccount(context.Actor, time.GetUtcNow(), id.ToString(), identity),
                context with { NewStream = context.CommandId is null, Keys = [.. keys.Select(k => k.Key)] }, cancellationToken: cancellationToken).ConfigureAwait(false);
            return await CandidateAsync(id, result.Version, context.Actor, cancellationToken).ConfigureAwait(false);
        }
        catch (DuplicateStreamKeyException e)
        {
            var field = keys.FirstOrDefault(k => k.Key == e.Key).Field;
            throw field == "nationalId"
                ? new UniqueValueTakenException("nationalId", "An account with this national identity number (CIN) already exists.", e)
                : new UniqueValueTakenException("email", "An account with this e-mail address already exists.", e);
        }
    }

    public async Task<CandidateView> VerifyCandidateAsync(Guid id, CommandContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = await handler.HandleAsync(CandidateDecider.Decider, CandidateStream(id), new CandidateCommand.Verify(context.Actor, time.GetUtcNow()), context,
            state => EnsureReadable(state, context.Actor), cancellationToken).ConfigureAwait(false);
        return await CandidateAsync(id, result.Version, context.Actor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A candidate account: the candidate, administrators, supervisors and auditors; the identity not to administrators.</summary>
    public async Task<CandidateView> GetCandidateAsync(Guid id, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        return await CandidateAsync(id, null, actor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The account at a version, its identity opened for a reader who may see it (a read by staff is recorded first).</summary>
    private async Task<CandidateView> CandidateAsync(Guid id, long? version, Actor actor, CancellationToken cancellationToken)
    {
        var stream = CandidateStream(id);
        var revealer = await vault.RevealerAsync(stream, cancellationToken).ConfigureAwait(false);
        var (state, at) = await handler.LoadAsync(CandidateDecider.Decider, stream, version, null, revealer, cancellationToken).ConfigureAwait(false);
        EnsureReadable(state, actor);
        var view = CandidateViewOf(id, state, at, actor);
        if (view.FullName is not null || view.Email is not null)
        {
            await access.RecordAsync(actor, [revealer], cancellationToken).ConfigureAwait(false);
        }

        return view;
    }

    private static void EnsureReadable(CandidateState state, Actor actor)
    {
        if (state.AccountOrNull is not { } account || !(actor.Role is Role.Admin or Role.Supervisor or Role.Auditor || account.Owner == actor.ToString()))
        {
            throw new NotFoundException("The candidate");
        }
    }

    public async Task<ApplicationView> ApplyAsync(Guid competitionId, Guid candidateId, CommandContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (competition, _) = await handler.LoadAsync(CompetitionDecider.Decider, CompetitionStream(competitionId), null, cancellationToken).ConfigureAwait(false);
        var (candidate, _) = await handler.LoadAsync(CandidateDecider.Decider, CandidateStream(candidateId), null, cancellationToken).ConfigureAwait(false);
        if (competition.DetailsOrNull is not { } details)
        {
            throw ValidationFailedException.For("competitionId", "No competition has this id.");
        }

        if (candidate.AccountOrNull is not { } account || account.Owner != context.Actor.ToString())
        {
            throw ValidationFailedException.For("candidateId", "No candidate account of yours has this id.");
        }

        var id = ApplicationId(competitionId, candidateId);
        var applicationContext = new ApplicationContext(details, competition is CompetitionState.Open, candidateId.ToString(), account.Owner, candidate is CandidateState.VerifiedAccount);
        var result = await handler.HandleAsync(ApplicationDecider.Decider, ApplicationStream(id),
            new ApplicationCommand.Submit(context.Actor, time.GetUtcNow(), id.ToString(), applicationContext, Electronic: true), context, cancellationToken: cancellationToken).ConfigureAwait(false);
        return ApplicationViewOf(id, result.State, result.Version);
    }

    public async Task<ApplicationView> ActOnApplicationAsync(Guid id, Func<DateTimeOffset, ApplicationCommand> command, CommandContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(context);
        var result = await handler.HandleAsync(ApplicationDecider.Decider, ApplicationStream(id), command(time.GetUtcNow()), context,
            state => EnsureReadable(state, context.Actor), cancellationToken).ConfigureAwait(false);
        return ApplicationViewOf(id, result.State, result.Version);
    }

    /// <summary>The candidate, the competition's administration, supervisors and auditors read an application.</summary>
    public async Task<ApplicationView> GetApplicationAsync(Guid id, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var (state, version) = await handler.LoadAsync(ApplicationDecider.Decider, ApplicationStream(id), null, cancellationToken).ConfigureAwait(false);
        EnsureReadable(state, actor);
        return ApplicationViewOf(id, state, version);
    }

    private static void EnsureReadable(ApplicationState state, Actor actor)
    {
        var visible = state.FileOrNull is { } f && (actor.Role is Role.Supervisor or Role.Auditor
            || (actor.Role == Role.Agent && actor.AdministrationId == f.Submission.AdministrationId)
            || f.Submission.CandidateOwner == actor.ToString());
        if (!visible)
        {
            throw new NotFoundException("The application");
        }
    }

    private static CompetitionView View(Guid id, CompetitionState state, long version)
    {
        var d = state.DetailsOrNull!;
        var status = state switch
        {
            CompetitionState.Open => "open",
            CompetitionState.Closed => "closed",
            _ => "resultsPublished",
        };
        return new CompetitionView(id, d.AdministrationId, d.Title, d.Grade, d.Posts, d.ApplicationDeadline, d.AcceptsElectronicApplications, status, version);
    }

    /// <summary>Personal data reaches the candidate, supervisors and auditors; administrators and analysts never see it.</summary>
    public static bool SeesIdentity(Actor actor, CandidateAccount account) =>
        actor.Role is Role.Supervisor or Role.Auditor || account.Owner == actor.ToString();

    private static CandidateView CandidateViewOf(Guid id, CandidateState state, long version, Actor reader)
    {
        var a = state.AccountOrNull!;
        var identity = SeesIdentity(reader, a) ? a.Identity : null;
        return new CandidateView(id, identity?.FullName, identity?.NationalId, identity?.Email, state is CandidateState.VerifiedAccount, version);
    }

    private static ApplicationView ApplicationViewOf(Guid id, ApplicationState state, long version)
    {
        var f = state.FileOrNull!;
        return new ApplicationView(id, Guid.Parse(f.Submission.CompetitionId), Guid.Parse(f.Submission.CandidateId), f.Submission.Electronic, f.Stage, f.Submission.SubmittedAt,
            f.WrittenExamAt, f.OralExamAt, f.Result, version);
    }
}
