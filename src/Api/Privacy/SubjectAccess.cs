using Idarati.Application.Privacy;
using Idarati.Domain.Shared;
using Idarati.Projections;
using Idarati.Projections.Privacy;
using Marten;

namespace Idarati.Api.Privacy;

/// <summary>One event of a stream that names the person, its personal fields opened (null where erased).</summary>
public sealed record SubjectEvent(long Version, string Type, DateTimeOffset RecordedAt, string? Actor, object Data);

/// <summary>A stream that names the person: its events, and when its personal data was erased if it was.</summary>
public sealed record SubjectStream(string StreamId, DateTimeOffset? PersonalDataErasedAt, IReadOnlyList<SubjectEvent> Events);

/// <summary>
/// The right of access (law 09-08): everything held about one person in one JSON document, each stream that names them
/// with its events in clear, and every recorded read of those streams by staff (as far as the access log's read model has come).
/// </summary>
public sealed record SubjectExport(string Format, DateTimeOffset GeneratedAt, IReadOnlyList<SubjectStream> Streams, IReadOnlyList<PersonalDataReadRow> Reads, Freshness ReadsFreshness)
{
    public const string CurrentFormat = "idarati-subject-access-v1";
}

/// <summary>Builds a person's export: the data-protection officer's door (any identifier) and the citizen's (a complaint they hold the code of).</summary>
public sealed class SubjectAccess(IDocumentStore store, PersonalDataVault vault, PersonalDataErasure subjects, PersonalDataReads reads, PersonalDataAccess access, TimeProvider time)
{
    private const int ReadsPerPage = PersonalDataReads.MaxLimit;

    /// <summary>Every stream the identifiers reach (as an erasure would), for the data-protection officer; the read is on record.</summary>
    public async Task<SubjectExport> ForOfficerAsync(IReadOnlyList<(string Kind, string Value)> identifiers, Actor officer, CancellationToken cancellationToken)
    {
        var streams = await subjects.FindStreamsAsync(identifiers, cancellationToken).ConfigureAwait(false);
        return await ExportAsync(streams, officer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The export of the streams given, their personal fields opened; a staff reader's read is recorded before it is answered.</summary>
    public async Task<SubjectExport> ExportAsync(IReadOnlyList<string> streamIds, Actor reader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streamIds);
        var now = time.GetUtcNow();
        var streams = new List<SubjectStream>();
        var revealers = new List<Revealer>();
        await using (var session = store.QuerySession())
        {
            foreach (var id in streamIds)
            {
                var revealer = await vault.RevealerAsync(id, cancellationToken).ConfigureAwait(false);
                var events = await session.Events.FetchStreamAsync(id, token: cancellationToken).ConfigureAwait(false);
                streams.Add(new SubjectStream(id, revealer.ErasedAt,
                    [.. events.Select(e => new SubjectEvent(e.Version, e.EventTypeName, e.Timestamp, e.UserName, revealer.RevealEvent(e.Data)))]));
                revealers.Add(revealer);
            }
        }

        await access.RecordAsync(reader, revealers, cancellationToken).ConfigureAwait(false);
        var all = new List<PersonalDataReadRow>();
        long? after = null;
        PersonalDataReadPage page;
        do
        {
            page = await reads.ListAsync(streamIds, null, null, null, after, ReadsPerPage, cancellationToken).ConfigureAwait(false);
            all.AddRange(page.Reads);
            after = page.Next;
        }
        while (after is not null && streamIds.Count > 0);

        return new SubjectExport(SubjectExport.CurrentFormat, now, streams, all, page.Freshness.At(now));
    }
}
