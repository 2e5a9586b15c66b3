using Idarati.Application.Handling;
using Idarati.Domain.Privacy;
using Idarati.Domain.Shared;

namespace Idarati.Application.Privacy;

/// <summary>
/// The access log of personal data: every read of personal fields by staff is an event (<c>personal-data.read</c>) on
/// an access-log stream of its own, written before the data is answered, so that no read goes unrecorded. One new
/// stream per read joins the command path's group commit: reads never wait on each other's streams.
/// </summary>
public sealed class PersonalDataAccess(CommandHandler handler, TimeProvider time)
{
    private static readonly AsyncLocal<string?> CurrentRoute = new();

    /// <summary>The route the current request came through (set by the host for each request: "GET /api/complaints/{id}", "POST /graphql").</summary>
    public static string? Route
    {
        get => CurrentRoute.Value;
        set => CurrentRoute.Value = value;
    }

    /// <summary>Whether reads by this actor are recorded: staff (agents, supervisors, auditors, data-protection officers), not a citizen reading their own.</summary>
    public static bool Records(Actor actor) => actor?.Role is Role.Agent or Role.Supervisor or Role.Auditor or Role.DataProtectionOfficer;

    /// <summary>Records what the revealers opened, if the actor is staff and anything personal was revealed.</summary>
    public async Task RecordAsync(Actor actor, IReadOnlyList<Revealer> revealed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(revealed);
        await RecordAsync(actor, [.. revealed.Where(r => r.Revealed.Count > 0).Select(r => new StreamRead(r.StreamId, [.. r.Revealed]))], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records that the actor read these fields of these streams, if the actor is staff and there is any.</summary>
    public async Task RecordAsync(Actor actor, IReadOnlyList<StreamRead> streams, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(streams);
        if (!Records(actor) || streams.Count == 0)
        {
            return;
        }

        var at = time.GetUtcNow();
        var read = new PrivacyEvent.PersonalDataRead(actor.ToString(), Route ?? "service", streams, at);
        await handler.HandleAsync(AccessLogDecider.Decider, $"access-{Guid.CreateVersion7(at):N}", new RecordRead(read),
            new CommandContext(actor) { NewStream = true }, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
