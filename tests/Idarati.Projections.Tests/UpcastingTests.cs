using Idarati.Application.Audit;
using Idarati.Application.Streams;
using Idarati.Domain.Complaints;
using Idarati.Projections.Complaints;
using Idarati.Tests;
using Marten;
using static Idarati.Domain.Complaints.ComplaintEvent;

namespace Idarati.Projections.Tests;

/// <summary>
/// DESIGN.md: renames and old shapes go through upcasting, and stored rows are never rewritten. No event of ours has
/// been renamed yet, so this proves the route once with an old name and shape an earlier version could have written
/// ("complaint.closed.v0" with "agent" and "on"): read through a Marten upcaster, such an event reaches the deciders'
/// fold and the read models (the daemon fetches by stored names, the old one included), and the tamper-evidence chain,
/// which covers the stored row and not its upcast, still verifies.
/// </summary>
public sealed class UpcastingTests
{
    private const string OldName = "complaint.closed.v0";

    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The old shape, as the earlier version stored it.</summary>
    public sealed record ClosedV0(string Agent, DateTimeOffset On);

    [Fact]
    public async Task An_event_stored_under_an_old_name_and_shape_reads_as_todays_event_everywhere_and_its_chain_still_verifies()
    {
        await using var store = await ReadModelStore.CreateAsync(s => [new ComplaintListProjection(s)],
            options => options.Events.Upcast<ClosedV0, Closed>(OldName, old => new Closed(old.Agent, old.On)));
        var id = Guid.NewGuid();
        var stream = $"complaint-{id:N}";

        // Written by the earlier version: its own store over the same tables, mapping the old shape to the old name.
        using (var earlier = await TestStores.CreateAsync(store.DataSource, store.Schema, options => options.Events.MapEventType<ClosedV0>(OldName)))
        await using (var session = earlier.LightweightSession())
        {
            var started = session.Events.StartStream(stream,
                new Submitted(id.ToString(), "CHK-2026-" + id.ToString("N")[..5].ToUpperInvariant(), "hash", ComplaintKind.Complaint, ComplaintChannel.Portal, "MIN-SANTE", "HEALTH.WAIT",
                    "Objet", "Description", new Location("Oriental", "Oujda-Angad", "Oujda"), null, "Citizen:c", T0, T0.AddDays(7), T0.AddDays(60)),
                new Answered("Réponse", AnswerOutcome.Favourable, "Agent:a", T0.AddDays(10)),
                new ClosedV0("Agent:a", T0.AddDays(12)));
            TamperEvidence.Seal(earlier.Options.Serializer(), started.Events, stream, 0, TamperEvidence.Genesis, T0.AddDays(12));
            await session.SaveChangesAsync();
        }

        Assert.Equal(OldName, await store.ScalarAsync<string>($"SELECT type FROM {{s}}.mt_events WHERE stream_id = '{stream}' AND version = 3"));

        // The command path's fold sees today's event.
        await using (var query = store.Store.QuerySession())
        {
            var events = await query.Events.FetchStreamAsync(stream);
            Assert.Equal(new Closed("Agent:a", T0.AddDays(12)), events[2].Data);
            var state = ComplaintDecider.Decider.Fold(events.Select(e => (ComplaintEvent)e.Data));
            Assert.Equal(ComplaintStatus.Closed, state.Status);
        }

        // The daemon fetched the old name for the list's Closed handler.
        await store.CatchUpAsync();
        var page = await new ComplaintListQuery(store.DataSource, store.Schema).PageAsync(new ComplaintFilter(null, null, null, null, 100, null), T0.AddDays(90));
        var row = page.Items.Single(r => r.Id == id);
        Assert.Equal(("closed", T0.AddDays(12)), (row.Status, row.ClosedAt));

        // The chain covers the row as stored (old name, old body), so reading through the upcaster leaves it intact.
        Assert.Equal(new HashChainVerification(stream, true, null, 3), await new StoredStreams(store.Store, store.DataSource).VerifyAsync(stream));
    }
}
