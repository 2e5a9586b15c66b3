using System.Globalization;
using System.Text.RegularExpressions;
using Idarati.Api.Infrastructure;
using Idarati.Api.Live;
using Idarati.Application.Administrations;
using Idarati.Application.Complaints;
using Idarati.Application.Handling;
using Idarati.Domain.Complaints;
using Idarati.Domain.Reference;
using Idarati.Domain.Shared;
using Idarati.GraphQL.Execution;
using Idarati.GraphQL.Http;
using Idarati.GraphQL.Language;
using Idarati.GraphQL.Types;
using Idarati.Projections.Complaints;

namespace Idarati.Api.GraphQL;

/// <summary>
/// The schema front ends query at /graphql, over the same Application layer and read models as REST and with the same
/// roles (the caller comes from the request's JWT). Errors carry extensions.code: UNAUTHENTICATED, FORBIDDEN,
/// NOT_FOUND, BAD_USER_INPUT (with the field), RULE_VIOLATED (with the rule), PRECONDITION_FAILED.
/// </summary>
public static partial class FrontEndSchema
{
    /// <summary>The per-request batching services the schema's resolvers use.</summary>
    public static IServiceCollection AddFrontEndGraphQL(this IServiceCollection services) =>
        services.AddScoped<BatchScheduler>().AddScoped<AdministrationLoader>().AddLiveSubscriptions();

    /// <summary>Open at the HTTP level (complaintByTracking needs no account); each field checks the caller's role itself.</summary>
    public static void MapFrontEndGraphQL(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var configuration = endpoints.ServiceProvider.GetRequiredService<IConfiguration>();
        var environment = endpoints.ServiceProvider.GetRequiredService<IHostEnvironment>();
        var documents = FrontEndDocuments.Load();
        endpoints.MapGraphQL("/graphql", Build(), Options(documents, configuration.GetValue("GraphQL:TrustedDocumentsOnly", environment.IsProduction()), endpoints.ServiceProvider)).AllowAnonymous();
        endpoints.MapGet("/graphql/documents", () => TypedResults.Ok(new FrontEndDocuments.Manifest([.. documents.Manifest.Select(d => new FrontEndDocuments.Entry(d.Id, d.Name))])))
            .AllowAnonymous().WithTags("graphql")
            .WithSummary("The trusted documents: the GraphQL documents the front ends ship (docs/queries), each with its id, sha256 of its UTF-8 text, which a request may send as documentId instead of query. With GraphQL:TrustedDocumentsOnly (on in Production by default) no other document is run. Anyone may call it.");
    }

    private static GraphQLHttpOptions Options(TrustedDocuments documents, bool trustedOnly, IServiceProvider services) => new()
    {
        TrustedDocuments = documents,
        TrustedDocumentsOnly = trustedOnly,
        // Costs as the schema declares them (@cost, @listSize): a page of 200 complaints with their administrations is
        // about 420, the dashboard's heaviest request a few hundred; twelve such pages in one request at most.
        Limits = new Idarati.GraphQL.Validation.QueryLimits(MaxCost: 5_000),
        // Each complaintByTracking a request holds, and each complaintChangedByTracking subscription, is one guess of an
        // access code, counted before anything runs.
        Admit = (http, document, operation, variables) => http.RequestServices.GetRequiredService<GuessLimits>() is var guesses
            ? guesses.Admit(http, document, operation, variables, GuessLimits.ComplaintCodes, "complaintByTracking", "trackingNumber")
                ?? guesses.Admit(http, document, operation, variables, GuessLimits.ComplaintCodes, "complaintChangedByTracking", "trackingNumber")
            : null,
        Subscriptions = Live.LiveSubscriptions.Options(services),
        MapError = error => Outcomes.Of(error) is { Status: 503 } unavailable ? unavailable.ToGraphQLError() : null,
    };

    /// <summary>Instants out; in, a date or an instant with the meaning REST gives it (<see cref="ServiceDates.TryParse"/>).</summary>
    private static readonly ScalarGraphType DateTime = new("DateTime", "An instant, as an ISO-8601 string with its offset. As input, a date (yyyy-MM-dd) is the end of that day in Morocco (Africa/Casablanca).",
        value => value is DateTimeOffset d ? Instant(d) : throw new GraphQLCoercionException($"DateTime cannot represent value: {value}"),
        value => value is string s ? DateInput(s) : throw new GraphQLCoercionException($"DateTime cannot represent value: {value}"),
        literal => literal is StringValue s ? DateInput(s.Text) : throw new GraphQLCoercionException("DateTime cannot represent a non ISO-8601 value."),
        "https://www.rfc-editor.org/rfc/rfc3339");

