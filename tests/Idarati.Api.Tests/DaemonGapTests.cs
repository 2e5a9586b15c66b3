using System.Diagnostics;
using System.Net;
using Idarati.Application.Complaints;
using Idarati.Domain.Complaints;
using Idarati.Tests;
using Marten;
using Marten.Services;
using Microsoft.Extensions.DependencyInjection;

namespace Idarati.Api.Tests;

/// <summary>
/// The gaps in the log, on the service's own host: its store, its daemon settings and its complaint list. A complaint
/// whose transaction commits late, past Marten's stale threshold (3 s) while others commit, is still listed; a
/// rolled-back append holds the list back no longer than that threshold and a little more.
/// </summary>
public sealed class DaemonGapTests
{
    [Fact]
    public async Task A_complaint_committed_late_while_others_commit_is_still_listed()
    {
        await using var node = new ApiFactory();
        var citizen = node.As("citizen", subject: "gap-late");
        var template = await SubmitAsync(citizen);
        var (late, connection, transaction) = await OpenAppendAsync(node, template);
        var others = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            others.Add(await SubmitAsync(citizen));
        }

        // The transaction stays open for 5 s, past the stale threshold, while the complaints after it are committed:
        // the daemon waits for it (the open transaction is its evidence) and never gives up on it.
        var open = Stopwatch.StartNew();
        using (var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(100)))
        {
            while (open.Elapsed < TimeSpan.FromSeconds(5) && await tick.WaitForNextTickAsync())
            {
                Assert.Equal(0, await ListedAsync(node, late));
            }
        }

        await transaction.CommitAsync();
        await connection.DisposeAsync();
        var committed = Stopwatch.StartNew();
        await Deadline.UntilAsync(async () => await ListedAsync(node, [late, .. others]) == others.Count + 1, 30, "the late complaint and those after it to be listed");
        Console.WriteLine($"late commit: listed {committed.Elapsed.TotalSeconds:F2} s after its commit");
    }

    [Fact]
    public async Task A_rolled_back_append_holds_the_complaint_list_back_no_longer_than_the_stale_threshold()
    {
        await using var node = new ApiFactory();
        var citizen = node.As("citizen", subject: "gap-rollback");
        var template = await SubmitAsync(citizen);
        var (_, connection, transaction) = await OpenAppendAsync(node, template);
        var after = await SubmitAsync(citizen);
        await transaction.RollbackAsync();
        await connection.DisposeAsync();
        var rolledBack = Stopwatch.StartNew();

        await Deadline.UntilAsync(async () => await ListedAsync(node, after) == 1, 30, "the complaint list to pass the gap the rollback left");
        Assert.True(rolledBack.Elapsed < TimeSpan.FromSeconds(3 + 5), $"the gap held the list {rolledBack.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine($"rollback: the next complaint listed {rolledBack.Elapsed.TotalSeconds:F2} s after the rollback");
    }

    private static async Task<Guid> SubmitAsync(ScenarioCaller citizen) =>
        (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();

    /// <summary>
    /// A new complaint appended through the service's store in a transaction left open: its sequence number is taken,
    /// its event not yet visible. Its event is <paramref name="template"/>'s submission under a new id.
    /// </summary>
    private static async Task<(Guid Id, Npgsql.NpgsqlConnection Connection, Npgsql.NpgsqlTransaction Transaction)> OpenAppendAsync(ApiFactory node, Guid template)
    {
        var store = node.Services.GetRequiredService<IDocumentStore>();
        ComplaintEvent.Submitted submitted;
        await using (var query = store.QuerySession())
        {
            submitted = (ComplaintEvent.Submitted)(await query.Events.FetchStreamAsync(ComplaintIdentifiers.StreamId(template)))[0].Data;
        }

        var id = Guid.NewGuid();
        var connection = await node.Services.GetRequiredService<Npgsql.NpgsqlDataSource>().OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var session = store.LightweightSession(SessionOptions.ForTransaction(transaction));
        session.Events.StartStream(ComplaintIdentifiers.StreamId(id), submitted with { ComplaintId = id.ToString(), TrackingNumber = "GAP-" + id.ToString("N")[..10] });
        await session.SaveChangesAsync();
        return (id, connection, transaction);
    }

    private static Task<long> ListedAsync(ApiFactory node, params Guid[] ids) =>
        node.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.rm_complaint_list WHERE complaint_id IN ({string.Join(", ", ids.Select(i => $"'{i}'"))})");
}
