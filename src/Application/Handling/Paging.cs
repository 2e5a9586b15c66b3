namespace Idarati.Application.Handling;

/// <summary>How many rows a page may hold, on every list and both doors (REST's limit, GraphQL's first and last).</summary>
public static class Paging
{
    public const int Max = 200;

    public const int Default = 50;

    /// <summary>The page size asked for, or the default; outside 1 to <see cref="Max"/> it is a 400 (BAD_USER_INPUT) naming <paramref name="field"/>.</summary>
    public static int Size(string field, int? asked) =>
        asked is null ? Default
        : asked is >= 1 and <= Max ? asked.Value
        : throw ValidationFailedException.For(field, $"Between 1 and {Max}.");
}
