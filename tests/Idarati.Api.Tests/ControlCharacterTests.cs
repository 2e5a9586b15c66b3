using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Idarati.Api.Tests;

/// <summary>
/// A NUL (or another control character) through every text field of every POST route and every GraphQL mutation is
/// refused at the door naming the field, and nothing is appended: such text once stopped read models for everyone.
/// </summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class ControlCharacterTests(ApiWithReferenceData api) : IAsyncLifetime
{
    private readonly ApiFactory factory = api.Factory;

    /// <summary>Each test starts from the reference data alone, on the project's shared host.</summary>
    public Task InitializeAsync() => api.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private const string Nul = "Rab\u0000at";

    private ScenarioCaller Caller(string role) =>
        role.Split(':') is [var r, var administration] ? factory.As(r, administration) : factory.As(role, subject: role == "citizen" ? "nul-citizen" : null);

    /// <summary>Every string in a JSON body, with its path as the API names fields ("location.region").</summary>
    private static IEnumerable<string> StringPaths(JsonNode node, string? path = null) => node switch
    {
        JsonObject o => o.SelectMany(p => StringPaths(p.Value!, path is null ? p.Key : $"{path}.{p.Key}")),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [path!],
        _ => [],
    };

    private static JsonNode WithText(string body, string path, string text)
    {
        var root = JsonNode.Parse(body)!;
        var parts = path.Split('.');
        var parent = parts[..^1].Aggregate(root, (n, p) => n[p]!);
        parent[parts[^1]] = text;
        return root;
    }

    [Fact]
    public async Task Every_text_field_of_every_post_route_refuses_control_characters_naming_the_field()
    {
        var citizen = Caller("citizen");
        var complaint = (await citizen.PostAsync("/api/complaints", TestHttp.Complaint(), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var centre = Caller("agent:CENTRE-3737");
        var ticket = (await centre.PostAsync("/api/call-center/tickets", new { channel = "phone", categoryCode = "PROCEDURES", topic = "Passeport", language = "arabic" }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var finances = Caller("agent:MIN-FINANCES");
        var competition = (await finances.PostAsync("/api/competitions", new { administrationId = "MIN-FINANCES", title = "Administrateurs", grade = "Grade 1", posts = 3, applicationDeadline = TimeProvider.System.GetUtcNow().AddDays(30), acceptsElectronicApplications = true }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var candidate = (await citizen.PostAsync("/api/candidates", new { fullName = "Candidat Fictif", nationalId = "ZZ123456", email = $"nul-{Guid.NewGuid():N}@example.invalid" }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await citizen.PostAsync($"/api/candidates/{candidate}/verify", null, HttpStatusCode.OK);
        var application = (await citizen.PostAsync("/api/applications", new { competitionId = competition, candidateId = candidate }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var complaintBody = JsonSerializer.Serialize(TestHttp.Complaint());
        var escalation = JsonSerializer.Serialize(new { administrationId = "MIN-SANTE", categoryCode = "HEALTH.WAIT", subject = "Objet", description = "Description", location = new { region = "Oriental", province = "Oujda-Angad", commune = "Oujda" }, citizen = new { fullName = "Citoyen Fictif", nationalId = "ZZ654321", phone = "+212600000000", email = "citoyen@example.invalid" } });
        (string Role, string Route, string Body)[] routes =
        [
            ("citizen", "/api/complaints", complaintBody),
            ("agent:MIN-SANTE", $"/api/complaints/{complaint}/request-information", """{"question":"Quel service ?"}"""),
            ("citizen", $"/api/complaints/{complaint}/provide-information", """{"text":"Le service des urgences."}"""),
            ("agent:MIN-SANTE", $"/api/complaints/{complaint}/reject", """{"reason":"outsideCompetence","comment":"Hors compétence"}"""),
            ("agent:MIN-SANTE", $"/api/complaints/{complaint}/answer", """{"text":"Réponse","outcome":"favourable"}"""),
            ("citizen", $"/api/complaints/{complaint}/feedback", """{"satisfied":true,"comment":"Merci"}"""),
            ("citizen", $"/api/complaints/{complaint}/reopen", """{"reason":"Toujours rien"}"""),
            ("agent:MIN-SANTE", $"/api/complaints/{complaint}/transfer", """{"toAdministrationId":"MIN-EDUCATION","reason":"Compétence"}"""),
            ("agent:CENTRE-3737", "/api/call-center/tickets", """{"channel":"phone","categoryCode":"PROCEDURES","topic":"Passeport","language":"arabic"}"""),
            ("agent:CENTRE-3737", $"/api/call-center/tickets/{ticket}/answer", """{"answer":"Voir le portail."}"""),
            ("agent:CENTRE-3737", $"/api/call-center/tickets/{ticket}/escalate", escalation),
            ("agent:MIN-FINANCES", "/api/competitions", """{"administrationId":"MIN-FINANCES","title":"Ingénieurs","grade":"Grade 2","posts":2,"applicationDeadline":"2030-01-01T00:00:00Z","acceptsElectronicApplications":true}"""),
            ("citizen", "/api/candidates", """{"fullName":"Autre Candidat","nationalId":"ZZ111111","email":"autre@example.invalid"}"""),
            ("citizen", "/api/applications", $$"""{"competitionId":"{{competition}}","candidateId":"{{candidate}}"}"""),
            ("agent:MIN-FINANCES", $"/api/applications/{application}/convoke-written", """{"examAt":"2030-02-01T09:00:00Z"}"""),
            ("agent:MIN-FINANCES", $"/api/applications/{application}/result", """{"result":"admitted"}"""),
            ("admin", "/api/administrations", """{"id":"NUL-TEST","nameAr":"إدارة","nameFr":"Administration","kind":"ministry","region":"Oriental"}"""),
            ("admin", "/api/administrations/MIN-SANTE/deactivate", """{"reason":"Fusion"}"""),
            ("admin", "/api/dev/tokens", """{"role":"citizen","subject":"someone"}"""),
        ];

        var checkedFields = 0;
        foreach (var (role, route, body) in routes)
        {
            var caller = Caller(role);
            foreach (var field in StringPaths(JsonNode.Parse(body)!))
            {
                foreach (var text in new[] { Nul, "a\u0007b", "\u200B\u200E \u2060" })
                {
                    var before = await factory.CountEventsAsync();
                    var answer = await caller.PostTextAsync(route, WithText(body, field, text).ToJsonString(), HttpStatusCode.BadRequest, problem: true);
                    Assert.True(answer.GetProperty("errors").TryGetProperty(field, out _), $"{route} {field}: {answer}");
                    Assert.Equal(before, await factory.CountEventsAsync());
                    checkedFields++;
                }
            }
        }

        Assert.True(checkedFields > 100, $"only {checkedFields} cases ran");
    }

    [Fact]
    public async Task Query_strings_and_paths_with_control_characters_are_400s_naming_the_parameter()
    {
        var agent = Caller("supervisor");
        var list = await agent.GetAsync("/api/complaints?categoryCode=HEALTH%00WAIT", HttpStatusCode.BadRequest);
        Assert.True(list.GetProperty("errors").TryGetProperty("categoryCode", out _));
        var tracking = await factory.As(null).GetAsync("/api/complaints/by-tracking/CHK%01X?accessCode=AAAA", HttpStatusCode.BadRequest);
        Assert.True(tracking.GetProperty("errors").TryGetProperty("path", out _));
    }

    [Fact]
    public async Task Every_text_field_of_every_mutation_refuses_control_characters_naming_the_field()
    {
        var admin = factory.As("admin");
        var schema = await TestHttp.Graph(admin, """
            { __schema { mutationType { fields { name type { ...T } args { name type { ...T } } } }
                         types { name kind fields { name } inputFields { name type { ...T } } enumValues { name } } } }
            fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
            """);
        var types = schema.GetProperty("data").GetProperty("__schema").GetProperty("types").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        var supervisor = factory.As("supervisor");
        var citizen = Caller("citizen");
        var checkedFields = 0;
        foreach (var mutation in schema.GetProperty("data").GetProperty("__schema").GetProperty("mutationType").GetProperty("fields").EnumerateArray())
        {
            var name = mutation.GetProperty("name").GetString()!;
            var inputType = Named(mutation.GetProperty("args")[0].GetProperty("type"));
            var caller = name switch
            {
                "registerAdministration" or "deactivateAdministration" or "rebuildProjection" => admin,
                "provideComplaintInformation" or "giveComplaintFeedback" or "reopenComplaint" or "createCandidate" or "applyToCompetition" or "withdrawApplication" => citizen,
                _ => supervisor,
            };
            foreach (var path in TextPaths(types, inputType, null))
            {
                var before = await factory.CountEventsAsync();
                var input = Sample(types, inputType, path, null);
                var payload = types[Named(mutation.GetProperty("type"))];
                var hasErrors = payload.GetProperty("fields").EnumerateArray().Any(f => f.GetProperty("name").GetString() == "errors");
                var selection = hasErrors ? "errors { code field }" : "__typename";
                var answer = await TestHttp.Graph(caller, $"mutation($input: {inputType}!) {{ {name}(input: $input) {{ {selection} }} }}", new { input });
                if (hasErrors)
                {
                    Assert.True(answer.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object, $"{name} {path}: {answer}");
                    var errors = data.GetProperty(name).GetProperty("errors");
                    Assert.True(errors.GetArrayLength() == 1 && errors[0].GetProperty("code").GetString() == "BAD_USER_INPUT" && errors[0].GetProperty("field").GetString() == path,
                        $"{name} {path}: {answer}");
                }
                else
                {
                    var error = answer.GetProperty("errors")[0].GetProperty("extensions");
                    Assert.True(error.GetProperty("code").GetString() == "BAD_USER_INPUT" && error.GetProperty("fields").TryGetProperty(path, out _), $"{name} {path}: {answer}");
                }

                Assert.Equal(before, await factory.CountEventsAsync());
                checkedFields++;
            }
        }

        Assert.True(checkedFields > 60, $"only {checkedFields} cases ran");
    }

    private static string Named(JsonElement type) =>
        type.GetProperty("kind").GetString() is "NON_NULL" or "LIST" ? Named(type.GetProperty("ofType")) : type.GetProperty("name").GetString()!;

    /// <summary>The paths of every String and ID field of an input type, nested inputs included.</summary>
    private static IEnumerable<string> TextPaths(Dictionary<string, JsonElement> types, string typeName, string? prefix)
    {
        foreach (var field in types[typeName].GetProperty("inputFields").EnumerateArray())
        {
            var path = prefix is null ? field.GetProperty("name").GetString()! : $"{prefix}.{field.GetProperty("name").GetString()}";
            var named = Named(field.GetProperty("type"));
            if (named is "String" or "ID")
            {
                yield return path;
            }
            else if (types[named].GetProperty("kind").GetString() == "INPUT_OBJECT")
            {
                foreach (var inner in TextPaths(types, named, path))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>A value for every field of an input type, with <see cref="Nul"/> at <paramref name="target"/>.</summary>
    private static Dictionary<string, object?> Sample(Dictionary<string, JsonElement> types, string typeName, string target, string? prefix)
    {
        var values = new Dictionary<string, object?>();
        foreach (var field in types[typeName].GetProperty("inputFields").EnumerateArray())
        {
            var fieldName = field.GetProperty("name").GetString()!;
            var path = prefix is null ? fieldName : $"{prefix}.{fieldName}";
            var named = Named(field.GetProperty("type"));
            values[fieldName] = named switch
            {
                "String" or "ID" => path == target ? Nul : Guid.NewGuid().ToString(),
                "Int" => 1,
                "Boolean" => true,
                "DateTime" => "2030-01-01T00:00:00Z",
                _ when types[named].GetProperty("kind").GetString() == "ENUM" => types[named].GetProperty("enumValues")[0].GetProperty("name").GetString(),
                _ => Sample(types, named, target, path),
            };
        }

        return values;
    }
}
