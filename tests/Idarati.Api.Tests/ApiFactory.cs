using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Idarati.Tests;

namespace Idarati.Api.Tests;

/// <summary>
/// The real host and HTTP pipeline, as an Alba host, on the test PostgreSQL server (IDARATI_TEST_DB), in a schema of its
/// own. Tests drive it with Alba scenarios (<see cref="ScenarioAsync"/>) or with an HttpClient on the same test server
/// (<see cref="ClientAsync"/>). The host starts on first use.
/// </summary>
public sealed class ApiFactory : IAsyncDisposable, IDisposable
{
    private readonly Lazy<Alba.IAlbaHost> _host;

    public ApiFactory()
    {
        // Started off xunit's synchronization context, so that a test may use the host from synchronous code too.
        _host = new(() => Task.Run(() => Alba.AlbaHost.For<Program>(ConfigureWebHost)).GetAwaiter().GetResult());
    }

    /// <summary>The Alba host (started on first use).</summary>
    public Alba.IAlbaHost Host => _host.Value;

    public IServiceProvider Services => Host.Services;

    /// <summary>An HttpClient on the host's test server, without credentials.</summary>
    public HttpClient CreateClient() => Host.Server.CreateClient();

    /// <summary>An Alba scenario as <paramref name="role"/> (a dev token for it, agents bound to <paramref name="administrationId"/>), or anonymous.</summary>
    public async Task<Alba.IScenarioResult> ScenarioAsync(string? role, Action<Alba.Scenario> configure, string? administrationId = null, string? subject = null)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var token = role is null ? null : await TokenAsync(role, administrationId, subject);
        return await Host.Scenario(s =>
        {
            if (token is not null)
            {
                s.WithBearerToken(token);
            }

            configure(s);
        });
    }

    private int _disposed;

    /// <summary>A caller sending Alba scenarios as <paramref name="role"/>.</summary>
    public ScenarioCaller As(string? role, string? administrationId = null, string? subject = null) => new(this, role, administrationId, subject);

    public async ValueTask DisposeAsync()
    {
        if (_host.IsValueCreated && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _host.Value.DisposeAsync();
        }
    }

    /// <summary>For xunit's fixtures, which are disposed synchronously.</summary>
    public void Dispose() => Task.Run(() => DisposeAsync().AsTask()).GetAwaiter().GetResult();

    public string Schema { get; init; } = "api_" + Guid.NewGuid().ToString("N")[..12];

    public string? ConnectionStringOverride { get; init; }

    public const string AccessCodeSecret = "integration-tests-access-code-secret-of-32-bytes";

    /// <summary>The tests' checkpoint signer key (Ed25519, from a fixed seed).</summary>
    /// <summary>The tests' personal-data master key (base64 of 32 bytes, public like every test secret).</summary>
    public static string MasterKey => TestStores.MasterKey;

    public static string CheckpointKey { get; } = Application.Audit.CheckpointKey.SignerKeyFor("idarati-tests", System.Security.Cryptography.SHA256.HashData("idarati integration tests checkpoint key"u8));

    public static string TestDatabase => Environment.GetEnvironmentVariable("IDARATI_TEST_DB")
        ?? throw new InvalidOperationException("IDARATI_TEST_DB is not set: run the tests with ./test.sh.");

    private void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("IDARATI_DB", ConnectionStringOverride ?? TestDatabase);
        builder.UseSetting("EventStore:Schema", Schema);
        builder.UseSetting("EventStore:MigrateAtStartup", ConnectionStringOverride is null ? "true" : "false");
        builder.UseSetting("ReferenceData:LoadDefaults", ConnectionStringOverride is null ? "true" : "false");
        builder.UseSetting("Auth:DevTokens", DevTokens ? "true" : "false");
        builder.UseSetting("Auth:SigningKey", "integration-tests-signing-key-of-at-least-32-bytes");
        builder.UseSetting("Complaints:AccessCodeSecret", AccessCodeSecret);
        builder.UseSetting("Audit:CheckpointKey", CheckpointKey);
        builder.UseSetting("PersonalData:MasterKey", MasterKey);
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

        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await TokenAsync(role, administrationId, subject));
        return client;
    }

    /// <summary>Forgets the dev tokens issued so far: after the service's clock moved past their lifetime, callers get fresh ones.</summary>
    public void ForgetTokens() => _tokens.Clear();

    /// <summary>A dev token for a role (POST /api/dev/tokens), one per role, administration and subject.</summary>
    public async Task<string> TokenAsync(string role, string? administrationId = null, string? subject = null)
    {
        var cacheKey = $"{role}|{administrationId}|{subject}";
        if (!_tokens.TryGetValue(cacheKey, out var token))
        {
            using var client = CreateClient();
            var response = await client.PostAsJsonAsync("/api/dev/tokens", new { role, administrationId, subject });
            response.EnsureSuccessStatusCode();
            token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
            _tokens[cacheKey] = token;
        }

        return token;
    }

    /// <summary>The events commands appended: Marten's tombstones and the access log's reads (a read is not a command) left out.</summary>
    public async Task<long> CountEventsAsync()
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(TestDatabase);
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM {Schema}.mt_events WHERE type NOT IN ('tombstone', 'personal-data.read')");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Seeds this host's store with the synthetic dataset through Marten's bulk insert.</summary>
    public Task<Application.Seeding.SeedResult> SeedAsync(Application.Seeding.SeedPlan plan) =>
        TestStores.SeedAsync((Marten.DocumentStore)Services.GetRequiredService<Marten.IDocumentStore>(), plan);

    /// <summary>The one wait for the projections: until every read model has applied every event of its types and runs.</summary>
    public Task WaitForProjectionsAsync(int seconds = 60) =>
        Deadline.UntilAsync(async () => (await Services.GetRequiredService<Idarati.Projections.ProjectionMonitor>().StatusAsync())
            .All(p => p.LagEvents == 0 && p.State == Idarati.Projections.ProjectionState.Running), seconds, "every projection to catch up");

    /// <summary>Until this host's daemon holds Marten's leadership, runs the read models and says so (a rebuild asked before any node says so is refused with 409 not-leader).</summary>
    public Task WaitUntilLeadingAsync(int seconds = 60) =>
        Deadline.UntilAsync(async () => Services.GetService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>() is { } coordinator
            && Idarati.Api.Projections.ReadModelRebuilds.Leads(coordinator)
            && (await Services.GetRequiredService<Idarati.Projections.ProjectionMonitor>().LeaderAsync()).Node is not null, seconds, "this node to lead the projections");

    /// <summary>The first column of the first row of a statement on this host's schema (<c>{s}</c>).</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(TestDatabase);
        await using var command = dataSource.CreateCommand(sql.Replace("{s}", Schema, StringComparison.Ordinal));
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async Task ExecuteSqlAsync(string sql)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(TestDatabase);
        await using var command = dataSource.CreateCommand(sql.Replace("{s}", Schema, StringComparison.Ordinal));
        await command.ExecuteNonQueryAsync();
    }
}
