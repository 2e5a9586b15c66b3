using Idarati.Application.Handling;
using Idarati.Domain.Administrations;
using Idarati.Domain.CallCenter;
using Idarati.Domain.Complaints;
using Idarati.Domain.JobApplications;
using JasperFx.Events;
using Marten;

namespace Idarati.Application.Streams;

/// <summary>
/// The event store's configuration: streams keyed by the service's ids ("complaint-…"), every event type under its
/// stable stored name (never a CLR name), the metadata the audit relies on (correlation, causation, actor, headers,
/// where the tamper-evidence hashes live), and the stored events' JSON conventions.
/// </summary>
public static class MartenStreams
{
    /// <summary>Every domain event type with its stored name: a promise to every row on record (renames go through upcasters).</summary>
    public static IReadOnlyDictionary<Type, string> StoredNames { get; } =
        ComplaintEvent.StoredNames.Concat(AdministrationEvent.StoredNames).Concat(TicketEvent.StoredNames)
            .Concat(CompetitionEvent.StoredNames).Concat(CandidateEvent.StoredNames).Concat(ApplicationEvent.StoredNames)
            .Concat(Idarati.Domain.Privacy.PrivacyEvent.StoredNames)
            .ToDictionary(p => p.Key, p => p.Value);

    public static void Configure(StoreOptions options, string schema)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.DatabaseSchemaName = schema;
        options.Events.StreamIdentity = StreamIdentity.AsString;
        // Quick append (one function call, sequence numbers taken inside the writing transaction, so Marten's transaction
        // evidence sees every gap) with the events' timestamps from .NET: TamperEvidence.Seal sets them from the injected
        // TimeProvider and the hash covers them. Versions are the version read plus one per event, as the chain needs.
        options.Events.AppendMode = EventAppendMode.QuickWithServerTimestamps;
        options.Events.MetadataConfig.HeadersEnabled = true;
        options.Events.MetadataConfig.CausationIdEnabled = true;
        options.Events.MetadataConfig.CorrelationIdEnabled = true;
        options.Events.MetadataConfig.UserNameEnabled = true;
        // The daemon's advisory locks are taken in a transaction: outside one, each attempt's SET LOCAL made PostgreSQL log
        // a warning (24 at every start, README "The event store").
        options.Events.UseAdvisoryLockTransaction = true;
        // Marten puts its own enum converter first: ours goes back in front, so enums stay camelCase strings as before.
        options.UseSystemTextJsonForSerialization(Serialization.Create(), Weasel.Core.EnumStorage.AsString, Weasel.Core.Casing.CamelCase,
            json => json.Converters.Insert(0, new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase, allowIntegerValues: false)));
        foreach (var (type, name) in StoredNames)
        {
            options.Events.MapEventType(type, name);
        }

        // Saved in the session of the events they belong to, so claimed or recorded atomically with them.
        // The command path loads a stream with FetchForWriting, folded by its decider (a live aggregation per stream type).
        DeciderAggregation<ComplaintCommand, ComplaintEvent, ComplaintState>.Register(options, ComplaintDecider.Decider);
        DeciderAggregation<TicketCommand, TicketEvent, TicketState>.Register(options, TicketDecider.Decider);
        DeciderAggregation<AdministrationCommand, AdministrationEvent, AdministrationState>.Register(options, AdministrationDecider.Decider);
        DeciderAggregation<CompetitionCommand, CompetitionEvent, CompetitionState>.Register(options, CompetitionDecider.Decider);
        DeciderAggregation<CandidateCommand, CandidateEvent, CandidateState>.Register(options, CandidateDecider.Decider);
        DeciderAggregation<ApplicationCommand, ApplicationEvent, ApplicationState>.Register(options, ApplicationDecider.Decider);
        DeciderAggregation<Idarati.Domain.Privacy.RecordRead, Idarati.Domain.Privacy.PrivacyEvent, bool>.Register(options, Idarati.Domain.Privacy.AccessLogDecider.Decider);
        options.Storage.ExtendedSchemaObjects.Add(SubjectKeys(schema));
        options.Storage.ExtendedSchemaObjects.Add(ServiceRuns(schema));
        options.Schema.For<CommandRecord>();
        options.Schema.For<StreamKeyClaim>();
        options.Schema.For<ListedStream>().Index(x => x.Type);
        // The development mail sink: one row per notification sent (Notifications:Sender=sink).
        options.Schema.For<Idarati.Application.Notifications.SentMail>();
    }

    /// <summary>The recurring jobs' run counters (<see cref="Handling.RunCounter"/>): one row per job, claimed by compare-and-set.</summary>
    private static Weasel.Postgresql.Tables.Table ServiceRuns(string schema)
    {
        var table = new Weasel.Postgresql.Tables.Table(new Weasel.Postgresql.PostgresqlObjectName(schema, Handling.RunCounter.TableName, Weasel.Postgresql.SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("name").AsPrimaryKey();
        table.AddColumn<long>("run").NotNull();
        table.AddColumn<DateTimeOffset>("last_run_at");
        return table;
    }

    /// <summary>
    /// The data subjects' keys (<see cref="Privacy.PersonalDataVault"/>): one row per stream that carries personal data,
    /// its key wrapped by a master key (null once erased), and the subject's identifiers as keyed hashes (GIN-indexed).
    /// </summary>
    private static Weasel.Postgresql.Tables.Table SubjectKeys(string schema)
    {
        var table = new Weasel.Postgresql.Tables.Table(new Weasel.Postgresql.PostgresqlObjectName(schema, Privacy.PersonalDataVault.TableName, Weasel.Postgresql.SchemaUtils.IdentifierUsage.General));
        table.AddColumn<string>("stream_id").AsPrimaryKey();
        table.AddColumn<string>("wrapped");
        table.AddColumn<string>("master_key_id");
        table.AddColumn("lookups", "text[]").NotNull();
        table.AddColumn<DateTimeOffset>("created_at").NotNull();
        table.AddColumn<DateTimeOffset>("erased_at");
        table.AddColumn<string>("erased_by");
        table.AddColumn<string>("erasure_reason");
        table.Indexes.Add(new Weasel.Postgresql.Tables.IndexDefinition($"{Privacy.PersonalDataVault.TableName}_lookups") { Columns = ["lookups"], Method = Weasel.Postgresql.Tables.IndexMethod.gin });
        table.Indexes.Add(new Weasel.Postgresql.Tables.IndexDefinition($"{Privacy.PersonalDataVault.TableName}_master") { Columns = ["master_key_id"] });
        return table;
    }
}
