using Marten;

namespace Idarati.Projections;

/// <summary>The settings of Marten's async daemon that every store of the service uses.</summary>
public static class ReadModelDaemon
{
    /// <summary>
    /// How often the daemon looks for new events unless <c>Projections:PollInterval</c> says otherwise. Each look costs
    /// every agent a query and a transaction, whatever it finds: POST /api/complaints at 8 connections beside raw SQL,
    /// durable cluster, one run each (session 12, with group commit): 0.32 at 50 ms, 0.36 at 100 ms, 0.36 at 200 ms;
    /// 0.37 with no daemon at all. 100 ms keeps the complaint list's lag well under its 250 ms goal (README).
    /// </summary>
    public static TimeSpan DefaultPollInterval { get; } = TimeSpan.FromMilliseconds(100);

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
