namespace Idarati.EventStore;

/// <summary>
/// What the writer believes about the stream before it appends. The store refuses the append with
/// <see cref="StreamConcurrencyException"/> when the belief is wrong, and writes nothing.
/// </summary>
public readonly record struct ExpectedVersion
{
    private const long AnyValue = -1;
    private const long StreamExistsValue = -2;

    private ExpectedVersion(long value) => Value = value;

    /// <summary>The wire value: -1 any, -2 the stream must exist, 0 the stream must not exist, n exactly version n.</summary>
    public long Value { get; }

    /// <summary>Append whatever the stream's current version is, creating it when missing.</summary>
    public static ExpectedVersion Any { get; } = new(AnyValue);

    /// <summary>The stream must not exist yet.</summary>
    public static ExpectedVersion NoStream { get; } = new(0);

    /// <summary>The stream must exist, at any version.</summary>
    public static ExpectedVersion StreamExists { get; } = new(StreamExistsValue);

    /// <summary>The stream must be exactly at <paramref name="version"/> (0 means it must not exist).</summary>
    public static ExpectedVersion Exactly(long version)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        return new ExpectedVersion(version);
    }

    public bool IsAny => Value == AnyValue;

    public bool IsNoStream => Value == 0;

    public bool IsStreamExists => Value == StreamExistsValue;

    /// <summary>True when <paramref name="actualVersion"/> (0 for a missing stream) satisfies this expectation.</summary>
    public bool IsSatisfiedBy(long actualVersion) => Value switch
    {
        AnyValue => true,
        StreamExistsValue => actualVersion > 0,
        _ => actualVersion == Value,
    };

    public override string ToString() => Value switch
    {
        AnyValue => "any",
        StreamExistsValue => "stream exists",
        0 => "no stream",
        _ => Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
