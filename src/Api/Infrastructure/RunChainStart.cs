using Idarati.Application.Handling;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// Starts a recurring job's chain of durable scheduled messages on every node once Wolverine runs: a message for the
/// current run, now. A node that held the chain's next message and died leaves it to this; a node whose message is
/// stale finds its run claimed (<see cref="RunCounter"/>), and its chain ends there.
/// </summary>
public sealed class RunChainStart(RunCounter runs, Func<long, object> first, IServiceScopeFactory scopes, IHostApplicationLifetime lifetime, ILogger<RunChainStart> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _ = StartChainAsync());
        return Task.CompletedTask;
    }

    private async Task StartChainAsync()
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<Wolverine.IMessageBus>()
                .PublishAsync(first(await runs.CurrentRunAsync(lifetime.ApplicationStopping).ConfigureAwait(false))).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            logger.LogError(e, "The {Job} chain did not start on this node; another node's, or the next start, will", runs.Name);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Registers the start of <paramref name="runs"/>'s chain with <paramref name="first"/> as its message for a run.</summary>
    public static void Add(IServiceCollection services, Func<IServiceProvider, RunCounter> runs, Func<long, object> first) =>
        services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<RunChainStart>(sp, runs(sp), first));
}
