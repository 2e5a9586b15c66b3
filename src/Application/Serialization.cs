using System.Text.Json;
using System.Text.Json.Serialization;
using Idarati.Domain.Administrations;
using Idarati.Domain.CallCenter;
using Idarati.Domain.Complaints;
using Idarati.Domain.JobApplications;
using Idarati.EventStore;

namespace Idarati.Application;

/// <summary>How events are stored: camelCase JSON, enums as camelCase strings, names from the domain.</summary>
public static class Serialization
{
    public static JsonSerializerOptions Json { get; } = Create();

    public static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        return options;
    }

    /// <summary>Registers every domain event under its stable stored name.</summary>
    public static void RegisterEvents(EventTypeRegistry types)
    {
        ArgumentNullException.ThrowIfNull(types);
        foreach (var (type, name) in ComplaintEvent.StoredNames.Concat(AdministrationEvent.StoredNames).Concat(TicketEvent.StoredNames)
                     .Concat(CompetitionEvent.StoredNames).Concat(CandidateEvent.StoredNames).Concat(ApplicationEvent.StoredNames))
        {
            types.Register(type, name);
        }
    }

    public static EventStoreOptions StoreOptions(string schema, TimeProvider time, int? groupCommitWriters = null)
    {
        var options = new EventStoreOptions
        {
            Time = time,
            Json = Json,
            ListedStreamTypes = [Domain.Administrations.AdministrationDecider.StreamType],
            GroupCommitWriters = groupCommitWriters ?? EventStoreOptions.DefaultGroupCommitWriters,
        };
        options.Schema = schema;
        RegisterEvents(options.Types);
        return options;
    }
}
