using Microsoft.AspNetCore.Http.HttpResults;
using Wolverine.Persistence.Durability.DeadLetterManagement;
using Wolverine.Runtime;
using R = Idarati.Api.Infrastructure.Auth.Roles;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// The messages Wolverine set aside (a mail the server refused for good, a mail still failing after a day of retries):
/// listed for an admin and replayed on request, through Wolverine's own dead-letter store. The rows say which message
/// and why, never who: a notification names a complaint and a version, and the refusal carries the status code only.
/// </summary>
public static class MessageDeadLetters
{
    /// <summary>One message set aside: its id for a replay, its type and body, the exception's type and message, when it was sent, and whether a replay is asked.</summary>
    public sealed record MessageDeadLetter(Guid Id, string MessageType, object? Message, string ExceptionType, string ExceptionMessage, DateTimeOffset SentAt, bool Replayable);

    /// <summary>The messages set aside, the newest first (at most <c>limit</c>), and how many there are in all.</summary>
    public sealed record MessageDeadLetterPage(int TotalCount, IReadOnlyList<MessageDeadLetter> Items);

    /// <summary>Which messages to put back on their queue.</summary>
    public sealed record ReplayRequest(IReadOnlyList<Guid> Ids);

    public static void MapMessageDeadLetters(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/messages/dead-letters").WithTags("messages").RequireAuthorization(p => p.RequireRole(R.Admin));
        group.MapGet("/", async (IWolverineRuntime runtime, int? limit, CancellationToken ct) =>
            {
                var take = Idarati.Application.Handling.Paging.Size("limit", limit);
                var results = await runtime.Stores.FetchDeadLetterEnvelopesAsync(new DeadLetterEnvelopeGetRequest { Limit = (uint)take }, ct).ConfigureAwait(false);
                var items = results.SelectMany(r => r.Envelopes)
                    .Select(e => new MessageDeadLetter(e.Id, e.MessageType, e.Message, e.ExceptionType, e.ExceptionMessage, e.SentAt, e.Replayable))
                    .OrderByDescending(e => e.SentAt).Take(take).ToList();
                return TypedResults.Ok(new MessageDeadLetterPage(results.Sum(r => r.TotalCount), items));
            })
            .WithSummary("The messages Wolverine set aside after their handler failed for good (a mail the server refused with 5xx, or still failing after a day of retries): id, message type and body, the error, when it was sent, and whether a replay is asked. The newest first, limit 1-200 (50; another is a 400 naming limit). Role: admin.");
        group.MapPost("/replay", async Task<Results<Accepted, ValidationProblem>> (ReplayRequest request, IWolverineRuntime runtime) =>
            {
                if (request.Ids is not { Count: > 0 and <= 500 })
                {
                    return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["ids"] = ["Between 1 and 500 dead-letter ids."] });
                }

                await runtime.Stores.ReplayDeadLettersAsync([.. request.Ids]).ConfigureAwait(false);
                return TypedResults.Accepted("/api/messages/dead-letters");
            })
            .WithSummary("Puts the named messages back on their queue: Wolverine handles each again, once, on any node (a mail is sent with the same Message-ID). Role: admin.");
    }
}
