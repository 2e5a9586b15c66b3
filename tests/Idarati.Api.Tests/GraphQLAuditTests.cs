using Idarati.Api;

namespace Idarati.Api.Tests;

/// <summary>graphql-http's server audit suite against the service itself, on a real port (tests/conformance/audit.mjs).</summary>
public sealed class GraphQLAuditTests
{
    [Fact]
    public async Task The_service_passes_the_graphql_http_audit_without_error_or_warning()
    {
        var schema = "audit_" + Guid.NewGuid().ToString("N")[..12];
        var app = ApiHost.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--IDARATI_DB", ApiFactory.TestDatabase,
            "--EventStore:Schema", schema,
            "--Auth:SigningKey", "integration-tests-signing-key-of-at-least-32-bytes",
            "--Complaints:AccessCodeSecret", ApiFactory.AccessCodeSecret, "--Audit:CheckpointKey", ApiFactory.CheckpointKey, "--PersonalData:MasterKey", ApiFactory.MasterKey,
            "--Logging:LogLevel:Default", "Warning",
            // The audit sends its own documents: the transport is audited with the trusted-documents gate open (TrustedDocumentTests covers the gate).
            "--GraphQL:TrustedDocumentsOnly", "false",
        ]);
        await app.StartAsync();
        try
        {
            var (code, stdout, stderr) = await Tools.NodeAsync("audit.mjs", app.Urls.Single() + "/graphql");
            var output = stdout + stderr;
            Assert.True(code == 0, output);
            Assert.Contains("graphql-http audit:", output, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            await using var dataSource = Npgsql.NpgsqlDataSource.Create(ApiFactory.TestDatabase);
            await using var drop = dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE");
            await drop.ExecuteNonQueryAsync();
        }
    }

    internal static string Conformance()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Idarati.EventSourced.sln")))
        {
            directory = directory.Parent;
        }

        var path = Path.Combine(directory?.FullName ?? throw new InvalidOperationException("The repository root was not found."), "tests", "conformance");
        return Directory.Exists(Path.Combine(path, "node_modules", "graphql-http"))
            ? path
            : throw new InvalidOperationException($"graphql-http is not installed: run 'npm ci' in {path} (./test.sh does).");
    }
}
