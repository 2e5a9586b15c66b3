using Idarati.Application.Administrations;
using Idarati.Application.Handling;
using Idarati.Domain.Complaints;
using Idarati.Domain.Reference;
using Idarati.Domain.Shared;
using Idarati.Application.Audit;
using Idarati.Application.Streams;

namespace Idarati.Application.Complaints;

/// <summary>A complaint as its readers see it, at a version.</summary>
public sealed record ComplaintView(
    Guid Id, string TrackingNumber, ComplaintKind Kind, ComplaintChannel Channel, ComplaintStatus Status,
    string AdministrationId, string CategoryCode, string Subject, string Description, Location Location, Citizen? Citizen,
    DateTimeOffset SubmittedAt, DateTimeOffset AcknowledgementDue, DateTimeOffset AnswerDue, DateTimeOffset? AcknowledgedAt,
    string? PendingQuestion, IReadOnlyList<string> ProvidedInformation, IReadOnlyList<string> TransferredFrom,
    ComplaintEvent.Answered? Answer, ComplaintEvent.Rejected? Rejection, DateTimeOffset? TakenIntoAccountAt,
    DateTimeOffset? ClosedAt, ComplaintEvent.FeedbackGiven? Feedback, int ReopenCount, bool Overdue, string? SourceTicketId, long Version)
{
    /// <summary>When the citizen's personal data was erased (its fields are then null); null while it is held.</summary>
    public DateTimeOffset? PersonalDataErasedAt { get; init; }
}

/// <summary>One event of a complaint's history, as an auditor replays it.</summary>
public sealed record HistoryEntry(long Position, long Version, string Type, DateTimeOffset RecordedAt, string? Actor, System.Text.Json.JsonElement Data, string Hash);

/// <summary>The complaints use cases over the shared command path, with who may see and do what.</summary>
public sealed class ComplaintService(StoredStreams streams, CommandHandler handler, AuditTrail trail, TimeProvider time, Privacy.PersonalDataVault vault, Privacy.PersonalDataAccess access)
{
    /// <summary>Runs an action on a complaint the actor may see; others get 404, as if it did not exist.</summary>
    public async Task<ComplaintView> ActAsync(Guid id, Func<DateTimeOffset, ComplaintCommand> command, CommandContext context, string? accessCode = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(context);
        var result = await handler.HandleAsync(ComplaintDecider.Decider, ComplaintIdentifiers.StreamId(id), command(time.GetUtcNow()), context,
            state => EnsureReadable(state, context.Actor, accessCode), cancellationToken, Notifications.CitizenNotifications.For).ConfigureAwait(false);
        // The state after a command holds personal fields as stored (sealed): the answer reads them back in clear.
        var revealer = await vault.RevealerAsync(result.StreamId, cancellationToken).ConfigureAwait(false);
        var (state, version) = await handler.LoadAsync(ComplaintDecider.Decider, result.StreamId, result.Version, null, revealer, cancellationToken).ConfigureAwait(false);
        await access.RecordAsync(context.Actor, [revealer], cancellationToken).ConfigureAwait(false);
        return View(id, state, version, revealer);
    }

    /// <summary>The complaint now, at a version, or as of a time (auditors' time travel).</summary>
    public async Task<ComplaintView> GetAsync(Guid id, Actor actor, string? accessCode = null, StreamReadOptions? read = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var streamId = ComplaintIdentifiers.StreamId(id);
        // Personal fields are opened with the stream's key (null once erased); only a reader who may see the
        // complaint gets them, and a read by staff is recorded before it is answered.
        var revealer = await vault.RevealerAsync(streamId, cancellationToken).ConfigureAwait(false);
        var (state, version) = await handler.LoadAsync(ComplaintDecider.Decider, streamId, null, null, revealer, cancellationToken).ConfigureAwait(false);
        // Who may read any version is decided on the complaint as it is now: after a transfer the receiver reads its
        // whole past and the former owner none of it.
        EnsureReadable(state, actor, accessCode);
        if (read is not null)
        {
            (state, version) = await handler.LoadAsync(ComplaintDecider.Decider, streamId, read.UpToVersion, read.AsOf, revealer, cancellationToken).ConfigureAwait(false);
            if (state.FileOrNull is null)
            {
                throw new NotFoundException("The complaint at that version or time");
            }
        }

        await access.RecordAsync(actor, [revealer], cancellationToken).ConfigureAwait(false);
        return View(id, state, version, revealer);
    }

    /// <summary>A complaint the actor may not see answers as if it did not exist.</summary>
    private static void EnsureReadable(ComplaintState state, Actor actor, string? accessCode)
    {
        if (state.FileOrNull is not { } file || !CanRead(actor, file, accessCode))
        {
            throw new NotFoundException("The complaint");
        }
    }

    /// <summary>The citizen's door: tracking number and access code, no account needed.</summary>
    /// <summary>Whether <paramref name="actor"/> may read the complaint as it is now; nothing is answered, so no read is recorded (a subscription's check).</summary>
    public async Task<bool> MayReadAsync(Guid id, Actor actor, string? accessCode = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var streamId = ComplaintIdentifiers.StreamId(id);
        var revealer = await vault.RevealerAsync(streamId, cancellationToken).ConfigureAwait(false);
        var (state, _) = await handler.LoadAsync(ComplaintDecider.Decider, streamId, null, null, revealer, cancellationToken).ConfigureAwait(false);
        return state.FileOrNull is { } file && CanRead(actor, file, accessCode);
    }

