using Idarati.Application.Handling;
using Idarati.Api.Infrastructure;
using Idarati.Application.Administrations;
using Idarati.Domain.Administrations;
using Idarati.Domain.Reference;
using Microsoft.AspNetCore.Http.HttpResults;
using R = Idarati.Api.Infrastructure.Auth.Roles;

namespace Idarati.Api.Reference;

public sealed record RegisterAdministrationRequest(string? Id, string? NameAr, string? NameFr, AdministrationKind? Kind, string? Region);

public sealed record DeactivateAdministrationRequest(string? Reason);

/// <summary>/api/administrations and /api/categories: the reference data every form needs.</summary>
public static class ReferenceEndpoints
{
    public static void MapReference(this IEndpointRouteBuilder endpoints)
    {
        var administrations = endpoints.MapGroup("/api/administrations").WithTags("reference data");
        administrations.MapGet("/", async (AdministrationService service, CancellationToken cancellationToken) =>
                TypedResults.Ok(await service.ListAsync(cancellationToken).ConfigureAwait(false)))
            .AllowAnonymous()
            .WithSummary("Administrations with their Arabic and French names, kind, region and whether they receive complaints. Anyone may call it.");

        administrations.MapPost("/", async Task<Created<AdministrationView>> (RegisterAdministrationRequest? request, HttpContext http, AdministrationService service, CancellationToken cancellationToken) =>
            {
                var view = await service.RegisterAsync(ToProfile(request), http.CommandContext(), cancellationToken).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Created($"/api/administrations/{view.Id}", view);
            })
            .RequireAuthorization(p => p.RequireRole(R.Admin))
            .WithSummary("Register an administration. Role: admin.");

        administrations.MapPost("/{id}/deactivate", async Task<Ok<AdministrationView>> (string id, DeactivateAdministrationRequest? request, HttpContext http, AdministrationService service, CancellationToken cancellationToken) =>
            {
                var view = await service.DeactivateAsync(id, ValidReason(request), http.CommandContext(), cancellationToken).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .RequireAuthorization(p => p.RequireRole(R.Admin))
            .WithSummary("Deactivate an administration: it no longer receives complaints or transfers. Role: admin.");

        endpoints.MapGet("/api/categories", () => TypedResults.Ok(Catalogue.ComplaintCategories))
            .AllowAnonymous().WithTags("reference data")
            .WithSummary("The complaint subject tree (code, Arabic and French labels, children). Anyone may call it.");
        endpoints.MapGet("/api/call-center/categories", () => TypedResults.Ok(Catalogue.CallCenterCategories))
            .AllowAnonymous().WithTags("reference data")
            .WithSummary("The 3737 call centre's question categories. Anyone may call it.");
    }

    /// <summary>Checks a registration (REST body or GraphQL input) field by field.</summary>
    public static AdministrationProfile ToProfile(RegisterAdministrationRequest? request)
    {
        new Validation().Required("body", request)
            .Text("id", request?.Id, 64).Check("id", request?.Id is null || request.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'), "Letters, digits, '-' and '_' only.")
            .Text("nameAr", request?.NameAr, 300).Text("nameFr", request?.NameFr, 300).Required("kind", request?.Kind).Text("region", request?.Region, 100)
            .ThrowIfInvalid();
        var r = request!;
        return new AdministrationProfile(r.Id!, r.NameAr!, r.NameFr!, r.Kind!.Value, r.Region!);
    }

    public static string ValidReason(DeactivateAdministrationRequest? request)
    {
        new Validation().Required("body", request).Text("reason", request?.Reason, 1000).ThrowIfInvalid();
        return request!.Reason!;
    }
}
