using System.Text;
using System.Text.Json;
using Npgsql;

namespace Idarati.Projections.Live;

/// <summary>A complaint's row moved in the complaint list: its log position, its administration, and the one it left (a transfer).</summary>
public sealed record ComplaintMove(long Position, Guid Id, string AdministrationId, string? FromAdministrationId);

/// <summary>What a read model tells the nodes it has committed: complaints whose rows moved, or the call centre's figures moving.</summary>
public abstract record LiveNotice
{
    public sealed record ComplaintsMoved(IReadOnlyList<ComplaintMove> Moves) : LiveNotice;

    public sealed record TicketsMoved(long Position) : LiveNotice;
}

/// <summary>
/// The read models' PostgreSQL notifications on <see cref="Channel"/>, sent in the daemon's transaction with the rows they
/// announce: delivered to every listening node only when that transaction commits (never for one rolled back), and
/// after the rows are readable. A notification's payload stays under PostgreSQL's 8,000 bytes: moves are split across
/// several, and a move too long to send at all (an absurd administration id) is left out rather than failing the batch.
/// </summary>
public static class LiveNotices
{
    public const string Channel = "idarati_live";

    private const int PayloadLimit = 7_000;

    public static Task ComplaintsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<ComplaintMove> moves, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(moves);
        var payloads = new List<string>();
        var current = new StringBuilder();
        foreach (var move in moves)
        {
            var item = JsonSerializer.Serialize(new object?[] { move.Position, move.Id, move.AdministrationId, move.FromAdministrationId });
            if (Encoding.UTF8.GetByteCount(item) > PayloadLimit - 16)
            {
                continue;
            }

            if (current.Length > 0 && Encoding.UTF8.GetByteCount(current.ToString()) + item.Length + 2 > PayloadLimit)
            {
                payloads.Add(current.Append("]}").ToString());
                current.Clear();
            }

            current.Append(current.Length == 0 ? "{\"c\":[" : ",").Append(item);
        }

        if (current.Length > 0)
        {
            payloads.Add(current.Append("]}").ToString());
        }

        return SendAsync(connection, transaction, payloads, cancellationToken);
    }

    public static Task TicketsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long position, CancellationToken cancellationToken) =>
        SendAsync(connection, transaction, [$"{{\"t\":{position}}}"], cancellationToken);

    private static async Task SendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<string> payloads, CancellationToken cancellationToken)
    {
        if (payloads.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand("SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Channel });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. payloads] });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A notification's payload read back; null for one this version does not know.</summary>
    public static LiveNotice? Parse(string payload)
    {
        try
        {
            using var document = JsonDocument.Parse(payload);
            var root = document.RootElement;
            if (root.TryGetProperty("t", out var tickets))
            {
                return new LiveNotice.TicketsMoved(tickets.GetInt64());
            }

            if (!root.TryGetProperty("c", out var complaints))
            {
                return null;
            }

            return new LiveNotice.ComplaintsMoved([.. complaints.EnumerateArray().Select(m => new ComplaintMove(
                m[0].GetInt64(), m[1].GetGuid(), m[2].GetString()!, m[3].ValueKind == JsonValueKind.Null ? null : m[3].GetString()))]);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
