using Idarati.Application.Audit;
using Idarati.EventStore;
using JasperFx.Events;
using Marten;

namespace Idarati.Application.Seeding;

/// <summary>Where the synthetic dataset is written: the service's own store, or Marten (issue 14).</summary>
public interface ISeedSink
{
    /// <summary>Creates what is missing and says whether the store is empty (the generator fills an empty one only).</summary>
    Task<bool> PrepareAsync(CancellationToken cancellationToken);

    /// <summary>Writes new streams in one transaction; how many streams and events were written.</summary>
    Task<(int Streams, long Events)> WriteAsync(IReadOnlyList<BulkStream> streams, CancellationToken cancellationToken);
}

/// <summary>The service's own store, through its binary COPY bulk path.</summary>
public sealed class EventStoreSeedSink(PostgresEventStore store) : ISeedSink
{
    public async Task<bool> PrepareAsync(CancellationToken cancellationToken)
    {
        await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
        await using var any = store.DataSource.CreateCommand($"SELECT NOT EXISTS (SELECT FROM {store.Options.Schema}.streams)");
        return (bool)(await any.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<(int Streams, long Events)> WriteAsync(IReadOnlyList<BulkStream> streams, CancellationToken cancellationToken)
    {
        var result = await store.BulkAppendAsync(streams, cancellationToken).ConfigureAwait(false);
        return (result.StreamsWritten, result.EventsWritten);
    }
}

/// <summary>
/// Marten, through its bulk event insert (binary COPY): each stream started with its events sealed by the tamper-evidence
/// chain, its headers (the dataset's label) and the actor as user name.
/// </summary>
public sealed class MartenSeedSink(DocumentStore store, TimeProvider time) : ISeedSink
{
    public async Task<bool> PrepareAsync(CancellationToken cancellationToken)
    {
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
        await using var session = store.QuerySession();
        return !await session.Events.QueryAllRawEvents().AnyAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<(int Streams, long Events)> WriteAsync(IReadOnlyList<BulkStream> streams, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streams);
        var serializer = store.Options.Serializer();
        var now = time.GetUtcNow();
        var actions = new StreamAction[streams.Count];
        for (var i = 0; i < streams.Count; i++)
        {
            var s = streams[i];
            var action = StreamAction.Start(store.Events, s.StreamId, [.. s.Events]);
            foreach (var e in action.Events)
            {
                e.UserName = s.Options?.Actor;
                foreach (var (key, value) in s.Options?.Headers ?? new Dictionary<string, string>())
                {
                    e.SetHeader(key, value);
                }
            }

            TamperEvidence.Seal(serializer, action.Events, s.StreamId, 0, TamperEvidence.Genesis, now);
            actions[i] = action;
        }

        await store.BulkInsertEventsAsync(actions, 1000, cancellationToken).ConfigureAwait(false);
        return (actions.Length, actions.Sum(a => (long)a.Events.Count));
    }
}
