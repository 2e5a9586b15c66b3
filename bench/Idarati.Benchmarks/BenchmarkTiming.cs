using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Idarati.Benchmarks;

/// <summary>What the in-process scenarios share: waiting for the read models, and the median of timed rounds.</summary>
public static class BenchmarkTiming
{
    /// <summary>Until every projection of the host runs with no lag, so that a measure does not share the daemon's work.</summary>
    public static async Task WaitForProjectionsAsync(IServiceProvider services)
    {
        var monitor = services.GetRequiredService<Idarati.Projections.ProjectionMonitor>();
        while ((await monitor.StatusAsync().ConfigureAwait(false)).Any(p => p.LagEvents > 0 || p.State != Idarati.Projections.ProjectionState.Running))
        {
            await Task.Delay(250).ConfigureAwait(false);
        }
    }

    /// <summary>The median of <paramref name="rounds"/> timed runs, after one untimed run when <paramref name="warmUp"/>.</summary>
    public static async Task<TimeSpan> MedianAsync(int rounds, Func<Task> run, bool warmUp = false)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (warmUp)
        {
            await run().ConfigureAwait(false);
        }

        var times = new List<TimeSpan>(rounds);
        for (var i = 0; i < rounds; i++)
        {
            var clock = Stopwatch.StartNew();
            await run().ConfigureAwait(false);
            times.Add(clock.Elapsed);
        }

        times.Sort();
        return times[times.Count / 2];
    }
}
