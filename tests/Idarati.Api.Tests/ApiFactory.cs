using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Idarati.Api.Tests;

/// <summary>The real host and HTTP pipeline on the test PostgreSQL server (IDARATI_TEST_DB), in a schema of its own.</summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    public string Schema { get; } = "api_" + Guid.NewGuid().ToString("N")[..12];

    public string? ConnectionStringOverride { get; init; }

    public static string TestDatabase => Environment.GetEnvironmentVariable("IDARATI_TEST_DB")
        ?? throw new InvalidOperationException("IDARATI_TEST_DB is not set: run the tests with ./test.sh.");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("IDARATI_DB", ConnectionStringOverride ?? TestDatabase);
        builder.UseSetting("EventStore:Schema", Schema);
        builder.UseSetting("EventStore:MigrateAtStartup", ConnectionStringOverride is null ? "true" : "false");
    }
}