    public async Task<ComplaintView> GetByTrackingAsync(string trackingNumber, string accessCode, CancellationToken cancellationToken = default)
    {
        var streamId = await handler.FindStreamIdAsync(new StreamKey(ComplaintIdentifiers.TrackingKeyKind, trackingNumber.Trim().ToUpperInvariant()), cancellationToken).ConfigureAwait(false);
        if (streamId is null || ComplaintIdentifiers.FromStreamId(streamId) is not { } id)
        {
            throw new NotFoundException("The complaint");
        }

        return await GetAsync(id, new Actor("anonymous", Role.Citizen), accessCode, null, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(Guid id, Actor actor, CancellationToken cancellationToken = default)
    {
        await GetAsync(id, actor, null, null, cancellationToken).ConfigureAwait(false);
        var events = await streams.ReadAsync(ComplaintIdentifiers.StreamId(id), cancellationToken).ConfigureAwait(false);
        return events.Select(e =>
        {
            using var data = System.Text.Json.JsonDocument.Parse(e.DataJson);
            return new HistoryEntry(e.Sequence, e.Version, e.Type, e.Timestamp, e.Actor, data.RootElement.Clone(), e.Hash);
        }).ToList();
    }

    /// <summary>
    /// Complaints' whole histories with their hashes and each chain's verdict, in one read: auditors and supervisors
    /// read every complaint, anyone else none (404). A complaint that does not exist is left out.
    /// </summary>
    public async Task<IReadOnlyList<ComplaintHistoryExport>> ExportAsync(IReadOnlyList<Guid> ids, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(actor);
        if (actor.Role is not (Role.Auditor or Role.Supervisor))
        {
            throw new NotFoundException("The complaint");
        }

        var read = (await streams.ReadVerifiedAsync([.. ids.Select(ComplaintIdentifiers.StreamId)], cancellationToken).ConfigureAwait(false)).Where(r => r.Events.Count > 0).ToList();
        var placed = await trail.PlaceAsync(read, cancellationToken).ConfigureAwait(false);
        return [.. read.Select((r, i) => ComplaintHistoryExport.From(ComplaintIdentifiers.FromStreamId(r.StreamId)!.Value, r.StreamId, r.Events, r.Verification, placed.Streams[i], placed.Checkpoint))];
    }

    public async Task<HistoryVerification> VerifyAsync(Guid id, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        // Auditors and supervisors verify, and they read every complaint: the stored rows are read once, no fold needed.
        if (actor.Role is not (Role.Auditor or Role.Supervisor))
        {
            throw new NotFoundException("The complaint");
        }

        var stream = (await streams.ReadVerifiedAsync([ComplaintIdentifiers.StreamId(id)], cancellationToken).ConfigureAwait(false))[0];
        if (stream.Events.Count == 0)
        {
            throw new NotFoundException("The complaint");
        }

        return new HistoryVerification(stream.Verification, (await trail.PlaceAsync([stream], cancellationToken).ConfigureAwait(false)).Streams[0].Verification);
    }

    /// <summary>
    /// Supervisors and auditors read every complaint; an agent only its administration's; a citizen the complaints they
    /// submitted or whose access code they hold. Analysts and administrators read none: indicators carry no personal data.
    /// </summary>
    public static bool CanRead(Actor actor, ComplaintFile file, string? accessCode) => actor.Role switch
    {
        Role.Supervisor or Role.Auditor => true,
        Role.Agent => actor.AdministrationId == file.AdministrationId,
        Role.Citizen => ComplaintIdentifiers.AccessCodeMatches(accessCode, file.AccessCodeHash) || SubmittedBy(actor, file),
        _ => false,
    };

    private static bool SubmittedBy(Actor actor, ComplaintFile file) => actor.Id != "anonymous" && file.Citizen is not null && file.SubmitterId == actor.ToString();

    private ComplaintView View(Guid id, ComplaintState state, long version, Privacy.Revealer revealer)
    {
        var f = state.FileOrNull!;
        var now = time.GetUtcNow();
        // The answer period is suspended while the complaint waits for the citizen.
        var overdue = state is ComplaintState.Open && f.AwaitingSince is null && now > f.AnswerDue;
        return new ComplaintView(id, f.TrackingNumber, f.Kind, f.Channel, state.Status!.Value, f.AdministrationId, f.CategoryCode, f.Subject,
            f.Description, f.Location, f.Citizen, f.SubmittedAt, f.AcknowledgementDue, f.AnswerDue, f.AcknowledgedAt, f.PendingQuestion,
            f.ProvidedInformation, f.TransferredFrom, f.Answer, f.Rejection, f.TakenIntoAccountAt, f.ClosedAt, f.Feedback, f.ReopenCount,
            overdue, f.SourceTicketId, version) { PersonalDataErasedAt = revealer.ErasedAt };
    }
}
