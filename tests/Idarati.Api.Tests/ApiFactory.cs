using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>The real host and HTTP pipeline on the test PostgreSQL server (IDARATI_TEST_DB), in a schema of its own.</summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    public string Schema { get; init; } = "api_" + Guid.NewGuid().ToString("N")[..12];

    public string? ConnectionStringOverride { get; init; }

    public const string AccessCodeSecret = "integration-tests-access-code-secret-of-32-bytes";

    public static string TestDatabase => Environment.GetEnvironmentVariable("IDARATI_TEST_DB")
        ?? throw new InvalidOperationException("IDARATI_TEST_DB is not set: run the tests with ./test.sh.");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("IDARATI_DB", ConnectionStringOverride ?? TestDatabase);
        builder.UseSetting("EventStore:Schema", Schema);
        builder.UseSetting("EventStore:MigrateAtStartup", ConnectionStringOverride is null ? "true" : "false");
        builder.UseSetting("ReferenceData:LoadDefaults", ConnectionStringOverride is null ? "true" : "false");
        builder.UseSetting("Auth:DevTokens", DevTokens ? "true" : "false");
        builder.UseSetting("Auth:SigningKey", "integration-tests-signing-key-of-at-least-32-bytes");
        builder.UseSetting("Complaints:AccessCodeSecret", AccessCodeSecret);
        // Every test of a class shares one client address; RateLimitTests sets the production limits back.
        builder.UseSetting("RateLimits:GuessesPerClientPerMinute", "100000");
        builder.UseSetting("RateLimits:GuessesPerTargetPer10Minutes", "100000");
        if (Time is { } time)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(time));
        }

        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        if (ExtraServices is { } configure)
        {
            builder.ConfigureTestServices(configure);
        }
    }

    /// <summary>Extra configuration for one test's host.</summary>
    public Dictionary<string, string?> Settings { get; } = [];

    /// <summary>Extra registrations for one test's host.</summary>
    public Action<IServiceCollection>? ExtraServices { get; init; }

    /// <summary>The host's clock, when a test needs to move it.</summary>
    public TimeProvider? Time { get; init; }

    public bool DevTokens { get; init; } = true;

    private readonly Dictionary<string, string> _tokens = [];

    /// <summary>A client authenticated as <paramref name="role"/> (agents bound to <paramref name="administrationId"/>).</summary>
    public async Task<HttpClient> ClientAsync(string? role, string? administrationId = null, string? subject = null)
    {
        var client = CreateClient();
        if (role is null)
        {
            return client;
        }

        var cacheKey = $"{role}|{administrationId}|{subject}";
        if (!_tokens.TryGetValue(cacheKey, out var token))
        {
            var response = await client.PostAsJsonAsync("/api/dev/tokens", new { role, administrationId, subject });
            response.EnsureSuccessStatusCode();
            token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
            _tokens[cacheKey] = token;
        }

        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task<long> CountEventsAsync()
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(TestDatabase);
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {Schema}.mt_events WHERE type <> 'tombstone'");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Seeds this host's store with the synthetic dataset through Marten's bulk insert.</summary>
    public Task<Application.Seeding.SeedResult> SeedAsync(Application.Seeding.SeedPlan plan) =>
        TestStores.SeedAsync((Marten.DocumentStore)Services.GetRequiredService<Marten.IDocumentStore>(), plan);

    /// <summary>The one wait for the projections: until every read model has applied every event of its types and runs.</summary>
    public Task WaitForProjectionsAsync(int seconds = 60) =>
        Deadline.UntilAsync(async () => (await Services.GetRequiredService<Idarati.Projections.ProjectionMonitor>().StatusAsync())
            .All(p => p.LagEvents == 0 && p.State == Idarati.Projections.ProjectionState.Running), seconds, "every projection to catch up");

    /// <summary>Until this host's daemon holds Marten's leadership and runs the read models (a rebuild asked before is refused with 409 not-leader).</summary>
    public Task WaitUntilLeadingAsync(int seconds = 60) =>
        Deadline.UntilAsync(() => Task.FromResult(Services.GetService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>() is { } coordinator
            && Idarati.Api.Projections.ReadModelRebuilds.Leads(coordinator)), seconds, "this node to lead the projections");

    public async Task ExecuteSqlAsync(string sql)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(TestDatabase);
        await using var command = dataSource.CreateCommand(sql.Replace("{s}", Schema, StringComparison.Ordinal));
        await command.ExecuteNonQueryAsync();
    }
}
