using Idarati.Domain.Administrations;
using Idarati.Domain.Complaints;
using Idarati.Projections.Administrations;
using Idarati.Projections.Complaints;
using static Idarati.Domain.Complaints.ComplaintEvent;

namespace Idarati.Projections.Tests;

/// <summary>
/// Text PostgreSQL cannot store (a NUL, a lone surrogate): the API refuses it (ControlCharacterTests), Marten's jsonb
/// refuses it below that, and the projections' cleaning stays for what an import could bring.
/// </summary>
public sealed class UnstorableTextTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Clean_drops_nul_and_replaces_lone_surrogates_only()
    {
        Assert.Equal("Oriental", ReadModelSql.Clean("Ori\0ental"));
        Assert.Equal("a\uFFFDb\uFFFD", ReadModelSql.Clean("a\uD800b\uDC00"));
        const string Fine = "الرباط \U0001F600 Agdal\tRiyad";
        Assert.Same(Fine, ReadModelSql.Clean(Fine));
    }

    [Fact]
    public async Task Text_postgresql_cannot_store_never_enters_the_log_and_stops_no_projection()
    {
        await using var store = await ReadModelStore.CreateAsync(s => [new ComplaintListProjection(s), new AdministrationDirectoryProjection(s)]);
        Submitted Submitted(Guid id, string region) => new(
            id.ToString(), "CHK-2026-" + id.ToString("N")[..5].ToUpperInvariant(), "hash", ComplaintKind.Complaint, ComplaintChannel.Portal, "MIN-SANTE", "HEALTH.WAIT",
            "Objet", "Description", new Location(region, "Oujda-Angad", "Oujda"), null, "Citizen:c", T0, T0.AddDays(7), T0.AddDays(60));

        // Marten keeps bodies as jsonb, which refuses a NUL: the append fails whole.
        var refused = Guid.NewGuid();
        await Assert.ThrowsAnyAsync<Exception>(() => store.AppendAsync($"complaint-{refused:N}", 0, Submitted(refused, "Ori\0ental")));
        Assert.Equal(0L, await store.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.mt_streams WHERE id = 'complaint-{refused:N}'"));

        // A lone surrogate cannot be written as UTF-8: the serializer stores U+FFFD in its place.
        var surrogate = Guid.NewGuid();
        await store.AppendAsync($"complaint-{surrogate:N}", 0, Submitted(surrogate, "Oriental\uD800"));

        var id = "NUL-" + Guid.NewGuid().ToString("N")[..8];
        await Assert.ThrowsAnyAsync<Exception>(() => store.AppendAsync($"administration-{id}", 0,
            new AdministrationEvent.Registered(new AdministrationProfile(id, "إدارة", "Admin\0istration", AdministrationKind.Ministry, "Souss-Massa"), "Admin:a", T0)));

        // The projections go on with what the log holds.
        var after = Guid.NewGuid();
        await store.AppendAsync($"complaint-{after:N}", 0, Submitted(after, "Oriental"));
        await store.CatchUpAsync();
        var rows = (await new ComplaintListQuery(store.DataSource, store.Schema).PageAsync(new ComplaintFilter(null, null, null, null, 100, null), T0)).Items;
        Assert.Equal("Oriental", rows.Single(r => r.Id == after).Region);
        Assert.Equal("Oriental\uFFFD", rows.Single(r => r.Id == surrogate).Region);
        Assert.Equal(0L, await store.ScalarAsync<long>("SELECT count(*) FROM {s}.mt_doc_deadletterevent"));
    }
}
