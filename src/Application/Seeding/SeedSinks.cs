using Idarati.Application.Audit;
using Idarati.Application.Handling;
using JasperFx.Events;
using Marten;

namespace Idarati.Application.Seeding;

/// <summary>One new stream of the synthetic dataset: its events and what the seed says about them.</summary>
public sealed record SeedStream(string StreamId, string StreamType, IReadOnlyList<object> Events, SeedMetadata Metadata, IReadOnlyList<string?>? Concerns = null);

/// <summary>The seed's actor, its label headers, and the unique keys a stream claims.</summary>
public sealed record SeedMetadata(string Actor, IReadOnlyDictionary<string, string> Headers, IReadOnlyList<StreamKey> Keys);

/// <summary>Where the synthetic dataset is written.</summary>
public interface ISeedSink
{
    /// <summary>Creates what is missing and says whether the store is empty (the generator fills an empty one only).</summary>
    Task<bool> PrepareAsync(CancellationToken cancellationToken);

    /// <summary>Writes new streams in one transaction; how many streams and events were written.</summary>
    Task<(int Streams, long Events)> WriteAsync(IReadOnlyList<SeedStream> streams, CancellationToken cancellationToken);

    /// <summary>Leaves what was written ready to be read: after a bulk import the planner needs the tables' statistics.</summary>
    Task FinishAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Marten, through its bulk event insert (binary COPY): each stream started with its events sealed by the tamper-evidence
/// chain, its headers (the dataset's label) and the actor as user name.
/// </summary>
public sealed class MartenSeedSink(DocumentStore store, TimeProvider time, Privacy.PersonalDataVault vault) : ISeedSink
{
    /// <summary>
    /// One bulk insert at a time (the next chunk is built meanwhile): with two in flight, Marten's daemon on a running
    /// node once passed every event of the first while it was still being copied (AuditExportTests: a chunk of 4,000
    /// complaints never listed, no dead letter, no recorded skip). Written one after the other, each commits before the
    /// next takes its sequence numbers.
    /// </summary>
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public async Task<bool> PrepareAsync(CancellationToken cancellationToken)
    {
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
        await using var session = store.QuerySession();
        return !await session.Events.QueryAllRawEvents().AnyAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<(int Streams, long Events)> WriteAsync(IReadOnlyList<SeedStream> streams, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streams);
        var serializer = store.Options.Serializer();
        var now = time.GetUtcNow();
        var lookupKey = await vault.LookupKeyAsync(cancellationToken).ConfigureAwait(false);
        var actions = new StreamAction[streams.Count];
        var keys = new List<Privacy.SubjectKeyRow>(streams.Count);
        for (var i = 0; i < streams.Count; i++)
        {
            var s = streams[i];
            // Personal fields sealed under a fresh key per stream, as the command path seals them.
            var (events, keyRow) = vault.SealNew(s.StreamId, s.Events, lookupKey);
            if (keyRow is not null)
            {
                keys.Add(keyRow);
            }

            var action = StreamAction.Start(store.Events, s.StreamId, events);
            for (var j = 0; j < action.Events.Count; j++)
            {
                var e = action.Events[j];
                e.UserName = s.Metadata.Actor;
                foreach (var (key, value) in s.Metadata.Headers)
                {
                    e.SetHeader(key, value);
                }

                if (s.Concerns?[j] is { } administration)
                {
                    e.SetHeader(TamperEvidence.AdministrationHeader, administration);
                }
            }

            TamperEvidence.Seal(serializer, action.Events, s.StreamId, 0, TamperEvidence.Genesis, now);
            actions[i] = action;
        }

        await _oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The key rows on a connection of their own, beside the events.
            await Task.WhenAll(store.BulkInsertEventsAsync(actions, 1000, cancellationToken), vault.CopyKeysAsync(keys, cancellationToken)).ConfigureAwait(false);
        }
        finally
        {
            _oneAtATime.Release();
        }

        // The keys and listed streams the command path would have recorded with the events.
        var claims = streams.SelectMany(s => s.Metadata.Keys.Select(k => new StreamKeyClaim(CommandHandler.KeyId(KeyAsClaimed(k, lookupKey)), s.StreamId))).ToList();
        if (claims.Count > 0)
        {
            await store.BulkInsertAsync(claims, Weasel.Core.BulkInsertMode.InsertsOnly, 5000, cancellationToken).ConfigureAwait(false);
        }

        var listed = streams.Where(s => CommandHandler.ListedStreamTypes.Contains(s.StreamType)).Select(s => new ListedStream(s.StreamId, s.StreamType)).ToList();
        if (listed.Count > 0)
        {
            await store.BulkInsertAsync(listed, Weasel.Core.BulkInsertMode.InsertsOnly, 5000, cancellationToken).ConfigureAwait(false);
        }

        return (actions.Length, actions.Sum(a => (long)a.Events.Count));
    }

    /// <summary>A candidate's e-mail and CIN are claimed as their lookup hashes, as the command path claims them.</summary>
    private static StreamKey KeyAsClaimed(StreamKey key, byte[] lookupKey) => key.Kind switch
    {
        JobApplications.EmploymentService.CandidateEmailKey => key with { Value = JobApplications.EmploymentService.EmailKey(lookupKey, key.Value) },
        JobApplications.EmploymentService.CandidateCinKey => key with { Value = JobApplications.EmploymentService.CinKey(lookupKey, key.Value) },
        _ => key,
    };

    /// <summary>
    /// Analyzes the tables the seed filled, as a bulk import should, so that the daemon's reads of the log are planned
    /// with statistics (an outside run saw a node catch up after the seed at a crawl until autovacuum analysed them).
    /// </summary>
    public async Task FinishAsync(CancellationToken cancellationToken)
    {
        var schema = store.Options.DatabaseSchemaName;
        var tables = new[] { "mt_events", "mt_streams", "mt_doc_streamkeyclaim", "mt_doc_listedstream", Privacy.PersonalDataVault.TableName }.Select(t => $"{schema}.{t}");
        await using var session = store.LightweightSession();
        session.QueueSqlCommand($"ANALYZE {string.Join(", ", tables)}");
        await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        await vault.FlushLookupIndexAsync(cancellationToken).ConfigureAwait(false);
    }
}
