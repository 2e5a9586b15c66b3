using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Text.Json;
using Npgsql;
using Idarati.Tests;

namespace Idarati.Api.Tests;

[Collection(ApiWithReferenceData.Collection)]
public sealed class HealthTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Liveness_answers_without_touching_the_database()
    {
        var live = await factory.As(null).GetAsync("/health/live", HttpStatusCode.OK);
        Assert.Equal("Healthy", live.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readiness_checks_the_database_and_the_migrated_schema()
    {
        // Ready once this node's daemon holds the lease: a node just started answers 503 until then (read-models stalled).
        var client = await factory.ClientAsync(null);
        await Deadline.UntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK, 30, "the node to be ready");
        var body = await factory.As(null).GetAsync("/health/ready", HttpStatusCode.OK);
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());

        await using var dataSource = NpgsqlDataSource.Create(ApiFactory.TestDatabase);
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {factory.Schema}.mt_streams");
        Assert.True((long)(await command.ExecuteScalarAsync())! >= 1);
    }

    /// <summary>
    /// Wolverine registers the node in the database as it starts (its durable inbox and outbox live there), so a
    /// service whose database does not answer at start stops at once with the connection's error, for its supervisor
    /// to start it again; once started, an outage answers 503 on /health/ready (DatabaseOutageTests).
    /// </summary>
    [Fact]
    public async Task A_service_whose_database_does_not_answer_at_start_stops_with_the_connections_error()
    {
        await using var unreachable = new ApiFactory { ConnectionStringOverride = "Host=127.0.0.1;Port=1;Username=nobody;Timeout=2" };
        var error = Assert.ThrowsAny<Exception>(() => unreachable.Host);
        Assert.Contains("127.0.0.1:1", error.ToString(), StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task OpenApi_describes_the_health_routes()
    {
        var anonymous = factory.As(null);
        var paths = (await anonymous.GetAsync("/swagger/v1/swagger.json", HttpStatusCode.OK)).GetProperty("paths");
        Assert.True(paths.TryGetProperty("/health/live", out _));
        Assert.True(paths.TryGetProperty("/health/ready", out _));
        var ui = await anonymous.ScenarioAsync(HttpMethod.Get, "/swagger/index.html", null, HttpStatusCode.OK);
        Assert.Contains("swagger-ui", await ui.ReadAsTextAsync(), StringComparison.Ordinal);
        await anonymous.ScenarioAsync(HttpMethod.Get, "/swaggerish", null, HttpStatusCode.NotFound);
    }
}

public sealed class DatabaseSettingsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public void Pooled_connections_skip_the_reset_unless_the_connection_string_chooses()
    {
        // The service leaves no session state behind, so the seven reset statements per checkout are skipped...
        Assert.False(Infrastructure.Database.SaysResetOnClose(ApiFactory.TestDatabase));
        var dataSource = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<NpgsqlDataSource>(factory.Services);
        Assert.True(new NpgsqlConnectionStringBuilder(dataSource.ConnectionString).NoResetOnClose);

        // ...unless the operator said otherwise, in either spelling.
        Assert.True(Infrastructure.Database.SaysResetOnClose("Host=db;No Reset On Close=false"));
        Assert.True(Infrastructure.Database.SaysResetOnClose("Host=db;noresetonclose=false"));
    }

    /// <summary>
    /// Marten's connections (its reads and its daemon) leave statements unprepared: a prepared range query of the daemon
    /// can turn a rebuild quadratic. The command path writes on a pool of its own that prepares them.
    /// </summary>
    [Fact]
    public async Task Only_the_command_paths_connections_prepare_statements_and_commands_write_on_them()
    {
        var store = factory.Services.GetRequiredService<NpgsqlDataSource>();
        var commands = factory.Services.GetRequiredService<Application.Handling.CommandConnections>();
        Assert.Equal(0, new NpgsqlConnectionStringBuilder(store.ConnectionString).MaxAutoPrepare);
        var prepared = new NpgsqlConnectionStringBuilder(commands.DataSource.ConnectionString);
        Assert.Equal((64, true), (prepared.MaxAutoPrepare, prepared.NoResetOnClose));

        // Nothing but the command path uses that pool: a node's commands (its reference data at start, a submission) leave
        // its connections open in the pool, named after the node.
        var node = "prepared-" + Guid.NewGuid().ToString("N")[..8];
        await using var own = new ApiFactory { Settings = { ["Projections:NodeName"] = node } };
        var name = $"idarati@{node}{Infrastructure.Database.CommandsSuffix}";
        await using var database = NpgsqlDataSource.Create(ApiFactory.TestDatabase);
        async Task<long> CommandConnectionsAsync()
        {
            await using var count = database.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1");
            count.Parameters.AddWithValue(name);
            return (long)(await count.ExecuteScalarAsync())!;
        }

        await own.As("citizen").PostAsync("/api/complaints", TestHttp.Complaint(), System.Net.HttpStatusCode.Created);
        Assert.True(await CommandConnectionsAsync() >= 1, "the submission wrote on no connection of the command path");
    }
}