    private static DateTimeOffset DateInput(string text) =>
        ServiceDates.TryParse(text, out var value, out var problem) ? value
        : throw new GraphQLCoercionException(problem == ServiceDates.Message ? $"DateTime out of range: {problem}" : $"DateTime cannot represent value: {problem}");

    /// <summary>
    /// An instant spelled as the REST API's JSON spells it (System.Text.Json: ISO 8601 with the offset, the fraction's
    /// trailing zeros dropped), so that a front end reading both sees the same text for the same instant.
    /// </summary>
    internal static string Instant(DateTimeOffset value)
    {
        // "O" is always yyyy-MM-ddTHH:mm:ss.fffffff±hh:mm (33 characters): seven fraction digits at 20..26, the offset
        // from 27. Formatted on the stack, trimmed, and made a string once.
        Span<char> text = stackalloc char[33];
        value.TryFormat(text, out _, "O", CultureInfo.InvariantCulture);
        var end = 27;
        while (end > 20 && text[end - 1] == '0')
        {
            end--;
        }

        end = end == 20 ? 19 : end;
        text[27..].CopyTo(text[end..]);
        return new string(text[..(end + 6)]);
    }

    /// <summary>A CLR enum as a GraphQL enum: SCREAMING_SNAKE_CASE names, the CLR values inside.</summary>
    private static EnumGraphType EnumOf<T>(string name, string description)
        where T : struct, Enum =>
        new(name, description, Enum.GetValues<T>().Select(v => new EnumValueDefinition(Screaming().Replace(v.ToString(), "$1_$2").ToUpperInvariant(), v)));

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex Screaming();

    private static HttpContext Http(ResolveContext c) => (HttpContext)c.RequestContext!;

    private static T Service<T>(ResolveContext c)
        where T : notnull => Http(c).RequestServices.GetRequiredService<T>();

    /// <summary>
    /// A mutation's command context: an Idempotency-Key is scoped to the caller and this mutation (mutations share no
    /// key space), and the mutation's input is the request it fingerprints.
    /// </summary>
    private static CommandContext Keyed(ResolveContext c) =>
        Http(c).CommandContext($"mutation {c.Field.Name}", System.Text.Json.JsonSerializer.Serialize(c.Arguments));

    /// <summary>The caller, when authenticated with one of <paramref name="roles"/>; the same rule REST applies.</summary>
    private static Actor Caller(ResolveContext c, params string[] roles)
    {
        var user = Http(c).User;
        if (user.Identity?.IsAuthenticated != true)
        {
            throw new GraphQLException("Authentication is required.", "UNAUTHENTICATED");
        }

        return roles.Any(user.IsInRole) ? user.ToActor() : throw new GraphQLException($"Allowed roles: {string.Join(", ", roles)}.", "FORBIDDEN");
    }

    /// <summary>Runs a use case and turns its refusals into top-level GraphQL errors, from the table REST reads too (<see cref="Outcomes"/>).</summary>
    private static async ValueTask<object?> Guard(Func<Task<object?>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (Outcomes.Of(e) is { Status: not 503 } outcome)
        {
            throw outcome.ToGraphQLError();
        }
    }

