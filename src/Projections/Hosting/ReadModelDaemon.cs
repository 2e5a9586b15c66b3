using Marten;

namespace Idarati.Projections;

/// <summary>The settings of Marten's async daemon that every store of the service uses.</summary>
public static class ReadModelDaemon
{
    /// <summary>
    /// How often the daemon looks for new events unless <c>Projections:PollInterval</c> says otherwise: each look costs
    /// every agent a query and a transaction, and 100 ms keeps the lag within its goal (figures: README, Polling).
    /// </summary>
    public static TimeSpan DefaultPollInterval { get; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Polls for new events every <paramref name="poll"/>, busy or idle (Marten's slower defaults and a NOTIFY per
    /// append both measured worse: README, Polling); bad events go to Marten's dead letters and the projection goes on;
    /// gaps are passed only on transaction evidence, so no late commit is ever skipped.
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