/// <summary>The CLI verbs read their database from the process environment: their tests share it, one at a time.</summary>
[CollectionDefinition(nameof(ProcessEnvironment))]
public sealed class ProcessEnvironment;

[Collection(nameof(ProcessEnvironment))]
public sealed class MigrateVerbTests
{
    [Fact]
    public async Task The_migrate_verb_creates_the_schema_and_is_harmless_twice()
    {
        var schema = "cli_" + Guid.NewGuid().ToString("N")[..12];
        Environment.SetEnvironmentVariable("IDARATI_DB", ApiFactory.TestDatabase);
        Environment.SetEnvironmentVariable("EventStore__Schema", schema);
        try
        {
            Assert.Equal(0, await ApiHost.RunAsync(["migrate"]));
            Assert.Equal(0, await ApiHost.RunAsync(["migrate"]));
        }
        finally
        {
            Environment.SetEnvironmentVariable("EventStore__Schema", null);
            Environment.SetEnvironmentVariable("IDARATI_DB", null);
        }

        await using var dataSource = NpgsqlDataSource.Create(ApiFactory.TestDatabase);
        // Marten's tables (events, progression, dead letters, the command path's documents) and the read models are there.
        await using var command = dataSource.CreateCommand($"""
            SELECT count(*) FROM pg_tables WHERE schemaname = '{schema}'
               AND tablename IN ('mt_events', 'mt_streams', 'mt_event_progression', 'mt_doc_deadletterevent', 'mt_doc_commandrecord', 'mt_doc_streamkeyclaim',
                                 'mt_doc_listedstream', 'rm_complaint_list', 'rm_ticket_list', 'rm_competitions', 'rm_candidates', 'rm_applications', 'rm_administrations')
            """);
        Assert.Equal(13L, await command.ExecuteScalarAsync());
        await using var index = dataSource.CreateCommand($"SELECT count(*) FROM pg_indexes WHERE schemaname = '{schema}' AND indexname = 'mt_doc_listedstream_idx_type'");
        Assert.Equal(1L, await index.ExecuteScalarAsync());
        await using var drop = dataSource.CreateCommand($"DROP SCHEMA {schema} CASCADE");
        await drop.ExecuteNonQueryAsync();
    }
}