    public static Schema Build()
    {
        var label = new ObjectGraphType("Label", "A label in Arabic and French.");
        label.AddFields(new FieldDefinition("ar", Scalars.String.NonNull), new FieldDefinition("fr", Scalars.String.NonNull));
        var category = new ObjectGraphType("Category", "A complaint subject, with its sub-subjects.");
        category.AddFields(
            new FieldDefinition("code", Scalars.String.NonNull), new FieldDefinition("label", label.NonNull),
            new FieldDefinition("children", new NonNullGraphType(new ListGraphType(category.NonNull))) { ListSize = new ListSize(AssumedSize: 5, RequireOneSlicingArgument: false) });
        var administrationKind = EnumOf<Domain.Administrations.AdministrationKind>("AdministrationKind", "Ministry, public establishment or company, territorial collectivity.");
        var administration = new ObjectGraphType("Administration", "An administration that receives complaints.");
        administration.AddFields(
            new FieldDefinition("id", Scalars.ID.NonNull), new FieldDefinition("nameAr", Scalars.String.NonNull), new FieldDefinition("nameFr", Scalars.String.NonNull),
            new FieldDefinition("kind", administrationKind.NonNull), new FieldDefinition("region", Scalars.String.NonNull), new FieldDefinition("active", Scalars.Boolean.NonNull));
        var kind = EnumOf<ComplaintKind>("ComplaintKind", "Complaint, observation or suggestion.");
        var channel = EnumOf<ComplaintChannel>("ComplaintChannel", "Where the complaint came from.");
        var status = EnumOf<ComplaintStatus>("ComplaintStatus", "Where a complaint stands in its lifecycle.");
        var complaint = ComplaintType(administration, kind, channel, status);
        AddAuditFields(complaint);
        var listItem = ListItemType(administration);
        var lists = SharedListTypes();

        var query = new ObjectGraphType("Query");
        List<FieldDefinition> queries =
        [
            new FieldDefinition("administrations", new NonNullGraphType(new ListGraphType(administration.NonNull)), "Every administration. Anyone.")
            {
                ListSize = new ListSize(AssumedSize: 150, RequireOneSlicingArgument: false),
                Resolve = async c => await Service<AdministrationService>(c).ListAsync(c.CancellationToken).ConfigureAwait(false),
            },
            new FieldDefinition("categories", new NonNullGraphType(new ListGraphType(category.NonNull)), "The complaint subject tree. Anyone.")
            {
                ListSize = new ListSize(AssumedSize: 20, RequireOneSlicingArgument: false),
                Resolve = _ => ValueTask.FromResult<object?>(Catalogue.ComplaintCategories),
            },
            new FieldDefinition("complaint", complaint, "A complaint. Roles: agent (own administration), supervisor, auditor, citizen (own).")
            {
                Cost = 10,
                Arguments = [new("id", Scalars.ID.NonNull)],
                Resolve = c => Guard(async () =>
                {
                    var actor = Caller(c, Auth.Roles.Citizen, Auth.Roles.Agent, Auth.Roles.Supervisor, Auth.Roles.Auditor);
                    if (!Guid.TryParse(c.Argument<string>("id"), out var id))
                    {
                        throw ValidationFailedException.For("id", "Not a complaint id.");
                    }

                    return await Service<ComplaintService>(c).GetAsync(id, actor, null, null, c.CancellationToken).ConfigureAwait(false);
                }),
            },
            new FieldDefinition("complaintByTracking", complaint, "Follow a complaint with its tracking number and access code. Anyone holding both.")
            {
                Cost = 10,
                Arguments = [new("trackingNumber", Scalars.String.NonNull), new("accessCode", Scalars.String.NonNull)],
                Resolve = c => Guard(async () =>
                    await Service<ComplaintService>(c).GetByTrackingAsync(c.Argument<string>("trackingNumber")!, c.Argument<string>("accessCode")!, c.CancellationToken).ConfigureAwait(false)),
            },
            Connection(lists, new ListField<ComplaintRow>(
                "complaints", "The complaint list, no personal data, filtered by where and sorted by order (newest first by default). Roles: agent (own administration only), supervisor, auditor.",
                listItem, ComplaintListQuery.Shape, ComplaintListQuery.Read, [.. ReadScope.ListReaders.Select(CommandRoles.Name)], OwnAdministration)
            {
                ExtraArguments = [new("administrationId", Scalars.ID, "Shorthand for where: { administrationId: { eq } }; an agent always sees only its own.")],
            }),
        ];
        var projectionStatus = ProjectionStatusType();
        queries.AddRange([.. ListFields(lists, administration), IndicatorsField(label), ProjectionsField(projectionStatus), AuditLogField(), PersonalDataReadsField()]);
        query.AddFields([.. queries.Select(ScreenedQuery)]);

        var mutation = new ObjectGraphType("Mutation");
        var (location, citizen) = PlaceAndPersonInputs();
        var userError = UserErrorType();
        FieldDefinition[] mutations =
        [
            SubmitComplaintField(kind, channel, location, citizen, userError),
            .. ServiceMutations(userError, location, citizen),
            .. AdministrationMutations(userError, administration, administrationKind),
            RebuildProjectionField(projectionStatus, userError),
            RebuildProjectionsField(projectionStatus, userError),
            ErasePersonalDataField(userError),
            .. ComplaintActionFields(complaint, userError,
                EnumOf<AnswerOutcome>("AnswerOutcome", "Favourable, unfavourable or partially favourable."),
                EnumOf<RejectionReason>("RejectionReason", "The grounds on which a complaint is inadmissible.")),
        ];
        // A mutation appends to a stream (and reads it first): 10, like a stream read.
        mutation.AddFields([.. mutations.Select(WithInput).Select(ScreenedMutation).Select(m => m with { Cost = m.Cost ?? 10 })]);
        var subscription = SubscriptionType(complaint, listItem, Reachable(query, "CallCenterReport"));
        return new Schema(query, mutation, subscription, types: [DateTime]);
    }

