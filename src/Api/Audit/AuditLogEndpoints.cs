using Idarati.Api.Infrastructure;
using Idarati.Application.Audit;
using Idarati.Application.Handling;
using Idarati.Projections.Audit;
using Microsoft.AspNetCore.Http.HttpResults;
using R = Idarati.Api.Infrastructure.Auth.Roles;

namespace Idarati.Api.Audit;

/// <summary>The consistency proof between two sizes of the audit log: each hash in base64.</summary>
public sealed record ConsistencyProof(long From, long To, IReadOnlyList<string> Proof);

/// <summary>The keys the audit log's checkpoints are signed with, as C2SP verifier keys; the current one signs new checkpoints.</summary>
public sealed record CheckpointVerifierKeys(string Current, IReadOnlyList<string> Previous);

/// <summary>The audit log's published side: signed checkpoints, consistency proofs, keys, and the whole log's check.</summary>
public static class AuditLogEndpoints
{
    public const string NoteMediaType = "text/plain; charset=utf-8";

    public static IServiceCollection AddAuditLog(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp => new AuditLog(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), Database.Schema(configuration)));
        services.AddSingleton(_ => new CheckpointKeys(CheckpointKey.Parse(configuration[Secrets.CheckpointKey]!),
            configuration.GetSection("Audit:PreviousCheckpointKeys").Get<string[]>() ?? []));
        services.AddSingleton<AuditTrail>();
        if (configuration.GetValue("Projections:Daemon", true))
        {
            services.AddHostedService<CheckpointWriter>();
        }

        return services;
    }

    public static void MapAuditLog(this IEndpointRouteBuilder endpoints)
    {
        // Checkpoints and proofs hold no personal data: anyone may keep them, which is what makes them worth having.
        var log = endpoints.MapGroup("/api/audit").WithTags("audit");
        log.MapGet("/checkpoints/latest", async Task<Results<ContentHttpResult, NotFound>> (AuditLog audit, CancellationToken ct) =>
                await audit.CheckpointAsync(null, ct).ConfigureAwait(false) is { } latest ? TypedResults.Text(latest.Note, NoteMediaType) : TypedResults.NotFound())
            .AllowAnonymous()
            .Produces(StatusCodes.Status200OK, contentType: "text/plain")
            .WithSummary("The audit log's latest signed checkpoint: a C2SP signed note (origin idarati.ma/audit-log, the tree size, its RFC 9162 root in base64, the time it was signed, then an Ed25519 signature line). Keep it: any later rewrite, truncation or deletion of the log fails against it. Anyone.");
        log.MapGet("/checkpoints/{size:long}", async Task<Results<ContentHttpResult, NotFound>> (long size, AuditLog audit, CancellationToken ct) =>
                await audit.CheckpointAsync(size, ct).ConfigureAwait(false) is { } checkpoint ? TypedResults.Text(checkpoint.Note, NoteMediaType) : TypedResults.NotFound())
            .AllowAnonymous()
            .Produces(StatusCodes.Status200OK, contentType: "text/plain")
            .WithSummary("The signed checkpoint of exactly that many leaves, as GET /api/audit/checkpoints/latest; 404 when none was signed at that size. Anyone.");
        log.MapGet("/consistency", ConsistencyAsync)
            .AllowAnonymous()
            .WithSummary("The RFC 9162 consistency proof that the log of `to` leaves extends the log of `from` leaves (each hash in base64): check it with two checkpoints and scripts/verify-consistency.mjs. Anyone.");
        log.MapGet("/checkpoint-keys", (CheckpointKeys keys) => TypedResults.Ok(new CheckpointVerifierKeys(keys.VerifierKeys[0], [.. keys.VerifierKeys.Skip(1)])))
            .AllowAnonymous()
            .WithSummary("The verifier keys of the checkpoints (C2SP note format: name+hash+base64 Ed25519 key): the current one and those a rotation kept. Anyone.");
        log.MapGet("/log/verify", async (AuditTrail trail, CancellationToken ct) => TypedResults.Ok(await trail.VerifyLogAsync(ct).ConfigureAwait(false)))
            .RequireAuthorization(p => p.RequireRole(R.Auditor, R.Supervisor))
            .WithSummary("The whole log against the stored events: each stored event, in log order, is the leaf the log recorded; no leaf stands for an event no longer stored; and the stored tree's root at the latest signed checkpoint is the one it signed. Reads every event. Roles: auditor, supervisor.");
    }

    private static async Task<Ok<ConsistencyProof>> ConsistencyAsync(long? from, long? to, AuditLog audit, CancellationToken cancellationToken)
    {
        var size = await audit.SizeAsync(cancellationToken).ConfigureAwait(false);
        new Validation()
            .Check("from", from is >= 0, "A size of the log, 0 or more.")
            .Check("to", to is { } t && t >= (from ?? 0) && t <= size, $"A size of the log from `from` to its current size ({size}).")
            .ThrowIfInvalid();
        var proof = await audit.ConsistencyAsync(from!.Value, to!.Value, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new ConsistencyProof(from.Value, to.Value, [.. proof.Select(Convert.ToBase64String)]));
    }
}

/// <summary>
/// Signs a checkpoint every Audit:CheckpointInterval (1 s) while the log grows, on every daemon node (two nodes signing
/// one size keep one: the tree is the same). Before it signs, it checks that the tree still extends the last checkpoint;
/// a tree that does not (events changed or removed, then the log rebuilt) is never signed, and says so.
/// </summary>
public sealed class CheckpointWriter(AuditLog log, CheckpointKeys keys, IConfiguration configuration, TimeProvider time, ILogger<CheckpointWriter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var tick = new PeriodicTimer(configuration.GetValue("Audit:CheckpointInterval", TimeSpan.FromSeconds(1)), time);
        while (await tick.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await SignAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "No checkpoint of the audit log could be signed this time");
            }
        }
    }

    private async Task SignAsync(CancellationToken cancellationToken)
    {
        var size = await log.SizeAsync(cancellationToken).ConfigureAwait(false);
        var last = await log.CheckpointAsync(null, cancellationToken).ConfigureAwait(false);
        if (size == 0 || size <= (last?.Size ?? 0))
        {
            return;
        }

        if (last is not null && !(await log.RootAsync(last.Size, cancellationToken).ConfigureAwait(false)).AsSpan().SequenceEqual(last.Root))
        {
            logger.LogCritical("The audit log's first {Size} leaves are no longer the tree its checkpoint signed: events were changed or removed. No checkpoint is signed until an auditor looks (GET /api/audit/log/verify)", last.Size);
            return;
        }

        var root = await log.RootAsync(size, cancellationToken).ConfigureAwait(false);
        await log.AddCheckpointAsync(CheckpointText.Sign(keys.Current, size, root, time.GetUtcNow()), cancellationToken).ConfigureAwait(false);
    }
}
