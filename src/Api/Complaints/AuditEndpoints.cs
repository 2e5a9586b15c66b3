using Idarati.Application.Handling;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Idarati.Api.Infrastructure;
using Idarati.Application.Complaints;
using Idarati.Projections.Complaints;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using R = Idarati.Api.Infrastructure.Auth.Roles;

namespace Idarati.Api.Complaints;

/// <summary>The auditors' exports: one complaint's history as a self-contained document, or an administration's histories of a period, streamed.</summary>
public static class AuditEndpoints
{
    public const string NdJson = "application/x-ndjson";
    public const string Csv = "text/csv";

    /// <summary>Histories read per page of the read model while streaming.</summary>
    private const int Page = 200;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly ReadOnlyMemory<byte> NewLine = "\n"u8.ToArray();

    public static void MapAudit(this IEndpointRouteBuilder endpoints)
    {
        var audit = endpoints.MapGroup("/api/audit/complaints").WithTags("audit").RequireAuthorization(p => p.RequireRole(R.Auditor, R.Supervisor));
        audit.MapGet("/{id:guid}/export", async Task<Ok<ComplaintHistoryExport>> (Guid id, HttpContext http, ComplaintService service, CancellationToken ct) =>
            {
                var export = (await service.ExportAsync([id], http.User.ToActor(), ct).ConfigureAwait(false)).SingleOrDefault()
                    ?? throw new Application.Handling.NotFoundException("The complaint");
                http.Response.Headers.ContentDisposition = $"attachment; filename=\"complaint-{id:N}-history.json\"";
                return TypedResults.Ok(export);
            })
            .WithSummary("A complaint's whole history as one JSON document: each event with version, position, type, recorded time, actor, metadata, body and hash, the exact texts the hashes cover, the canonical form, and the verification result; scripts/verify-export.mjs checks it without the service. Roles: auditor, supervisor.");
        audit.MapGet("/export", ExportAsync)
            .Produces(StatusCodes.Status200OK, contentType: NdJson, additionalContentTypes: [Csv])
            .WithSummary("Every history of an administration's complaints submitted in [from, to), streamed: NDJSON (one history per line, as the single export) or CSV (one event per line), as Accept asks. X-Total-Count says how many histories come. Rate-limited per caller. Roles: auditor, supervisor.");
    }

    private static async Task ExportAsync(
        string? administrationId, DateTimeOffset? from, DateTimeOffset? to, HttpContext http, ComplaintService service, ComplaintListQuery list, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var start = from ?? ServiceDates.Min;
        var end = to ?? time.GetUtcNow().AddDays(1);
        new Validation()
            .Text("administrationId", administrationId, 64, required: false)
            .Check("from", ServiceDates.InRange(start), ServiceDates.Message)
            .Check("to", ServiceDates.InRange(end) && end > start, "After from, and " + ServiceDates.Message)
            .ThrowIfInvalid();
        var media = Negotiate(http.Request.Headers.Accept);
        if (media is null)
        {
            await Results.Problem(statusCode: StatusCodes.Status406NotAcceptable, detail: $"Acceptable media types: {NdJson}, {Csv}.").ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        if (http.RequestServices.GetRequiredService<GuessLimits>().ExportRefusal(http) is { } wait)
        {
            await GuessLimits.TooMany(http, wait).ExecuteAsync(http).ConfigureAwait(false);
            return;
        }

        var actor = http.User.ToActor();
        var total = await list.CountAsync(administrationId, start, end, cancellationToken).ConfigureAwait(false);
        http.Response.ContentType = media == Csv ? "text/csv; charset=utf-8" : NdJson;
        http.Response.Headers["X-Total-Count"] = total.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"complaint-histories.{(media == Csv ? "csv" : "ndjson")}\"";
        var body = http.Response.Body;
        if (media == Csv)
        {
            await body.WriteAsync(Encoding.UTF8.GetBytes("complaintId,streamId,version,sequence,type,recordedAt,recordedAtMicros,actor,hash,headersJson,dataJson,chainValid,firstInvalidVersion\n"), cancellationToken).ConfigureAwait(false);
        }

        // Page by page through the read model, a page of histories per round trip: memory stays that of one page.
        (DateTimeOffset, Guid)? after = null;
        while (true)
        {
            var ids = await list.IdsAsync(administrationId, start, end, after, Page, cancellationToken).ConfigureAwait(false);
            foreach (var export in await service.ExportAsync([.. ids.Select(i => i.Id)], actor, cancellationToken).ConfigureAwait(false))
            {
                if (media == Csv)
                {
                    await body.WriteAsync(Encoding.UTF8.GetBytes(CsvRows(export)), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await JsonSerializer.SerializeAsync(body, export, Json, cancellationToken).ConfigureAwait(false);
                    await body.WriteAsync(NewLine, cancellationToken).ConfigureAwait(false);
                }
            }

            await body.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (ids.Count < Page)
            {
                return;
            }

            after = (ids[^1].SubmittedAt, ids[^1].Id);
        }
    }

    private static string CsvRows(ComplaintHistoryExport export)
    {
        var rows = new StringBuilder();
        foreach (var e in export.Events)
        {
            rows.AppendJoin(',',
            [
                export.ComplaintId.ToString(), export.StreamId, e.Version.ToString(CultureInfo.InvariantCulture), e.Sequence.ToString(CultureInfo.InvariantCulture),
                Field(e.Type), e.RecordedAt.ToString("O", CultureInfo.InvariantCulture), e.RecordedAtMicros.ToString(CultureInfo.InvariantCulture), Field(e.Actor ?? string.Empty),
                e.Hash, Field(e.Headers.GetRawText()), Field(e.Data.GetRawText()), export.Verification.Valid ? "true" : "false",
                export.Verification.FirstInvalidVersion?.ToString(CultureInfo.InvariantCulture) ?? string.Empty,
            ]).Append('\n');
        }

        return rows.ToString();
    }

    /// <summary>RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.</summary>
    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string? Negotiate(Microsoft.Extensions.Primitives.StringValues accept)
    {
        if (accept.Count == 0 || !MediaTypeHeaderValue.TryParseList(accept, out var types))
        {
            return NdJson;
        }

        foreach (var type in types.Where(t => t.Quality is null or > 0).OrderByDescending(t => t.Quality ?? 1))
        {
            var name = type.MediaType.Value;
            if (string.Equals(name, Csv, StringComparison.OrdinalIgnoreCase))
            {
                return Csv;
            }

            if (name is not null && (string.Equals(name, NdJson, StringComparison.OrdinalIgnoreCase) || name is "*/*" or "application/*" or "application/json"))
            {
                return NdJson;
            }
        }

        return null;
    }
}
