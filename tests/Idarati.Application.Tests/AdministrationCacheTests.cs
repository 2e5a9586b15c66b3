using Idarati.Application.Administrations;
using Idarati.Application.Handling;
using Idarati.Domain.Administrations;
using Idarati.Domain.Shared;
using Idarati.Application.Streams;
using Microsoft.Extensions.Time.Testing;

namespace Idarati.Application.Tests;

/// <summary>Each node's copy of the administrations: shared by concurrent lookups, never older than its lifetime, this node's changes at once.</summary>
public sealed class AdministrationCacheTests : IAsyncLifetime
{
    private MartenSchema _marten = null!;

    public async Task InitializeAsync() => _marten = await MartenSchema.CreateAsync("adm_");

    public async Task DisposeAsync() => await _marten.DisposeAsync();

    private static readonly CommandContext Admin = new(new Actor("admin", Role.Admin));

    private static AdministrationProfile Profile(string id) => new(id, "إدارة", "Administration " + id, AdministrationKind.Ministry, "Oriental");

    [Fact]
    public async Task Lookups_share_one_copy_that_is_never_older_than_its_lifetime_and_shows_this_nodes_changes_at_once()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        var (here, there) = (Node(time), Node(time));
        var (first, second) = ("CACHE-" + Guid.NewGuid().ToString("N")[..8], "CACHE-" + Guid.NewGuid().ToString("N")[..8]);

        await here.RegisterAsync(Profile(first), Admin);
        Assert.Equal(first, (await here.FindCachedAsync(first))?.Id);
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => there.FindCachedAsync(first))));
        Assert.All(concurrent, view => Assert.Equal(first, view?.Id));

        await here.RegisterAsync(Profile(second), Admin);
        Assert.NotNull(await here.FindCachedAsync(second));
        Assert.Null(await there.FindCachedAsync(second));
        time.Advance(AdministrationService.CacheLifetime - TimeSpan.FromSeconds(1));
        Assert.Null(await there.FindCachedAsync(second));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(second, (await there.FindCachedAsync(second))?.Id);

        await here.DeactivateAsync(first, "merged", Admin);
        Assert.False((await here.FindCachedAsync(first))!.Active);
    }

    private AdministrationService Node(TimeProvider time) => new(new StoredStreams(_marten.Store, _marten.DataSource), new CommandHandler(_marten.Store, time), time);
}
