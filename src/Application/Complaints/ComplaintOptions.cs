using Idarati.Domain.Complaints;

namespace Idarati.Application.Complaints;

/// <summary>
/// The legal deadlines and secrets of the complaints service (configuration section "Complaints").
/// The answer deadline defaults to 60 days from receipt for every kind.
/// </summary>
public sealed class ComplaintOptions
{
    public int AcknowledgementDeadlineDays { get; set; } = 7;

    public Dictionary<ComplaintKind, int> AnswerDeadlineDays { get; set; } = new()
    {
        [ComplaintKind.Complaint] = 60,
        [ComplaintKind.Observation] = 60,
        [ComplaintKind.Suggestion] = 60,
    };

    /// <summary>Derives citizens' access codes: no default, the host requires at least 32 bytes outside Development.</summary>
    public string AccessCodeSecret { get; set; } = string.Empty;

    public int AnswerDays(ComplaintKind kind) => AnswerDeadlineDays.TryGetValue(kind, out var days) ? days : 60;
}
