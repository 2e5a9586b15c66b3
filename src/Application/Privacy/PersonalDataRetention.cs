using Idarati.Application.Handling;
using Idarati.Domain.Shared;
using Microsoft.Extensions.Logging;
using Npgsql;
using Wolverine;

namespace Idarati.Application.Privacy;

/// <summary>
/// How long personal data is kept, per stream kind (<c>PersonalData:Retention:&lt;kind&gt;</c>, days after the stream
/// was closed), and how often the sweep runs (<c>PersonalData:RetentionSweepEvery</c>).
/// </summary>
public sealed record RetentionPolicy(IReadOnlyDictionary<string, int> DaysAfterClosing, TimeSpan SweepEvery)
{
    public const string Complaints = "complaint";
    public const string Tickets = "call-center-ticket";

    /// <summary>Five years after closing, by default: the administrations' own archives keep the case, not the person.</summary>
    public const int DefaultDays = 1826;
}

/// <summary>The next sweep of the retention policy; <see cref="Run"/> is the sweep's number, claimed once.</summary>
public sealed record RetentionSweep(long Run);

/// <summary>
/// Carries out the retention policy: erases the personal data of streams closed longer than their kind keeps it, through
/// the same erasure as the data-protection officer's (reason "retention: …"). Sweeps are Wolverine scheduled messages,
/// durable in PostgreSQL, so they survive restarts; each carries its run number, claimed once (<see cref="RunCounter"/>).
/// </summary>
public sealed class PersonalDataRetention(NpgsqlDataSource dataSource, PersonalDataErasure erasure, RetentionPolicy policy, string schema, TimeProvider time)
{
    private static readonly Actor Retention = new("service:retention", Role.DataProtectionOfficer);

    public RetentionPolicy Policy => policy;

    /// <summary>The sweeps' run numbers.</summary>
    public RunCounter Runs { get; } = new(dataSource, schema, "retention", time);

    /// <summary>Erases what the policy no longer keeps, as of the service's clock; the streams erased.</summary>
    public async Task<IReadOnlyList<string>> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var erased = new List<string>();
        foreach (var (kind, table, prefix) in new[] { (RetentionPolicy.Complaints, "rm_complaint_list", "complaint-"), (RetentionPolicy.Tickets, "rm_ticket_list", "ticket-") })
        {
            if (!policy.DaysAfterClosing.TryGetValue(kind, out var days))
            {
                continue;
            }

            var id = prefix == "complaint-" ? "complaint_id" : "ticket_id";
            var due = new List<string>();
            await using (var command = dataSource.CreateCommand($"""
                SELECT k.stream_id FROM {schema}.{table} r JOIN {schema}.{PersonalDataVault.TableName} k ON k.stream_id = '{prefix}' || replace(r.{id}::text, '-', '')
                 WHERE r.closed_at <= $1 AND k.wrapped IS NOT NULL
                """))
            {
                command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now.AddDays(-days) });
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    due.Add(reader.GetString(0));
                }
            }

            if (due.Count > 0)
            {
                erased.AddRange((await erasure.EraseStreamsAsync(due, $"retention: {kind} closed more than {days} days ago", Retention, cancellationToken).ConfigureAwait(false)).Streams);
            }
        }

        return erased;
    }
}

/// <summary>Wolverine's handler of <see cref="RetentionSweep"/>: the run's one claimant sweeps, then schedules the next run.</summary>
public static class RetentionSweepHandler
{
    public static async Task Handle(RetentionSweep sweep, PersonalDataRetention retention, IMessageContext context, ILogger<RetentionSweep> logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        ArgumentNullException.ThrowIfNull(retention);
        ArgumentNullException.ThrowIfNull(context);
        var claimed = await retention.Runs.RunOnceAsync(sweep.Run, async token =>
        {
            var erased = await retention.SweepAsync(token).ConfigureAwait(false);
            if (erased.Count > 0)
            {
                logger.LogInformation("Retention sweep {Run}: the personal data of {Count} streams erased", sweep.Run, erased.Count);
            }
        }, logger, cancellationToken).ConfigureAwait(false);
        if (claimed)
        {
            await context.ScheduleAsync(new RetentionSweep(sweep.Run + 1), retention.Policy.SweepEvery).ConfigureAwait(false);
        }
    }
}
