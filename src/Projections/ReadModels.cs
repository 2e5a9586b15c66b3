using Idarati.Projections.Administrations;
using Idarati.Projections.Audit;
using Idarati.Projections.CallCenter;
using Idarati.Projections.Complaints;
using Idarati.Projections.Employment;

namespace Idarati.Projections;

/// <summary>The service's read models and its audit log, in the schema of the event store.</summary>
public static class ReadModels
{
    public static IReadOnlyList<IReadModelProjection> All(string schema) =>
    [
        new ComplaintListProjection(schema),
        new TicketListProjection(schema),
        new EmploymentProjection(schema),
        new AdministrationDirectoryProjection(schema),
        new AuditLogProjection(schema),
        new Privacy.PersonalDataReadsProjection(schema),
    ];
}
