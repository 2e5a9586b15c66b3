using Idarati.Tests;
using Idarati.Domain.Complaints;
using Idarati.Projections.Complaints;
using static Idarati.Domain.Complaints.ComplaintEvent;

namespace Idarati.Projections.Tests;

/// <summary>Given events in Marten, its daemon builds the expected rows through our projection, and a rebuild builds the same ones.</summary>
public sealed class ComplaintListProjectionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static Submitted Submitted(Guid id, string administration) => new(
        id.ToString(), "CHK-2026-" + id.ToString("N")[..5].ToUpperInvariant(), "hash", ComplaintKind.Complaint, ComplaintChannel.Portal, administration, "HEALTH.WAIT",
        "Objet", "Description", new Location("Oriental", "Oujda-Angad", "Oujda"), new Citizen("Nadia", "Z1", "0600", "n@example.ma"), "Citizen:c", T0, T0.AddDays(7), T0.AddDays(60));

    private static async Task<ComplaintPage> ProjectAsync(ReadModelStore store)
    {
        await store.CatchUpAsync();
        return await new ComplaintListQuery(store.DataSource, store.Schema).PageAsync(new ComplaintFilter(null, null, null, null, 100, null), T0.AddDays(90));
    }

    [Fact]
    public async Task Events_become_rows_with_dates_status_counts_and_no_personal_data()
    {
        await using var store = await ReadModelStore.CreateAsync(s => [new ComplaintListProjection(s)]);
        var answered = Guid.NewGuid();
        var transferredAndLate = Guid.NewGuid();
        await store.AppendAsync($"complaint-{answered:N}", 0,
        [
            Submitted(answered, "MIN-SANTE"),
            new Acknowledged("MIN-SANTE", "Agent:a", T0.AddDays(1)),
            new Answered("Réponse", AnswerOutcome.PartiallyFavourable, "Agent:a", T0.AddDays(20)),
            new FeedbackGiven(false, null, T0.AddDays(21)),
            new Reopened("Encore", 1, T0.AddDays(22)),
            new Answered("Réponse 2", AnswerOutcome.Favourable, "Agent:a", T0.AddDays(30)),
            new ComplaintEvent.Closed("Agent:a", T0.AddDays(31)),
        ]);
        await store.AppendAsync($"complaint-{transferredAndLate:N}", 0,
        [
            Submitted(transferredAndLate, "MIN-SANTE"),
            new Transferred("MIN-SANTE", "MIN-EDUCATION", "Compétence", "Agent:a", T0.AddDays(2)),
        ]);

        var page = await ProjectAsync(store);
        var last = await store.ScalarAsync<long>("SELECT max(seq_id) FROM {s}.mt_events");

        var a = page.Items.Single(r => r.Id == answered);
        Assert.Equal(("closed", "MIN-SANTE", 1, false), (a.Status, a.AdministrationId, a.ReopenCount, a.Satisfied));
        Assert.Equal((T0.AddDays(1), T0.AddDays(20), T0.AddDays(31)), (a.AcknowledgedAt, a.AnsweredAt, a.ClosedAt));
        Assert.False(a.Overdue);
        var t = page.Items.Single(r => r.Id == transferredAndLate);
        Assert.Equal(("received", "MIN-EDUCATION"), (t.Status, t.AdministrationId));
        Assert.True(t.Overdue);
        Assert.True(page.Position >= last, "the page covers the last event");
        Assert.DoesNotContain(page.Items, r => r.ToString().Contains("Nadia", StringComparison.Ordinal));

        // The transfer is kept with its two administrations and its time (a department's transfers in and out).
        Assert.Equal("MIN-SANTE>MIN-EDUCATION", await store.ScalarAsync<string>("SELECT string_agg(from_administration || '>' || to_administration, ',') FROM {s}.rm_complaint_transfers"));

        // Replaying from zero with Marten's rebuild gives the same rows, the list's indexes kept (its key, four for the
        // list's filters, the deadlines' watch's).
        async Task<long> IndexCount() =>
            await store.ScalarAsync<long>("SELECT count(*) FROM pg_indexes WHERE schemaname = '{s}' AND tablename = 'rm_complaint_list'");
        Assert.Equal(6, await IndexCount());
        await store.ScalarAsync<int>("UPDATE {s}.rm_complaint_list SET status = 'forged' RETURNING 1");
        await store.RebuildAsync(ComplaintListProjection.ProjectionName);
        Assert.Equal(6, await IndexCount());
        Assert.Equal(1L, await store.ScalarAsync<long>("SELECT count(*) FROM {s}.rm_complaint_transfers"));
        var rebuilt = await ProjectAsync(store);
        Assert.Equal(page.Items.OrderBy(r => r.Id), rebuilt.Items.OrderBy(r => r.Id));
    }
}

/// <summary>Response times computed from the list read model built by Marten's daemon.</summary>
public sealed class ResponseTimeIndicatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Days_to_acknowledge_and_answer_with_median_p90_and_share_within_deadline()
    {
        await using var store = await ReadModelStore.CreateAsync(s => [new ComplaintListProjection(s)]);
        foreach (var (ack, answer) in new (int Ack, int? Answer)[] { (1, 10), (3, 70), (2, null) })
        {
            var id = Guid.NewGuid();
            List<object> events =
            [
                new Submitted(id.ToString(), "CHK-" + id.ToString("N")[..8], "h", ComplaintKind.Complaint, ComplaintChannel.Portal, "MIN-SANTE", "HEALTH.CARE",
                    "s", "d", new Location("r", "p", "c"), null, "Citizen:c", T0, T0.AddDays(7), T0.AddDays(60)),
                new Acknowledged("MIN-SANTE", "Agent:a", T0.AddDays(ack)),
            ];
            if (answer is { } days)
            {
                events.Add(new Answered("a", AnswerOutcome.Favourable, "Agent:a", T0.AddDays(days)));
            }

            await store.AppendAsync($"complaint-{id:N}", 0, [.. events]);
        }

        await store.CatchUpAsync();
        var indicators = new Indicators.ResponseTimeIndicators(store.DataSource, store.Schema);
        var report = await indicators.ReportAsync("administration", T0.AddDays(100));
        Assert.Equal(await store.ScalarAsync<long>("SELECT max(seq_id) FROM {s}.mt_events WHERE type LIKE 'complaint.%'"), report.Position);
        var row = report.Rows.Single();
        Assert.Equal("MIN-SANTE", row.Group);
        Assert.Equal((3L, 2.0, 2.0, 2.8), (row.Acknowledged, row.AcknowledgeMeanDays, row.AcknowledgeMedianDays, row.AcknowledgeP90Days));
        Assert.Equal((2L, 40.0, 40.0, 64.0, 50.0), (row.Answered, row.AnswerMeanDays, row.AnswerMedianDays, row.AnswerP90Days, row.AnsweredWithinDeadlinePercent));
        Assert.Equal(row with { Group = "total" }, report.Total);
        Assert.Equal("2026-01", (await indicators.ReportAsync("month", T0.AddDays(100))).Rows.Single().Group);

        // As of day 20: all three acknowledged, only the answer of day 10 given, within its deadline.
        var then = (await indicators.ReportAsync("administration", T0.AddDays(20))).Rows.Single();
        Assert.Equal((3L, 1L, 10.0, 100.0), (then.Acknowledged, then.Answered, then.AnswerMedianDays, then.AnsweredWithinDeadlinePercent));
        Assert.Empty((await indicators.ReportAsync("administration", T0.AddDays(-1))).Rows);
    }
}
