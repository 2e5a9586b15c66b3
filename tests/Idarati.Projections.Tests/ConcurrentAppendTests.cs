using Idarati.Domain.Complaints;
using Idarati.Projections.Complaints;
using static Idarati.Domain.Complaints.ComplaintEvent;

namespace Idarati.Projections.Tests;

/// <summary>
/// No event is skipped by the read models under concurrent appends, with the daemon running and some appends rolled
/// back (each leaves a gap in Marten's sequence): every committed complaint is listed exactly once.
/// </summary>
public sealed class ConcurrentAppendTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Eight_writers_with_rolled_back_appends_between_them_lose_nothing_and_count_nothing_twice()
    {
        await using var store = await ReadModelStore.CreateAsync(s => [new ComplaintListProjection(s)]);
        using var daemon = await store.Store.BuildProjectionDaemonAsync();
        await daemon.StartAllAsync();
        var committed = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                var id = Guid.NewGuid();
                var submitted = new Submitted(id.ToString(), "CHK-2026-" + id.ToString("N")[..8].ToUpperInvariant(), "hash", ComplaintKind.Complaint, ComplaintChannel.Portal,
                    "MIN-SANTE", "HEALTH.WAIT", "Objet", "Description", new Location("Oriental", "Oujda-Angad", "Oujda"), null, "Citizen:c", T0, T0.AddDays(7), T0.AddDays(60));
                if (writer < 2 && i == 50)
                {
                    // Takes its sequence number, then fails: the same stream started twice in one session.
                    await Assert.ThrowsAnyAsync<Exception>(async () =>
                    {
                        await using var session = store.Store.LightweightSession();
                        session.Events.StartStream($"complaint-{id:N}", submitted);
                        session.Events.StartStream($"complaint-{id:N}", submitted);
                        await session.SaveChangesAsync();
                    });
                    continue;
                }

                await store.AppendAsync($"complaint-{id:N}", 0, submitted);
                committed.Add(id);
            }
        })));

        await daemon.WaitForNonStaleData(TimeSpan.FromSeconds(60));
        await daemon.StopAllAsync();
        Assert.Equal(798, committed.Count);
        Assert.Equal(798L, await store.ScalarAsync<long>("SELECT count(*) FROM {s}.rm_complaint_list"));
        Assert.Equal(798L, await store.ScalarAsync<long>("SELECT count(DISTINCT complaint_id) FROM {s}.rm_complaint_list"));
        // The failed appends reached the server and took sequence numbers (Marten fills them with tombstones).
        Assert.True(await store.ScalarAsync<long>("SELECT count(*) FROM {s}.mt_events WHERE type = 'tombstone'") >= 2);
    }
}
