using System.Globalization;
using Idarati.Api.Infrastructure;
using Idarati.Application.Handling;
using Idarati.Application.Privacy;
using Idarati.GraphQL.Types;
using Idarati.Projections.Privacy;

namespace Idarati.Api.GraphQL;

public static partial class FrontEndSchema
{
    /// <summary>A person's identity as a stream holds it: every field null once it was erased.</summary>
    private static readonly ObjectGraphType PersonType = NewPersonType();

    private static ObjectGraphType NewPersonType()
    {
        var person = new ObjectGraphType("Person", "Who a caller said they are (personal data, sealed under their key): each field null once erased.");
        person.AddFields(
            new FieldDefinition("fullName", Scalars.String), new FieldDefinition("nationalId", Scalars.String),
            new FieldDefinition("phone", Scalars.String), new FieldDefinition("email", Scalars.String));
        return person;
    }

    /// <summary>The access log of personal data (REST: GET /api/personal-data/reads). Roles: auditor, dpo.</summary>
    private static FieldDefinition PersonalDataReadsField()
    {
        var read = new ObjectGraphType("PersonalDataRead", "A recorded read of one stream's personal fields by staff.");
        read.AddFields(
            new FieldDefinition("position", Scalars.String.NonNull, "The read's event in the global log (a 64-bit number, as a string).")
            {
                Resolve = c => Value(((PersonalDataReadRow)c.Source!).Position.ToString(CultureInfo.InvariantCulture)),
            },
            new FieldDefinition("streamId", Scalars.String.NonNull), new FieldDefinition("readBy", Scalars.String.NonNull), new FieldDefinition("route", Scalars.String.NonNull),
            new FieldDefinition("fields", new NonNullGraphType(new ListGraphType(Scalars.String.NonNull)), "The stored paths of the fields revealed (citizen.email, description…)."),
            new FieldDefinition("readAt", DateTime.NonNull));
        var page = new ObjectGraphType("PersonalDataReadPage", "A page of the access log, oldest first.");
        page.AddFields(
            new FieldDefinition("reads", new NonNullGraphType(new ListGraphType(read.NonNull))),
            new FieldDefinition("next", Scalars.String, "Pass it as `after` for the next page; null on the last.")
            {
                Resolve = c => Value(((PersonalDataReadPage)c.Source!).Next?.ToString(CultureInfo.InvariantCulture)),
            },
            new FieldDefinition("freshness", FreshnessType.NonNull));
        return new FieldDefinition("personalDataReads", page.NonNull, "Who read whose personal data, when and through which route, filtered by stream, reader and time. Roles: auditor, dpo.")
        {
            Cost = 10,
            ListSize = new ListSize(AssumedSize: 100, SlicingArguments: ["first"], SizedFields: ["reads"], RequireOneSlicingArgument: false),
            Arguments =
            [
                new("streamId", Scalars.String), new("readBy", Scalars.String), new("from", DateTime), new("to", DateTime),
                new("after", Scalars.String), new("first", Scalars.Int, $"At most {PersonalDataReads.MaxLimit}; 100 when not given."),
            ],
            Resolve = c => Guard(async () =>
            {
                Caller(c, Auth.Roles.Auditor, Auth.Roles.DataProtectionOfficer);
                var first = c.Argument<int?>("first");
                var after = c.Argument<string>("after");
                new Validation().Text("streamId", c.Argument<string>("streamId"), 100, required: false).Text("readBy", c.Argument<string>("readBy"), 300, required: false)
                    .Check("first", first is null or (>= 1 and <= PersonalDataReads.MaxLimit), $"From 1 to {PersonalDataReads.MaxLimit}.")
                    .Check("after", after is null || long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out _), "The `next` of a previous page.").ThrowIfInvalid();
                var streamId = c.Argument<string>("streamId");
                var page = await Service<PersonalDataReads>(c).ListAsync(streamId is null ? null : [streamId], c.Argument<string>("readBy"), c.Argument<DateTimeOffset?>("from"),
                    c.Argument<DateTimeOffset?>("to"), after is null ? null : long.Parse(after, CultureInfo.InvariantCulture), first ?? 100, c.CancellationToken).ConfigureAwait(false);
                return page with { Freshness = page.Freshness.At(Service<TimeProvider>(c).GetUtcNow()) };
            }),
        };
    }

    /// <summary>Erase a person (REST: POST /api/personal-data/erasures). Role: dpo.</summary>
    private static FieldDefinition ErasePersonalDataField(ObjectGraphType userError)
    {
        var erasure = new ObjectGraphType("Erasure", "What an erasure did: the streams whose subject's key it destroyed, each given a personal-data.erased event.");
        erasure.AddFields(new FieldDefinition("streams", new NonNullGraphType(new ListGraphType(Scalars.String.NonNull))), new FieldDefinition("erasedAt", DateTime.NonNull));
        var input = new InputObjectGraphType("ErasePersonalDataInput", "A person named by any of a CIN, an e-mail address or a tracking number, and why.").AddFields(
            new InputValueDefinition("nationalId", Scalars.String), new InputValueDefinition("email", Scalars.String),
            new InputValueDefinition("trackingNumber", Scalars.String), new InputValueDefinition("reason", Scalars.String.NonNull));
        return new FieldDefinition("erasePersonalData", PayloadType("ErasurePayload", "erasure", erasure, userError).NonNull,
            "Erase a person: destroys the key of each stream that names them and records who erased and why on each; histories still verify and indicators do not change. Role: dpo.")
        {
            Arguments = [new("input", input.NonNull)],
            Resolve = c =>
            {
                var actor = Caller(c, Auth.Roles.DataProtectionOfficer);
                var i = c.Argument<IReadOnlyDictionary<string, object?>>("input")!;
                var request = new EraseSubject((string?)i.GetValueOrDefault("nationalId"), (string?)i.GetValueOrDefault("email"), (string?)i.GetValueOrDefault("trackingNumber"), (string?)i["reason"]);
                return PayloadAsync("erasure", async () => await Service<PersonalDataErasure>(c).EraseAsync(request, actor, c.CancellationToken).ConfigureAwait(false));
            },
        };
    }
}
