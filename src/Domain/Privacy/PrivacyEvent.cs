namespace Idarati.Domain.Privacy;

/// <summary>
/// Facts about personal data itself, appended to the streams they concern (any kind) or to access-log streams. They carry
/// no personal data: streams are named by id, people never.
/// </summary>
public abstract record PrivacyEvent
{
    private PrivacyEvent()
    {
    }

    /// <summary>The data subject's key for this stream was destroyed: its personal fields can never be read again.</summary>
    public sealed record PersonalDataErased(string ErasedBy, string Reason, DateTimeOffset ErasedAt) : PrivacyEvent;

    /// <summary>Staff read personal fields of these streams: who, through which route, when, and which fields of each.</summary>
    public sealed record PersonalDataRead(string ReadBy, string Route, IReadOnlyList<StreamRead> Streams, DateTimeOffset ReadAt) : PrivacyEvent;

    public static IReadOnlyDictionary<Type, string> StoredNames { get; } = new Dictionary<Type, string>
    {
        [typeof(PersonalDataErased)] = "personal-data.erased",
        [typeof(PersonalDataRead)] = "personal-data.read",
    };
}

/// <summary>Which personal fields of one stream a read revealed (the stored field paths, e.g. <c>citizen.email</c>).</summary>
public sealed record StreamRead(string StreamId, IReadOnlyList<string> Fields);

/// <summary>Record that staff read personal data: one new access-log stream per read, so that reads never wait on each other.</summary>
public sealed record RecordRead(PrivacyEvent.PersonalDataRead Read);

/// <summary>The access log: each stream holds the one read it records.</summary>
public static class AccessLogDecider
{
    public const string StreamType = "personal-data-access";

    public static Idarati.Domain.Shared.Decider<RecordRead, PrivacyEvent, bool> Decider { get; } =
        new(StreamType, false, (_, _) => true, (command, recorded) => recorded ? [] : [command.Read]);
}
