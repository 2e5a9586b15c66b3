namespace Idarati.Tests;

/// <summary>
/// How long a test waits for something eventual (a read model catching up, the log's stable bound passing), measured
/// on TimeProvider.System's monotonic timestamps, not read from the wall clock.
/// </summary>
internal readonly struct Deadline
{
    private readonly long _start;
    private readonly TimeSpan _limit;

    private Deadline(TimeSpan limit)
    {
        _start = TimeProvider.System.GetTimestamp();
        _limit = limit;
    }

    public static Deadline In(double seconds) => new(TimeSpan.FromSeconds(seconds));

    public bool Passed => TimeProvider.System.GetElapsedTime(_start) >= _limit;

    /// <summary>
    /// The one way tests wait for something eventual: checks <paramref name="condition"/> every 20 ms until it holds,
    /// and fails naming <paramref name="what"/> when <paramref name="seconds"/> pass first.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, double seconds, string what)
    {
        var deadline = In(seconds);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (!await condition())
        {
            if (deadline.Passed)
            {
                throw new TimeoutException($"Waited {seconds} s for {what}.");
            }

            await tick.WaitForNextTickAsync();
        }
    }
}
