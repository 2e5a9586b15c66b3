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

        administrations.MapPost("/", async Task<Created<AdministrationView>> (RegisterAdministrationRequest? request, HttpContext http, Wolverine.IMessageBus bus, CancellationToken cancellationToken) =>
            {
                var view = await bus.InvokeAsync<AdministrationView>(ToRegistration(request, http.CommandContext()), cancellationToken).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Created($"/api/administrations/{view.Id}", view);
            })
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<RegisterAdministration>()))
            .WithSummary("Register an administration. Role: admin.");

        administrations.MapPost("/{id}/deactivate", async Task<Ok<AdministrationView>> (string id, DeactivateAdministrationRequest? request, HttpContext http, Wolverine.IMessageBus bus, CancellationToken cancellationToken) =>
            {
                new Validation().Required("body", request).ThrowIfInvalid();
                var view = await bus.InvokeAsync<AdministrationView>(new DeactivateAdministration(id, request!.Reason, http.CommandContext()), cancellationToken).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<DeactivateAdministration>()))
            .WithSummary("Deactivate an administration: it no longer receives complaints or transfers. Role: admin.");

        endpoints.MapGet("/api/categories", () => TypedResults.Ok(Catalogue.ComplaintCategories))
            .AllowAnonymous().WithTags("reference data")
            .WithSummary("The complaint subject tree (code, Arabic and French labels, children). Anyone may call it.");
        endpoints.MapGet("/api/call-center/categories", () => TypedResults.Ok(Catalogue.CallCenterCategories))
            .AllowAnonymous().WithTags("reference data")
            .WithSummary("The 3737 call centre's question categories. Anyone may call it.");
    }

    /// <summary>A registration's body (REST) or input (GraphQL) as the command; a missing body is named as such.</summary>
    private static RegisterAdministration ToRegistration(RegisterAdministrationRequest? request, CommandContext context)
    {
        new Validation().Required("body", request).ThrowIfInvalid();
        return new RegisterAdministration(request!.Id, request.NameAr, request.NameFr, request.Kind, request.Region, context);
    }
}
