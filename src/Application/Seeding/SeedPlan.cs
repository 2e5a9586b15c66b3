using Idarati.Domain.Reference;

namespace Idarati.Application.Seeding;

/// <summary>
/// How much the generator writes. At scale 1 these are the figures IDARATI published on 2 March 2020; other scales
/// multiply every count but the administrations, which are reference data.
/// </summary>
public sealed record SeedPlan(
    int Complaints, int Processed, int Administrations, IReadOnlyDictionary<string, int> Questions,
    int CandidateAccounts, int ElectronicApplications, int ElectronicCompetitions, int PaperCompetitions, int PaperApplications)
{
    public const double ProcessingRate = 0.8520;

    public static SeedPlan AtScale(double scale)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        int Scaled(int count) => (int)Math.Round(count * scale, MidpointRounding.AwayFromZero);
        var complaints = Scaled(211_644);
        return new SeedPlan(
            complaints,
            (int)Math.Round(complaints * ProcessingRate, MidpointRounding.AwayFromZero),
            116,
            new Dictionary<string, int>(StringComparer.Ordinal)
            {
                ["GENERAL_GUIDANCE"] = Scaled(1_761), ["PROCEDURES"] = Scaled(478), ["COMPLAINTS"] = Scaled(254), ["THANKS_AND_REMARKS"] = Scaled(22), ["OTHER"] = Scaled(829),
            },
            Scaled(16_084),
            Scaled(10_602),
            Math.Max(1, Scaled(49)),
            Math.Max(1, Scaled(12)),
            Scaled(1_500));
    }

    public int TotalQuestions => Questions.Values.Sum();
}

/// <summary>What the generator reports as it goes: a phase, how many streams of it are written, out of how many.</summary>
public sealed record SeedProgress(string Phase, int Done, int Total, long Events);

public sealed record SeedResult(int Streams, long Events, TimeSpan Elapsed);
