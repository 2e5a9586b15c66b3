using Idarati.Api.Infrastructure;
using Idarati.Api.Projections;
using Idarati.Application.Complaints;

namespace Idarati.Api.Cli;

/// <summary>
/// The CLI verbs run.sh passes on (migrate, seed, rebuild, daemon): each builds a host without HTTP on the same
/// configuration as the service, does its work and exits with a status.
/// </summary>
internal static class CliVerbs
{
    /// <summary>The verb of that name, or null (then the arguments are the web host's).</summary>
    public static Func<string[], Task<int>>? Find(string name) => name switch
    {
        "migrate" => MigrateAsync,
        "seed" => SeedAsync,
        "rebuild" => RebuildAsync,
        "daemon" => DaemonAsync,
        _ => null,
    };

    /// <summary>A host without HTTP for the CLI verbs: the database, the store and the projections.</summary>
    private static IHost CliHost(string[] args, bool daemon, params string[] secrets)
    {
        // run.sh names the environment for the web host (ASPNETCORE_ENVIRONMENT); the verbs honour it too.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            EnvironmentName = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? Environments.Production,
            ContentRootPath = ApiHost.NamesContentRoot(args) ? null : AppContext.BaseDirectory,
        });
        builder.Logging.AddIdaratiConsole(builder.Environment);
        if (secrets.Length > 0)
        {
            Secrets.Require(builder.Configuration, builder.Environment.EnvironmentName, secrets);
        }

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddIdaratiDatabase(builder.Configuration);
        builder.Configuration["Projections:Daemon"] = daemon ? "true" : "false";
        builder.Services.AddIdaratiProjections(builder.Configuration);
        Idarati.Api.Privacy.PersonalDataEndpoints.AddPersonalDataVault(builder.Services, builder.Configuration);
        return builder.Build();
    }

    /// <summary>The 'daemon' verb: only the projection daemon, for nodes that serve no HTTP.</summary>
    private static async Task<int> DaemonAsync(string[] args)
    {
        using var host = CliHost(args, daemon: true);
        await host.RunAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>The 'seed [--scale S]' verb: the synthetic dataset that reproduces IDARATI's figures of 2 March 2020.</summary>
    private static async Task<int> SeedAsync(string[] args)
    {
        var scale = 1.0;
        var at = Array.IndexOf(args, "--scale");
        if (at >= 0 && (at + 1 >= args.Length || !double.TryParse(args[at + 1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out scale) || scale <= 0))
        {
            await Console.Error.WriteLineAsync("usage: seed [--scale S]   (S > 0, 1 = the published figures)").ConfigureAwait(false);
            return 2;
        }

        IHost host;
        try
        {
            // The seed seals personal fields under the master key, as the service does: it needs the key too.
            host = CliHost([.. args.Where((_, i) => i != at && i != at + 1)], daemon: false, Secrets.AccessCodeSecret, Secrets.MasterKey);
        }
        catch (MissingSecretException e)
        {
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 1;
        }

        using var disposeHost = host;
        var store = (Marten.DocumentStore)host.Services.GetRequiredService<Marten.IDocumentStore>();
        var plan = Idarati.Application.Seeding.SeedPlan.AtScale(scale);
        var dataset = new Idarati.Application.Seeding.SyntheticDataset(new Idarati.Application.Seeding.MartenSeedSink(store, host.Services.GetRequiredService<TimeProvider>(), host.Services.GetRequiredService<Idarati.Application.Privacy.PersonalDataVault>()), host.Services.GetRequiredService<IConfiguration>().GetSection("Complaints").Get<ComplaintOptions>()!, host.Services.GetRequiredService<TimeProvider>());
        try
        {
            var result = await dataset.SeedAsync(plan, new ProgressBar()).ConfigureAwait(false);
            await Idarati.Api.Projections.ProjectionEndpoints.CreateTablesAsync(host.Services, default).ConfigureAwait(false);
            await Console.Out.WriteLineAsync(System.FormattableString.Invariant(
                $"synthetic dataset (scale {scale}): {result.Streams:N0} streams, {result.Events:N0} events in {result.Elapsed.TotalSeconds:F1} s ({result.Events / result.Elapsed.TotalSeconds:N0} events/s); {plan.Complaints:N0} complaints, {plan.Processed:N0} processed, {plan.Administrations} administrations, {plan.TotalQuestions:N0} questions, {plan.CandidateAccounts:N0} candidate accounts, {plan.ElectronicApplications:N0} electronic applications, {plan.ElectronicCompetitions} competitions accepting them")).ConfigureAwait(false);
            return 0;
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
            return 1;
        }
    }

    /// <summary>
    /// The 'rebuild [name ...]' verb: tears the named projections down (all when none is named) and replays them from
    /// zero with Marten's daemon in this process, one after the other, then exits. Run it while no service node runs
    /// the daemon (or call POST /api/projections/{name}/rebuild on any node).
    /// </summary>
    private static async Task<int> RebuildAsync(string[] args)
    {
        var names = args.TakeWhile(a => !a.StartsWith('-')).ToArray();
        using var host = CliHost(args[names.Length..], daemon: false);
        var monitor = host.Services.GetRequiredService<Idarati.Projections.ProjectionMonitor>();
        var known = monitor.Projections.Select(p => p.Name).ToArray();
        if (names.Except(known).FirstOrDefault() is { } unknown)
        {
            await Console.Error.WriteLineAsync($"usage: rebuild [name ...]; no projection is named '{unknown}' (known: {string.Join(", ", known)})").ConfigureAwait(false);
            return 2;
        }

        var targets = names.Length == 0 ? known : names;
        var store = host.Services.GetRequiredService<Marten.IDocumentStore>();
        var time = host.Services.GetRequiredService<TimeProvider>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
        await Idarati.Api.Projections.ProjectionEndpoints.CreateTablesAsync(host.Services, default).ConfigureAwait(false);
        var events = (await store.Advanced.FetchEventStoreStatistics().ConfigureAwait(false)).EventCount;
        using var daemon = await store.BuildProjectionDaemonAsync().ConfigureAwait(false);
        var started = time.GetTimestamp();
        foreach (var name in targets)
        {
            var one = time.GetTimestamp();
            await daemon.RebuildProjectionAsync(name, TimeSpan.FromHours(2), CancellationToken.None).ConfigureAwait(false);
            await Console.Error.WriteLineAsync(System.FormattableString.Invariant($"{name}: rebuilt in {time.GetElapsedTime(one).TotalSeconds:F1} s")).ConfigureAwait(false);
        }

        var elapsed = time.GetElapsedTime(started);
        await daemon.StopAllAsync().ConfigureAwait(false);
        await Console.Out.WriteLineAsync(System.FormattableString.Invariant(
            $"rebuilt {targets.Length} projection(s) from {events:N0} events in {elapsed.TotalSeconds:F1} s ({events * targets.Length / elapsed.TotalSeconds:N0} events/s over all projections)")).ConfigureAwait(false);
        return 0;
    }

    /// <summary>One line on stderr, rewritten in place: the phase, a bar and the events written so far.</summary>
    private sealed class ProgressBar : IProgress<Idarati.Application.Seeding.SeedProgress>
    {
        public void Report(Idarati.Application.Seeding.SeedProgress value)
        {
            var filled = value.Total == 0 ? 30 : 30 * value.Done / value.Total;
            Console.Error.Write(System.FormattableString.Invariant($"\r{value.Phase,-22} [{new string('#', filled)}{new string('.', 30 - filled)}] {value.Done,8:N0}/{value.Total:N0}  {value.Events:N0} events"));
            if (value.Done == value.Total)
            {
                Console.Error.WriteLine();
            }
        }
    }

    private static async Task<int> MigrateAsync(string[] args)
    {
        using var host = CliHost(args, daemon: false);
        var store = host.Services.GetRequiredService<Marten.IDocumentStore>();
        await store.Storage.ApplyAllConfiguredChangesToDatabaseAsync().ConfigureAwait(false);
        await Idarati.Api.Projections.ProjectionEndpoints.CreateTablesAsync(host.Services, default).ConfigureAwait(false);
        await Console.Out.WriteLineAsync($"Marten's schema '{store.Options.DatabaseSchemaName}' and the read models are up to date").ConfigureAwait(false);
        return 0;
    }
}
