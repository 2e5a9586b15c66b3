namespace Idarati.Domain.Complaints;

public enum ComplaintKind
{
    Complaint,
    Observation,
    Suggestion,
}

public enum ComplaintChannel
{
    Portal,
    Mobile,
    CallCenter,
    Mail,
}

public enum AnswerOutcome
{
    Favourable,
    Unfavourable,
    PartiallyFavourable,
}

/// <summary>The grounds on which a complaint may be declared inadmissible.</summary>
public enum RejectionReason
{
    BeforeCourt,
    ReferredToPublicProsecutor,
    OutsideCompetence,
    InsultingOrDefamatory,
    NotFollowingRequiredForm,
    UnclearOrWithoutDocuments,
}

public enum ComplaintStatus
{
    Received,
    Acknowledged,
    AwaitingInformation,
    Answered,
    Rejected,
    TakenIntoAccount,
    Closed,
}

public sealed record Location(string Region, string Province, string Commune);

/// <summary>Personal data: never shown to analysts, never copied into indicators.</summary>
public sealed record Citizen(string FullName, string NationalId, string Phone, string Email);
