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
}
