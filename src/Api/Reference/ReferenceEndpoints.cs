using Idarati.Application.Handling;
using Idarati.Api.Infrastructure;
using Idarati.Application.Administrations;
using Idarati.Domain.Reference;
using Microsoft.AspNetCore.Http.HttpResults;
using R = Idarati.Api.Infrastructure.Auth.Roles;

namespace Idarati.Api.Reference;

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

        administrations.MapPost("/", async Task<Created<AdministrationView>> (HttpContext http, Wolverine.IMessageBus bus, CancellationToken cancellationToken) =>
            {
                var message = await JsonBody.ReadMessageAsync<RegisterAdministration>(http, cancellationToken).ConfigureAwait(false);
                var view = await bus.InvokeAsync<AdministrationView>(message, cancellationToken).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Created($"/api/administrations/{view.Id}", view);
            })
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<RegisterAdministration>()))
            .Accepts<RegisterAdministration>("application/json")
            .WithSummary("Register an administration. Role: admin.");

        administrations.MapPost("/{id}/deactivate", async Task<Ok<AdministrationView>> (string id, HttpContext http, Wolverine.IMessageBus bus, CancellationToken cancellationToken) =>
            {
                var message = await JsonBody.ReadAsync<DeactivateAdministration>(http, ServiceDates.RequestJson, cancellationToken).ConfigureAwait(false);
                new Validation().Required("body", message).ThrowIfInvalid();
                var view = await bus.InvokeAsync<AdministrationView>(message! with { AdministrationId = id, Context = http.CommandContext() }, cancellationToken).ConfigureAwait(false);
                http.SetETag(view.Version);
                return TypedResults.Ok(view);
            })
            .RequireAuthorization(p => p.RequireRole(CommandRoles.Names<DeactivateAdministration>()))
            .Accepts<DeactivateAdministration>("application/json")
            .WithSummary("Deactivate an administration: it no longer receives complaints or transfers. Role: admin.");

        endpoints.MapGet("/api/categories", () => TypedResults.Ok(Catalogue.ComplaintCategories))
            .AllowAnonymous().WithTags("reference data")
            .WithSummary("The complaint subject tree (code, Arabic and French labels, children). Anyone may call it.");
        endpoints.MapGet("/api/call-center/categories", () => TypedResults.Ok(Catalogue.CallCenterCategories))
            .AllowAnonymous().WithTags("reference data")
            .WithSummary("The 3737 call centre's question categories. Anyone may call it.");
    }
}
