using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// Adds a worked example to the request bodies of the main commands, so that the Swagger UI shows a valid call. The
/// people in them are obviously fictitious: placeholder names and CINs, addresses under the reserved .invalid domain.
/// </summary>
public sealed class OpenApiExamples : IOperationFilter
{
    private static readonly Dictionary<string, string> Examples = new(StringComparer.Ordinal)
    {
        ["POST /api/complaints"] = """
            {"kind":"complaint","channel":"portal","administrationId":"MIN-SANTE","categoryCode":"HEALTH.WAIT","subject":"Attente aux urgences",
             "description":"Trois heures d'attente sans prise en charge.","location":{"region":"Rabat-Salé-Kénitra","province":"Rabat","commune":"Agdal-Riyad"},
             "citizen":{"fullName":"Citoyenne Exemple","nationalId":"XX000000","phone":"+212600000000","email":"citoyenne@example.invalid"}}
            """,
        ["POST /api/complaints/{id}/answer"] = """{"text":"Un médecin supplémentaire assure la garde depuis le 1er mars.","outcome":"favourable"}""",
        ["POST /api/complaints/{id}/transfer"] = """{"toAdministrationId":"MIN-EDUCATION","reason":"Relève de l'éducation nationale."}""",
        ["POST /api/complaints/{id}/reject"] = """{"reason":"beforeCourt","comment":"Affaire pendante devant le tribunal administratif."}""",
        ["POST /api/complaints/{id}/feedback"] = """{"satisfied":true,"comment":"Merci."}""",
        ["POST /api/complaints/{id}/reopen"] = """{"reason":"Rien n'a changé depuis la réponse."}""",
        ["POST /api/complaints/{id}/request-information"] = """{"question":"À quelle date avez-vous déposé le dossier ?"}""",
        ["POST /api/complaints/{id}/provide-information"] = """{"text":"Le 3 janvier 2026."}""",
        ["POST /api/administrations"] = """{"id":"ANRT","nameAr":"الوكالة الوطنية لتقنين المواصلات","nameFr":"Agence Nationale de Réglementation des Télécommunications","kind":"publicEstablishment","region":"Rabat-Salé-Kénitra"}""",
        ["POST /api/call-center/tickets"] = """{"channel":"phone","categoryCode":"PROCEDURES","topic":"Renouvellement du passeport","language":"arabic"}""",
        ["POST /api/competitions"] = """{"administrationId":"MIN-FINANCES","title":"Administrateurs","grade":"Administrateur 3e grade","posts":40,"applicationDeadline":"2026-12-31T23:59:00Z","acceptsElectronicApplications":true}""",
        ["POST /api/candidates"] = """{"fullName":"Candidat Exemple","nationalId":"XX000001","email":"candidat@example.invalid"}""",
        ["POST /api/dev/tokens"] = """{"role":"agent","administrationId":"MIN-SANTE"}""",
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        if (Examples.TryGetValue(OpenApiContract.RouteKey(context.ApiDescription), out var example) && operation.RequestBody?.Content is { } content)
        {
            foreach (var media in content.Values.OfType<OpenApiMediaType>())
            {
                media.Example = JsonNode.Parse(example);
            }
        }
    }
}
