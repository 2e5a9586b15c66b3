using Idarati.Domain.Administrations;
using Idarati.Domain.Complaints;
using Idarati.Domain.JobApplications;
using Idarati.EventStore;
using Idarati.EventStore.Tests;
using Idarati.Projections.Administrations;
using Idarati.Projections.Complaints;
using Idarati.Projections.Employment;
using static Idarati.Domain.Complaints.ComplaintEvent;

namespace Idarati.Projections.Tests;

/// <summary>
/// Events already in the log with text PostgreSQL cannot store (a NUL, a lone surrogate), appended straight through
/// the store as an import or an older version could have: every projection stores the text cleaned and goes on.
/// </summary>
public sealed class UnstorableTextTests(StoreFixture fixture) : IClassFixture<StoreFixture>
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
    public async Task Nul_in_a_region_a_title_or_an_administration_stops_no_projection()
    {
        var store = fixture.NewStore(Application.Serialization.RegisterEvents);
        var complaint = Guid.NewGuid();
        var after = Guid.NewGuid();
        Submitted Submitted(Guid id, string region) => new(
            id.ToString(), "CHK-2026-" + id.ToString("N")[..5].ToUpperInvariant(), "hash", ComplaintKind.Complaint, ComplaintChannel.Portal, "MIN-SANTE", "HEALTH.WAIT",
            "Objet\0", "Description", new Location(region, "Oujda-Angad", "Oujda"), null, "Citizen:c", T0, T0.AddDays(7), T0.AddDays(60));
        await store.AppendAsync($"complaint-{complaint:N}", "complaint", StreamHead.New, [Submitted(complaint, "Ori\0ental\uD800")]);
        var last = await store.AppendAsync($"complaint-{after:N}", "complaint", StreamHead.New, [Submitted(after, "Oriental")]);
        await Daemon.CatchUpAsync(store, new ComplaintListProjection(fixture.Schema), last.LastPosition!.Value);
        var rows = (await new ComplaintListQuery(fixture.DataSource, fixture.Schema).PageAsync(new ComplaintFilter(null, null, null, null, 100, null), T0)).Items;
        Assert.Equal("Oriental\uFFFD", rows.Single(r => r.Id == complaint).Region);
        Assert.Equal("Oriental", rows.Single(r => r.Id == after).Region);

        var competition = Guid.NewGuid();
        var published = await store.AppendAsync($"competition-{competition:N}", "competition", StreamHead.New,
            [new CompetitionEvent.Published(new CompetitionDetails(competition.ToString(), "MIN-FINANCES", "Adminis\0trateurs", "Gr\0ade", 3, T0.AddDays(20), true), "Agent:a", T0)]);
        await Daemon.CatchUpAsync(store, new EmploymentProjection(fixture.Schema), published.LastPosition!.Value);
        Assert.Equal("Administrateurs", await fixture.ScalarAsync<string>($"SELECT title FROM {{s}}.rm_competitions WHERE competition_id = '{competition}'"));

        var id = "NUL-" + Guid.NewGuid().ToString("N")[..8];
        var registered = await store.AppendAsync($"administration-{id}", "administration", StreamHead.New,
            [new AdministrationEvent.Registered(new AdministrationProfile(id, "إدارة", "Admin\0istration", AdministrationKind.Ministry, "Sou\0ss-Massa"), "Admin:a", T0)]);
        await Daemon.CatchUpAsync(store, new AdministrationDirectoryProjection(fixture.Schema), registered.LastPosition!.Value);
        Assert.Equal("Souss-Massa", await fixture.ScalarAsync<string>($"SELECT region FROM {{s}}.rm_administrations WHERE administration_id = '{id}'"));
    }
}
