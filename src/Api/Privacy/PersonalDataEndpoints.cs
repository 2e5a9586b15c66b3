using Idarati.Api.Infrastructure;
using Idarati.Application.Privacy;
using R = Idarati.Api.Infrastructure.Auth.Roles;

namespace Idarati.Api.Privacy;

/// <summary>
/// Personal data under law 09-08: the master key ring and the vault (crypto-shredding), the access log's route for each
/// request, and the data-protection officer's erasure.
/// </summary>
public static class PersonalDataEndpoints
{
    public static IServiceCollection AddIdaratiPersonalData(this IServiceCollection services, IConfiguration configuration)
    {
        AddPersonalDataVault(services, configuration);
        services.AddSingleton<PersonalDataAccess>();
        services.AddSingleton<PersonalDataErasure>();
        services.AddSingleton(sp => new Idarati.Projections.Privacy.PersonalDataReads(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), Database.Schema(configuration)));
        services.AddSingleton<SubjectAccess>();
        services.AddHostedService<MasterKeyCheck>();
        services.AddHostedService<MasterKeyRotation>();
        services.AddSingleton(Retention(configuration));
        services.AddSingleton(sp => new PersonalDataRetention(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<PersonalDataErasure>(),
            sp.GetRequiredService<RetentionPolicy>(), Database.Schema(configuration), sp.GetRequiredService<TimeProvider>()));
        RunChainStart.Add(services, sp => sp.GetRequiredService<PersonalDataRetention>().Runs, run => new RetentionSweep(run));
        return services;
    }

    /// <summary>The master key ring and the vault alone: what the seed verb seals with, as the service does.</summary>
    public static IServiceCollection AddPersonalDataVault(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => MasterKeys.Parse(configuration[Secrets.MasterKey], configuration.GetSection(MasterKeys.PreviousSetting).Get<string[]>()));
        services.AddSingleton(sp => new PersonalDataVault(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<MasterKeys>(), Database.Schema(configuration),
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>PersonalData:Retention:&lt;kind&gt; (days after closing; complaints and tickets five years by default) and PersonalData:RetentionSweepEvery (a day).</summary>
    private static RetentionPolicy Retention(IConfiguration configuration)
    {
        var days = new Dictionary<string, int>(StringComparer.Ordinal) { [RetentionPolicy.Complaints] = RetentionPolicy.DefaultDays, [RetentionPolicy.Tickets] = RetentionPolicy.DefaultDays };
        foreach (var kind in configuration.GetSection("PersonalData:Retention").GetChildren())
        {
            days[kind.Key] = int.TryParse(kind.Value, System.Globalization.CultureInfo.InvariantCulture, out var d) && d >= 0
                ? d
                : throw new MissingSecretException($"PersonalData:Retention:{kind.Key} is days after closing: a whole number, 0 or more.");
        }

        return new RetentionPolicy(days, configuration.GetValue("PersonalData:RetentionSweepEvery", TimeSpan.FromDays(1)));
    }

    /// <summary>Names the route of each request for the access log (the endpoint's pattern, never its values).</summary>
    public static void UsePersonalDataRoutes(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var pattern = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.Request.Path.Value ?? "/";
            PersonalDataAccess.Route = $"{context.Request.Method} {(pattern.Length > 1 ? pattern.TrimEnd('/') : pattern)}";
            await next(context).ConfigureAwait(false);
        });

    public static void MapPersonalData(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/personal-data").WithTags("personal data");
        group.MapPost("/erasures", async (EraseSubject request, HttpContext http, PersonalDataErasure erasure, CancellationToken ct) =>
                TypedResults.Ok(await erasure.EraseAsync(request, http.User.ToActor(), ct).ConfigureAwait(false)))
            .RequireAuthorization(p => p.RequireRole(R.DataProtectionOfficer))
            .WithSummary("Erases a data subject named by a CIN, an e-mail address or a complaint's tracking number: destroys the key of each stream that names them (a tracking number reaches the person's other streams through the complaint's CIN and e-mail) and appends a personal-data.erased event, naming who and why, to each. Histories still verify; indicators do not change. Role: dpo.");
        group.MapPost("/access-requests", async (SubjectRequest request, HttpContext http, SubjectAccess access, CancellationToken ct) =>
                TypedResults.Ok(await access.ForOfficerAsync(request.Checked(), http.User.ToActor(), ct).ConfigureAwait(false)))
            .RequireAuthorization(p => p.RequireRole(R.DataProtectionOfficer))
            .WithSummary("The right of access: everything held about a person named by a CIN, an e-mail address or a tracking number, in one JSON document: each stream that names them with its events in clear (null where erased), and every recorded read of those streams by staff. The officer's own read is recorded. Role: dpo.");
        group.MapGet("/by-tracking/{trackingNumber}", ByTrackingAsync).AllowAnonymous()
            .AddEndpointFilter(GuessLimits.Filter(GuessLimits.ComplaintCodes, http => [http.GetRouteValue("trackingNumber")?.ToString()?.Trim().ToUpperInvariant() ?? string.Empty]))
            .WithSummary("The citizen's right of access through a complaint they hold the access code of: the complaint's events in clear and every recorded read of it by staff, as POST /api/personal-data/access-requests answers the officer. Anyone holding both; attempts are limited per client address and per tracking number (429 with Retry-After).");
        group.MapGet("/reads", ReadsAsync)
            .RequireAuthorization(p => p.RequireRole(R.Auditor, R.DataProtectionOfficer))
            .WithSummary("The access log: each recorded read of personal data by staff (who, which stream, which fields, through which route, when), oldest first, filtered by stream, reader and time; `after` is the `next` of the previous page. Roles: auditor, dpo.");
    }

    private static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<SubjectExport>> ByTrackingAsync(
        string trackingNumber, string? accessCode, Idarati.Application.Complaints.ComplaintService complaints, SubjectAccess access, CancellationToken cancellationToken)
    {
        new Idarati.Application.Handling.Validation().Text("accessCode", accessCode, 32).Check("trackingNumber", trackingNumber.Length <= 32, "At most 32 characters.").ThrowIfInvalid();
        var complaint = await complaints.GetByTrackingAsync(trackingNumber, accessCode!, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(await access.ExportAsync([Idarati.Application.Complaints.ComplaintIdentifiers.StreamId(complaint.Id)], new Idarati.Domain.Shared.Actor("anonymous", Idarati.Domain.Shared.Role.Citizen), cancellationToken).ConfigureAwait(false));
    }

    private static async Task<Microsoft.AspNetCore.Http.HttpResults.Ok<Idarati.Projections.Privacy.PersonalDataReadPage>> ReadsAsync(
        string? streamId, string? readBy, DateTimeOffset? from, DateTimeOffset? to, long? after, int? limit, Idarati.Projections.Privacy.PersonalDataReads reads, TimeProvider time, CancellationToken cancellationToken)
    {
        new Idarati.Application.Handling.Validation().Text("streamId", streamId, 100, required: false).Text("readBy", readBy, 300, required: false)
            .Check("limit", limit is null or (>= 1 and <= Idarati.Projections.Privacy.PersonalDataReads.MaxLimit), $"From 1 to {Idarati.Projections.Privacy.PersonalDataReads.MaxLimit}.")
            .Check("after", after is null or >= 0, "A position: 0 or more.").ThrowIfInvalid();
        var page = await reads.ListAsync(streamId is null ? null : [streamId], readBy, from, to, after, limit ?? 100, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(page with { Freshness = page.Freshness.At(time.GetUtcNow()) });
    }

    /// <summary>
    /// A rotation in progress (<see cref="MasterKeys.PreviousSetting"/> set): every key still wrapped by an earlier master
    /// is rewrapped under the current one, in batches, in the background; any number of nodes may share the work.
    /// </summary>
    private sealed class MasterKeyRotation(PersonalDataVault vault, ILogger<MasterKeyRotation> logger) : BackgroundService
    {
        protected override async Task ExecuteAsync(CancellationToken stoppingToken)
        {
            if (vault.Masters.Ids.Count == 1)
            {
                return;
            }

            var total = 0L;
            int done;
            while ((done = await vault.RewrapAsync(1000, stoppingToken).ConfigureAwait(false)) > 0)
            {
                total += done;
            }

            logger.LogInformation("Master key rotation: {Count} keys rewrapped under {Master}; the earlier master keys may now be removed from {Setting}", total, vault.Masters.CurrentId, MasterKeys.PreviousSetting);
        }
    }

    /// <summary>At start-up, before anything is written: the master keys must open the keys already stored, or the service does not start.</summary>
    private sealed class MasterKeyCheck(PersonalDataVault vault) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            try
            {
                await vault.CheckMastersAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException e)
            {
                throw new MissingSecretException($"{Secrets.MasterKey} does not open the keys stored in this database: {e.Message}");
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
