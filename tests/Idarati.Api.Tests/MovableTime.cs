namespace Idarati.Api.Tests;

/// <summary>The system clock moved by <see cref="Offset"/>: a host under test that must see time pass.</summary>
public sealed class MovableTime : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Offset;
}