    /// <summary>A named type the root reaches, found by name (built inside the field that returns it).</summary>
    private static NamedGraphType Reachable(FieldsGraphType root, string name)
    {
        var seen = new HashSet<NamedGraphType>();
        var pending = new Stack<NamedGraphType>([root]);
        while (pending.TryPop(out var type))
        {
            if (type.Name == name)
            {
                return type;
            }

            if (seen.Add(type) && type is FieldsGraphType fields)
            {
                foreach (var field in fields.Fields)
                {
                    pending.Push(field.Type.Unwrap());
                }
            }
        }

        throw new InvalidOperationException($"No type {name} is reachable from {root.Name}.");
    }

    /// <summary>
    /// Text a read model or the log could not store, or that no person typed (control characters, lone surrogates), is
    /// refused before any resolver runs, whatever the field: BAD_USER_INPUT naming the argument, as REST's 400 names it.
    /// </summary>
    private static FieldDefinition ScreenedQuery(FieldDefinition field)
    {
        var resolve = field.Resolve ?? throw new ArgumentException($"Field {field.Name} has no resolver.", nameof(field));
        return field with
        {
            Resolve = c => BadText(c.Arguments, null) is { } bad
                ? throw new GraphQLException(bad.Problem, ErrorCodes.BadUserInput, new Dictionary<string, object?> { ["fields"] = new Dictionary<string, string[]> { [bad.Field] = [bad.Problem] } })
                : resolve(c),
        };
    }

    /// <summary>The same screen for a mutation: the refusal is data in its payload's errors, like every other input error.</summary>
    private static FieldDefinition ScreenedMutation(FieldDefinition field)
    {
        var resolve = field.Resolve ?? throw new ArgumentException($"Mutation {field.Name} has no resolver.", nameof(field));
        var payload = field.Type.Unwrap() as FieldsGraphType;
        var state = payload?.Field("errors") is null ? null : payload.Fields.First(f => f.Name != "errors").Name;
        return field with
        {
            Resolve = c => BadText(c.Argument<IReadOnlyDictionary<string, object?>>("input") ?? c.Arguments, null) is not { } bad ? resolve(c)
                : state is null ? throw new GraphQLException(bad.Problem, ErrorCodes.BadUserInput, new Dictionary<string, object?> { ["fields"] = new Dictionary<string, string[]> { [bad.Field] = [bad.Problem] } })
                : ValueTask.FromResult<object?>(new Dictionary<string, object?> { [state] = null, ["errors"] = new[] { UserError(ErrorCodes.BadUserInput, bad.Problem, field: bad.Field) } }),
        };
    }

    /// <summary>The first string among the coerced arguments (nested inputs and lists included) that is not acceptable text.</summary>
    private static (string Field, string Problem)? BadText(object? value, string? path)
    {
        switch (value)
        {
            case string text when Validation.TextProblem(text) is { } problem:
                return (path ?? "input", problem);
            case IReadOnlyDictionary<string, object?> fields:
                foreach (var (name, inner) in fields)
                {
                    if (BadText(inner, path is null ? name : $"{path}.{name}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case System.Collections.IEnumerable items and not string:
                foreach (var item in items)
                {
                    if (BadText(item, path) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// HotChocolate's mutation conventions: every mutation takes one <c>input</c> argument of its own
    /// <c>{Mutation}Input</c> type (<c>acknowledgeComplaint(input: { id, expectedVersion })</c>). A mutation written
    /// with plain arguments gets them gathered into that type; its resolver still reads them by name.
    /// </summary>
    private static FieldDefinition WithInput(FieldDefinition field)
    {
        if (field.Arguments is [] or [{ Name: "input" }])
        {
            return field;
        }

        var input = new InputObjectGraphType(char.ToUpperInvariant(field.Name[0]) + field.Name[1..] + "Input").AddFields([.. field.Arguments]);
        var resolve = field.Resolve ?? throw new ArgumentException($"Mutation {field.Name} has no resolver.", nameof(field));
        return field with
        {
            Arguments = [new InputValueDefinition("input", input.NonNull)],
            Resolve = c => resolve(c with { Arguments = c.Argument<IReadOnlyDictionary<string, object?>>("input")! }),
        };
    }
}
