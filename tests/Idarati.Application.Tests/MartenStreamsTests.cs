using Idarati.Application.Audit;
using Idarati.Application.Streams;
using Idarati.Domain.Complaints;
using Marten;
using static Idarati.Domain.Complaints.ComplaintEvent;

namespace Idarati.Application.Tests;

/// <summary>
/// The first guarantees proven on Marten (issue 14): stable event names, metadata, time travel by version, and the
/// tamper-evidence chain that survives jsonb, naming the first version an SQL edit changed.
/// </summary>
public sealed class MartenStreamsTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, 123, TimeSpan.Zero);

    private MartenSchema _marten = null!;

    private DocumentStore Store => _marten.Store;

    private Npgsql.NpgsqlDataSource DataSource => _marten.DataSource;

    private string Schema => _marten.Schema;

    public async Task InitializeAsync() => _marten = await MartenSchema.CreateAsync("mt_");

    public async Task DisposeAsync() => await _marten.DisposeAsync();

    private static Submitted Submitted(Guid id) => new(
        id.ToString(), "CHK-2026-" + id.ToString("N")[..5].ToUpperInvariant(), "hash", ComplaintKind.Complaint, ComplaintChannel.Portal, "MIN-SANTE", "HEALTH.WAIT",
        "Attente « urgences »", "Trois heures d'attente — 3 h.", new Location("Rabat-Salé-Kénitra", "Rabat", "Agdal-Riyad"),
        new Citizen("Citoyenne Exemple", "XX000000", "+212600000000", "citoyenne@example.invalid"), "Citizen:c", T0, T0.AddDays(7), T0.AddDays(60));

    /// <summary>
    /// Every name under which an event has been stored. Stored rows are never rewritten, so each name is a promise to
    /// every stream on record: it stays readable for good (DESIGN.md). A renamed or reshaped event keeps its old name
    /// here and reads through a Marten upcaster (<c>options.Events.Upcast</c>); a new event adds its name.
    /// </summary>
    private static readonly string[] NamesOnRecord =
    [
        "administration.deactivated",
        "administration.registered",
        "application.convoked-to-oral-exam",
        "application.convoked-to-written-exam",
        "application.preselection-decided",
        "application.result-recorded",
        "application.submitted",
        "application.withdrawn",
        "candidate.account-created",
        "candidate.verified",
        "competition.applications-closed",
        "competition.published",
        "competition.results-published",
        "complaint.acknowledged",
        "complaint.answered",
        "complaint.closed",
        "complaint.feedback-given",
        "complaint.information-provided",
        "complaint.information-requested",
        "complaint.overdue",
        "complaint.rejected",
        "complaint.reminded",
        "complaint.reopened",
        "complaint.submitted",
        "complaint.taken-into-account",
        "complaint.transferred",
        "personal-data.erased",
        "personal-data.read",
        "ticket.answered",
        "ticket.closed",
        "ticket.escalated-to-complaint",
        "ticket.opened",
    ];

    [Fact]
    public void Every_stored_event_name_on_record_is_still_mapped_to_an_event_type_and_no_type_is_stored_under_a_new_name_unrecorded()
    {
        var mapped = MartenStreams.StoredNames.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);
        var unread = NamesOnRecord.Where(n => !mapped.ContainsKey(n)).ToList();
        var unrecorded = mapped.Keys.Except(NamesOnRecord, StringComparer.Ordinal).ToList();
        Assert.True(unread.Count == 0, $"Stored names no event type reads any more: {string.Join(", ", unread)}");
        Assert.True(unrecorded.Count == 0, $"Event types stored under names not on record: {string.Join(", ", unrecorded)}");
        // And Marten writes each type under that name, never under its CLR name.
        Assert.All(MartenStreams.StoredNames, p => Assert.Equal(p.Value, Store.Events.EventMappingFor(p.Key).EventTypeName));
    }

    [Fact]
    public async Task A_complaint_stream_keeps_stable_names_metadata_and_a_chain_that_names_the_first_tampered_version()
    {
        var id = Guid.NewGuid();
        var stream = $"complaint-{id:N}";
        await using (var session = Store.LightweightSession())
        {
            session.CorrelationId = "correlation-1";
            session.LastModifiedBy = "Citizen:c";
            var started = session.Events.StartStream(stream, Submitted(id), new Acknowledged("MIN-SANTE", "Agent:a", T0.AddDays(1)));
            TamperEvidence.Seal(session, started.Events, stream, 0, TamperEvidence.Genesis, T0);
            await session.SaveChangesAsync();
        }

        await using (var session = Store.LightweightSession())
        {
            var so_far = await session.Events.FetchStreamAsync(stream);
            var previous = so_far[^1].Headers![TamperEvidence.HashHeader].ToString()!;
            // Marten's expected version is the stream's version once the events are appended.
            var appended = session.Events.Append(stream, 3, new Answered("Réponse \"favorable\" : 1.50 €", AnswerOutcome.Favourable, "Agent:a", T0.AddDays(20)));
            TamperEvidence.Seal(session, appended.Events, stream, 2, previous, T0.AddDays(20));
            await session.SaveChangesAsync();
        }

        Assert.Equal(new HashChainVerification(stream, true, null, 3), await new StoredStreams(Store, DataSource).VerifyAsync(stream));
        await using (var query = Store.QuerySession())
        {
            var events = await query.Events.FetchStreamAsync(stream);
            Assert.Equal(["complaint.submitted", "complaint.acknowledged", "complaint.answered"], events.Select(e => e.EventTypeName));
            Assert.IsType<Submitted>(events[0].Data);
            Assert.Equal(("correlation-1", "Citizen:c"), (events[0].CorrelationId, events[0].UserName));
            Assert.Equal(T0.AddDays(20).UtcTicks - (T0.UtcTicks % 10), events[2].Timestamp.UtcTicks);
            Assert.Equal(2, (await query.Events.FetchStreamAsync(stream, version: 2)).Count);
        }

        await using (var edit = DataSource.CreateCommand($"UPDATE {Schema}.mt_events SET data = data || '{{\"forged\": true}}'::jsonb WHERE stream_id = $1 AND version = 2"))
        {
            edit.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = stream });
            Assert.Equal(1, await edit.ExecuteNonQueryAsync());
        }

        Assert.Equal(new HashChainVerification(stream, false, 2, 3), await new StoredStreams(Store, DataSource).VerifyAsync(stream));
    }

    [Fact]
    public async Task Events_sealed_before_v2_keep_verifying_as_they_were_sealed()
    {
        var id = Guid.NewGuid();
        var stream = $"complaint-{id:N}";
        var serializer = Store.Options.Serializer();
        await using (var session = Store.LightweightSession())
        {
            session.LastModifiedBy = "Citizen:c";
            // As the service sealed them before v2: the hash over data, stream, time, type and version, no form header.
            var started = session.Events.StartStream(stream, Submitted(id), new Acknowledged("MIN-SANTE", "Agent:a", T0.AddDays(1)));
            var previous = TamperEvidence.Genesis;
            for (var i = 0; i < started.Events.Count; i++)
            {
                var e = started.Events[i];
                e.Timestamp = T0;
                previous = TamperEvidence.Link(previous, stream, i + 1, e.EventTypeName, TamperEvidence.Micros(T0), serializer.ToJson(e.Data));
                e.SetHeader(TamperEvidence.HashHeader, previous);
            }

            await session.SaveChangesAsync();
        }

        var streams = new StoredStreams(Store, DataSource);
        Assert.Equal(new HashChainVerification(stream, true, null, 2), await streams.VerifyAsync(stream));
        Assert.All(await streams.ReadAsync(stream), e => Assert.Null(e.Envelope()));
        // v1 never covered the actor (v2 does); its data it did.
        await using (var edit = DataSource.CreateCommand($"UPDATE {Schema}.mt_events SET data = data || '{{\"forged\": true}}'::jsonb WHERE stream_id = $1 AND version = 2"))
        {
            edit.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = stream });
            Assert.Equal(1, await edit.ExecuteNonQueryAsync());
        }

        Assert.Equal(new HashChainVerification(stream, false, 2, 2), await streams.VerifyAsync(stream));
    }

    [Fact]
    public async Task The_synthetic_dataset_seeds_through_marten_with_sealed_chains_and_stable_names()
    {
        var result = await new Seeding.SyntheticDataset(new Seeding.MartenSeedSink(Store, TimeProvider.System, Idarati.Tests.TestStores.Vault(Store)),
            new Complaints.ComplaintOptions { AccessCodeSecret = "tests-access-code-secret-of-at-least-32-bytes" }, TimeProvider.System).SeedAsync(Seeding.SeedPlan.AtScale(0.005));

        await using var count = DataSource.CreateCommand($"SELECT count(*), count(DISTINCT stream_id), count(*) FILTER (WHERE type LIKE 'complaint.%') FROM {Schema}.mt_events");
        await using var reader = await count.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((result.Events, (long)result.Streams), (reader.GetInt64(0), reader.GetInt64(1)));
        Assert.True(reader.GetInt64(2) > 1000, $"{reader.GetInt64(2)} complaint events");
        await reader.DisposeAsync();

        await using var sample = DataSource.CreateCommand($"SELECT DISTINCT stream_id FROM {Schema}.mt_events ORDER BY stream_id LIMIT 20");
        await using var streams = await sample.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await streams.ReadAsync())
        {
            ids.Add(streams.GetString(0));
        }

        foreach (var id in ids)
        {
            Assert.True((await new StoredStreams(Store, DataSource).VerifyAsync(id)).Valid, id);
        }

        await Assert.ThrowsAsync<InvalidOperationException>(() => new Seeding.SyntheticDataset(new Seeding.MartenSeedSink(Store, TimeProvider.System, Idarati.Tests.TestStores.Vault(Store)),
            new Complaints.ComplaintOptions { AccessCodeSecret = "tests-access-code-secret-of-at-least-32-bytes" }, TimeProvider.System).SeedAsync(Seeding.SeedPlan.AtScale(0.005)));
    }
}