[Collection(nameof(ProcessEnvironment))]
public sealed class RebuildVerbTests
{
    [Fact]
    public async Task The_seed_verb_fills_a_store_and_the_rebuild_verb_replays_every_projection_to_the_head_and_refuses_an_unknown_name()
    {
        var schema = "cli_" + Guid.NewGuid().ToString("N")[..12];
        await using var dataSource = NpgsqlDataSource.Create(ApiFactory.TestDatabase);
        var plan = Application.Seeding.SeedPlan.AtScale(0.005);
        using (await TestStores.CreateAsync(dataSource, schema))
        {
        }

        // The seed verb (./run.sh seed) fills the empty store, sealing personal data under the master key as the service does.
        string[] variables = ["IDARATI_DB", "EventStore__Schema", "Complaints__AccessCodeSecret", "PersonalData__MasterKey"];
        string[] values = [ApiFactory.TestDatabase, schema, ApiFactory.AccessCodeSecret, ApiFactory.MasterKey];
        for (var i = 0; i < variables.Length; i++)
        {
            Environment.SetEnvironmentVariable(variables[i], values[i]);
        }

        try
        {
            Assert.Equal(0, await ApiHost.RunAsync(["seed", "--scale", "0.005"]));
            Assert.Equal(2, await ApiHost.RunAsync(["rebuild", "no-such-projection"]));
            Assert.Equal(0, await ApiHost.RunAsync(["rebuild"]));
            // Once more for one projection: its rows are replaced, not doubled.
            Assert.Equal(0, await ApiHost.RunAsync(["rebuild", "complaint-list"]));
        }
        finally
        {
            foreach (var variable in variables)
            {
                Environment.SetEnvironmentVariable(variable, null);
            }
        }

        await using (var sealedKeys = dataSource.CreateCommand($"SELECT count(*) FROM {schema}.pd_subject_keys WHERE wrapped IS NOT NULL"))
        {
            Assert.True((long)(await sealedKeys.ExecuteScalarAsync())! > 0);
        }

        await using (var rows = dataSource.CreateCommand($"SELECT count(*) FROM {schema}.rm_complaint_list"))
        {
            Assert.Equal((long)plan.Complaints, await rows.ExecuteScalarAsync());
        }

        await using (var behind = dataSource.CreateCommand($"""
            SELECT count(*) FROM {schema}.mt_event_progression WHERE name LIKE '%:All' AND last_seq_id >= (SELECT max(seq_id) FROM {schema}.mt_events)
            """))
        {
            Assert.Equal((long)Idarati.Projections.ReadModels.All(schema).Count, await behind.ExecuteScalarAsync());
        }

        // The complaint list keeps its indexes through a rebuild: its key, four for the list's filters, the deadlines' watch's.
        await using (var indexes = dataSource.CreateCommand($"SELECT count(*) FROM pg_indexes WHERE schemaname = '{schema}' AND tablename = 'rm_complaint_list'"))
        {
            Assert.Equal(6L, await indexes.ExecuteScalarAsync());
        }

        await using var drop = dataSource.CreateCommand($"DROP SCHEMA {schema} CASCADE");
        await drop.ExecuteNonQueryAsync();
    }
}

[Collection(ApiWithReferenceData.Collection)]
public sealed class OpenApiTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Every_route_says_who_may_call_it_and_commands_carry_examples()
    {
        var json = await factory.As(null).GetAsync("/swagger/v1/swagger.json", HttpStatusCode.OK);
        var operations = json.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (Route: $"{o.Name.ToUpperInvariant()} {p.Name}", Operation: o.Value)))
            .ToList();

        Assert.True(operations.Count >= 30, $"only {operations.Count} operations documented");
        foreach (var (route, operation) in operations)
        {
            var summary = operation.TryGetProperty("summary", out var s) ? s.GetString() ?? string.Empty : string.Empty;
            Assert.True(summary.Contains("Role", StringComparison.Ordinal) || summary.Contains("Anyone", StringComparison.Ordinal), $"{route} does not say who may call it: '{summary}'");
        }

        foreach (var route in new[] { "POST /api/complaints", "POST /api/complaints/{id}/answer", "POST /api/call-center/tickets", "POST /api/competitions" })
        {
            var operation = operations.Single(o => o.Route == route).Operation;
            Assert.True(operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _), $"{route} has no example");
        }

        Assert.True(json.GetProperty("components").GetProperty("securitySchemes").TryGetProperty("bearer", out _));
    }
}

/// <summary>The hosting diagnostics logger is off by default (no Activity and log scope per request) and configuration turns it back on.</summary>
public sealed class HostingLogTests
{
    private const string Category = "Microsoft.AspNetCore.Hosting.Diagnostics";

    [Fact]
    public async Task Requests_carry_no_activity_unless_the_hosting_log_is_configured_back_on()
    {
        await using (var quiet = new ApiFactory())
        {
            await quiet.As(null).GetAsync("/health/live", System.Net.HttpStatusCode.OK);
            var logs = quiet.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>();
            Assert.False(logs.CreateLogger(Category).IsEnabled(Microsoft.Extensions.Logging.LogLevel.Critical));
            Assert.True(logs.CreateLogger("Idarati.Api").IsEnabled(Microsoft.Extensions.Logging.LogLevel.Warning));
        }

        await using var loud = new ApiFactory { Settings = { [$"Logging:LogLevel:{Category}"] = "Information" } };
        await loud.As(null).GetAsync("/health/live", System.Net.HttpStatusCode.OK);
        Assert.True(loud.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().CreateLogger(Category).IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information));
    }
}
