using Idarati.Application.Handling;
using Idarati.Domain.Administrations;
using Idarati.Domain.Reference;
using Idarati.Domain.Shared;
using Idarati.Application.Streams;

namespace Idarati.Application.Administrations;

/// <summary>An administration as listed: its profile and whether it still receives complaints.</summary>
public sealed record AdministrationView(string Id, string NameAr, string NameFr, AdministrationKind Kind, string Region, bool Active, long Version);

/// <summary>Reference data kept as administration streams, registered and deactivated by administrators.</summary>
public sealed class AdministrationService(StoredStreams streams, CommandHandler handler, TimeProvider time)
{
    /// <summary>How long a node may answer from its copy of the list: submissions tolerate a few seconds of staleness.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private volatile Snapshot? _cache;
    private Task<Snapshot>? _refresh;
    private long _generation;

    private sealed record Snapshot(DateTimeOffset ReadAt, Dictionary<string, AdministrationView> ById);

    public static string StreamId(string administrationId) => $"administration-{administrationId}";

    public async Task<IReadOnlyList<AdministrationView>> ListAsync(CancellationToken cancellationToken = default)
    {
        var listed = await streams.LoadListedAsync(AdministrationDecider.StreamType, cancellationToken).ConfigureAwait(false);
        return listed
            .Select(s => (s.Version, State: AdministrationDecider.Decider.Fold(s.Events.Cast<AdministrationEvent>())))
            .Select(x => x.State switch
            {
                AdministrationState.Active a => View(a.Profile, true, x.Version),
                AdministrationState.Inactive i => View(i.Profile, false, x.Version),
                _ => null,
            })
            .OfType<AdministrationView>()
            .OrderBy(a => a.Id, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>An administration from this node's copy of the list (at most <see cref="CacheLifetime"/> old; this node's own changes show at once).</summary>
    public async Task<AdministrationView?> FindCachedAsync(string administrationId, CancellationToken cancellationToken = default)
    {
        var cache = _cache;
        if (cache is null || time.GetUtcNow() - cache.ReadAt > CacheLifetime)
        {
            cache = await RefreshAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        return cache.ById.GetValueOrDefault(administrationId);
    }

    /// <summary>
    /// One read of the list for every caller that finds the copy too old at the same moment (under load, every request
    /// in flight would otherwise read and fold the whole list again). A change made on this node starts a new read.
    /// </summary>
    private Task<Snapshot> RefreshAsync()
    {
        lock (_gate)
        {
            var generation = _generation;
            // Started on the pool, so it cannot finish (and clear _refresh) before it is stored there.
            return _refresh ??= Task.Run(async () =>
            {
                try
                {
                    var readAt = time.GetUtcNow();
                    var list = await ListAsync(CancellationToken.None).ConfigureAwait(false);
                    var snapshot = new Snapshot(readAt, list.ToDictionary(a => a.Id, StringComparer.Ordinal));
                    lock (_gate)
                    {
                        if (_generation == generation)
                        {
                            _cache = snapshot;
                        }
                    }

                    return snapshot;
                }
                finally
                {
                    lock (_gate)
                    {
                        if (_generation == generation)
                        {
                            _refresh = null;
                        }
                    }
                }
            });
        }
    }

    /// <summary>Forgets the copy and any read in flight: this node's own change shows at the next lookup.</summary>
    private void Invalidate()
    {
        lock (_gate)
        {
            _generation++;
            _cache = null;
            _refresh = null;
        }
    }

    /// <summary>Several administrations at once, from one read of the list (for a batch of GraphQL fields).</summary>
    public async Task<IReadOnlyDictionary<string, AdministrationView>> FindManyAsync(IReadOnlyCollection<string> administrationIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(administrationIds);
        var found = new Dictionary<string, AdministrationView>(StringComparer.Ordinal);
        foreach (var id in administrationIds)
        {
            if (await FindCachedAsync(id, cancellationToken).ConfigureAwait(false) is { } view)
            {
                found[id] = view;
            }
        }

        return found;
    }

    public async Task<AdministrationView?> FindAsync(string administrationId, CancellationToken cancellationToken = default)
    {
        var (state, version) = await handler.LoadAsync(AdministrationDecider.Decider, StreamId(administrationId), null, cancellationToken).ConfigureAwait(false);
        return state switch
        {
            AdministrationState.Active a => View(a.Profile, true, version),
            AdministrationState.Inactive i => View(i.Profile, false, version),
            _ => null,
        };
    }

    public async Task<AdministrationView> RegisterAsync(AdministrationProfile profile, CommandContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(context);
        var result = await handler.HandleAsync(AdministrationDecider.Decider, StreamId(profile.Id),
            new AdministrationCommand.Register(context.Actor, time.GetUtcNow(), profile), context, cancellationToken: cancellationToken).ConfigureAwait(false);
        Invalidate();
        return ToView(result);
    }

    public async Task<AdministrationView> DeactivateAsync(string administrationId, string reason, CommandContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = await handler.HandleAsync(AdministrationDecider.Decider, StreamId(administrationId),
            new AdministrationCommand.Deactivate(context.Actor, time.GetUtcNow(), reason), context, cancellationToken: cancellationToken).ConfigureAwait(false);
        Invalidate();
        return ToView(result);
    }

    /// <summary>Registers the default catalogue when no administration exists yet (first start).</summary>
    public async Task EnsureDefaultsAsync(CancellationToken cancellationToken = default)
    {
        if ((await streams.LoadListedAsync(AdministrationDecider.StreamType, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            return;
        }

        var system = new Actor("system", Role.Admin);
        foreach (var profile in Catalogue.DefaultAdministrations)
        {
            try
            {
                await RegisterAsync(profile, new CommandContext(system), cancellationToken).ConfigureAwait(false);
            }
            catch (AdministrationRuleViolated)
            {
                // Another node registered it at the same moment.
            }
        }
    }

    private static AdministrationView ToView(CommandResult<AdministrationState> result) => result.State switch
    {
        AdministrationState.Active a => View(a.Profile, true, result.Version),
        AdministrationState.Inactive i => View(i.Profile, false, result.Version),
        _ => throw new NotFoundException("The administration"),
    };

    private static AdministrationView View(AdministrationProfile p, bool active, long version) =>
        new(p.Id, p.NameAr, p.NameFr, p.Kind, p.Region, active, version);
}
