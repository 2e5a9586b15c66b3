using System.Globalization;
using Idarati.Api.Infrastructure;
using Idarati.Application.Audit;
using Idarati.Application.Complaints;
using Idarati.Application.Handling;
using Idarati.GraphQL.Types;
using Idarati.Projections.Audit;

namespace Idarati.Api.GraphQL;

public static partial class FrontEndSchema
{
    /// <summary>The audit log, as REST publishes it: its size, a signed checkpoint, a consistency proof. Anyone.</summary>
    private static FieldDefinition AuditLogField()
    {
        var checkpoint = new ObjectGraphType("Checkpoint", "A signed statement of the audit log's size and root: a C2SP signed note, Ed25519 (docs/audit.md).");
        checkpoint.AddFields(
            new FieldDefinition("size", Scalars.String.NonNull, "Leaves in the tree (a 64-bit number, as a string).") { Resolve = c => Value(((Checkpoint)c.Source!).Size.ToString(CultureInfo.InvariantCulture)) },
            new FieldDefinition("root", Scalars.String.NonNull, "The RFC 9162 root, in base64.") { Resolve = c => Value(Convert.ToBase64String(((Checkpoint)c.Source!).Root)) },
            new FieldDefinition("signedAt", DateTime.NonNull),
            new FieldDefinition("keyName", Scalars.String.NonNull),
            new FieldDefinition("note", Scalars.String.NonNull, "The signed note, as GET /api/audit/checkpoints/latest serves it: keep it, and check later logs against it."));
        var log = new ObjectGraphType("AuditLog", "Every event of the store as a leaf of an RFC 9162 Merkle tree, with signed checkpoints. No personal data: anyone.");
        log.AddFields(
            new FieldDefinition("size", Scalars.String.NonNull, "Leaves in the tree now (a 64-bit number, as a string).")
            {
                Resolve = c => Guard(async () => (await Service<AuditLog>(c).SizeAsync(c.CancellationToken).ConfigureAwait(false)).ToString(CultureInfo.InvariantCulture)),
            },
            new FieldDefinition("checkpoint", checkpoint, "The signed checkpoint of exactly that size (a 64-bit number, as a string), or the latest when size is null; null when none.")
            {
                Arguments = [new("size", Scalars.String)],
                Resolve = c => Guard(async () => await Service<AuditLog>(c).CheckpointAsync(Size(c, "size"), c.CancellationToken).ConfigureAwait(false)),
            },
            new FieldDefinition("consistency", new NonNullGraphType(new ListGraphType(Scalars.String.NonNull)), "The RFC 9162 consistency proof (base64 hashes) that the log of `to` leaves extends the log of `from` leaves.")
            {
                Arguments = [new("from", Scalars.String.NonNull), new("to", Scalars.String.NonNull)],
                Resolve = c => Guard(async () =>
                {
                    var (from, to) = (Size(c, "from")!.Value, Size(c, "to")!.Value);
                    var size = await Service<AuditLog>(c).SizeAsync(c.CancellationToken).ConfigureAwait(false);
                    new Validation().Check("to", to >= from && to <= size, $"A size of the log from `from` to its current size ({size}).").ThrowIfInvalid();
                    return (await Service<AuditLog>(c).ConsistencyAsync(from, to, c.CancellationToken).ConfigureAwait(false)).Select(Convert.ToBase64String).ToList();
                }),
            });
        return new FieldDefinition("auditLog", log.NonNull, "The audit log: size, signed checkpoints, consistency proofs (REST: /api/audit/checkpoints, /api/audit/consistency). Anyone.")
        {
            Resolve = _ => Value(new object()),
        };
    }

    /// <summary>Each event of a complaint with its leaf and inclusion proof, as the history export carries them. Roles: auditor, supervisor.</summary>
    private static FieldDefinition LogProofsField()
    {
        var proof = new ObjectGraphType("EventLogProof", "An event's leaf in the audit log and its RFC 9162 inclusion proof in the signed checkpoint of checkpointSize leaves.");
        proof.AddFields(
            new FieldDefinition("version", Scalars.Int.NonNull),
            new FieldDefinition("leafIndex", Scalars.String, "The event's leaf (a 64-bit number, as a string); null until the log has it."),
            new FieldDefinition("checkpointSize", Scalars.String, "The checkpoint the proof is against; null until a checkpoint includes the event."),
            new FieldDefinition("inclusion", new ListGraphType(Scalars.String.NonNull), "Base64 hashes, from the leaf up."));
        return new FieldDefinition("logProofs", new NonNullGraphType(new ListGraphType(proof.NonNull)), "Every event with its place in the audit log and its inclusion proof against the latest signed checkpoint. Roles: auditor, supervisor.")
        {
            Resolve = c => Guard(async () =>
            {
                var export = (await Service<ComplaintService>(c).ExportAsync([((ComplaintView)c.Source!).Id], Caller(c, Auth.Roles.Auditor, Auth.Roles.Supervisor), c.CancellationToken).ConfigureAwait(false)).Single();
                return export.Events.Select(e => new Dictionary<string, object?>
                {
                    ["version"] = (int)e.Version,
                    ["leafIndex"] = e.LeafIndex?.ToString(CultureInfo.InvariantCulture),
                    ["checkpointSize"] = e.Inclusion is null ? null : export.Checkpoint is { } note ? CheckpointText.Read(note)?.Size.ToString(CultureInfo.InvariantCulture) : null,
                    ["inclusion"] = e.Inclusion,
                }).ToList();
            }),
        };
    }

    /// <summary>A log size given as a string of digits, or null when the argument is null; BAD_USER_INPUT naming it otherwise.</summary>
    private static long? Size(ResolveContext c, string argument)
    {
        var text = c.Argument<string>(argument);
        if (text is null)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            ? size
            : throw new ValidationFailedException(new Dictionary<string, string[]> { [argument] = ["A size of the log: digits, 0 or more."] });
    }
}
