using Idarati.Tests;
using Idarati.EventStore;
using Idarati.EventStore.Projections;

namespace Idarati.Projections.Tests;

internal static class Daemon
{
    /// <summary>Runs <paramref name="projection"/> alone until its checkpoint covers <paramref name="until"/>, then stops it.</summary>
    public static async Task CatchUpAsync(PostgresEventStore store, IProjection projection, long until)
    {
        var daemon = new ProjectionDaemon(store, [projection], new ProjectionDaemonOptions { PollInterval = TimeSpan.FromMilliseconds(20) });
        await daemon.InitializeAsync();
        using var stop = new CancellationTokenSource();
        var running = daemon.RunAsync(stop.Token);
        var deadline = Deadline.In(30);
        while ((await daemon.StatusAsync()).Single(s => s.Name == projection.Name).Position < until)
        {
            Assert.True(!deadline.Passed, $"{projection.Name} did not catch up");
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        await running;
    }
}
