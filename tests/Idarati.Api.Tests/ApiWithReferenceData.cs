using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Idarati.Api.Tests;

/// <summary>
/// The project's shared host: one Alba host for every test class of the collection, reset before each test to the
/// state its name says: the store holds the reference data (the default administrations) and nothing else. Marten's
/// data (events, documents, progressions, dead letters), the read models' tables and Wolverine's envelopes are emptied
/// while the daemon is paused; the defaults are registered again through the command path, and the daemon resumes
/// (a test that asks for a rebuild waits until it leads again: <see cref="ApiFactory.WaitUntilLeadingAsync"/>).
/// </summary>
public sealed class ApiWithReferenceData : IDisposable
{
    public const string Collection = "api with reference data";

    public ApiFactory Factory { get; } = new() { Schema = "shared_" + Guid.NewGuid().ToString("N")[..12] };

    /// <summary>Back to the reference data alone; a test calls it first (IAsyncLifetime.InitializeAsync).</summary>
    public async Task ResetAsync()
    {
        var host = Factory.Host;
        var coordinator = host.Services.GetService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>();
        if (coordinator is not null)
        {
            await coordinator.PauseAsync();
        }

        try
        {
            await host.Services.GetRequiredService<IDocumentStore>().Advanced.ResetAllData(CancellationToken.None);
            await Factory.ExecuteSqlAsync("""
                DO $$ DECLARE t text; BEGIN
                  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = '{s}' AND (tablename LIKE 'rm\_%' OR tablename LIKE 'audit\_%') LOOP
                    EXECUTE format('TRUNCATE TABLE {s}.%I', t);
                  END LOOP;
                END $$;
                """);
            await host.Services.GetRequiredService<Wolverine.Runtime.IWolverineRuntime>().Storage.Admin.ClearAllAsync();
            await host.Services.GetRequiredService<Application.Administrations.AdministrationService>().EnsureDefaultsAsync();
        }
        finally
        {
            if (coordinator is not null)
            {
                await coordinator.ResumeAsync();
            }
        }
    }

    public void Dispose() => Factory.Dispose();
}

[CollectionDefinition(ApiWithReferenceData.Collection)]
public sealed class ApiWithReferenceDataCollection : ICollectionFixture<ApiWithReferenceData>;
