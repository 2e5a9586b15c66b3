using System.Globalization;
using System.Runtime.CompilerServices;
using Idarati.Api.Infrastructure;
using Idarati.Api.Live;
using Idarati.Application.Complaints;
using Idarati.Application.Handling;
using Idarati.Application.Indicators;
using Idarati.Domain.Shared;
using Idarati.GraphQL.Execution;
using Idarati.GraphQL.Types;
using Idarati.Projections.CallCenter;
using Idarati.Projections.Complaints;
using Idarati.Projections.Live;

namespace Idarati.Api.GraphQL;

/// <summary>
/// The Subscription root: changes as the read models commit them, over graphql-transport-ws (ws://…/graphql) or
/// GraphQL over SSE (Accept: text/event-stream). Each field answers the type its query answers, under the query's roles
/// and scopes, checked when subscribing; a complaint that leaves an agent's administration ends that agent's stream.
/// </summary>
public static partial class FrontEndSchema
{
    /// <summary>Rows a reconnecting queue subscriber gets at most before the live changes.</summary>
    private const int ResumeLimit = 500;

    private static ObjectGraphType SubscriptionType(ObjectGraphType complaint, ObjectGraphType listItem, NamedGraphType callCenterReport)
    {
        var subscription = new ObjectGraphType("Subscription",
            "Changes as they are committed, from any node. Over WebSocket (graphql-transport-ws, the token in connection_init's Authorization) or SSE (Accept: text/event-stream, the token in the Authorization header; Last-Event-ID resumes).");
        subscription.AddFields(
            new FieldDefinition("complaintChanged", complaint.NonNull,
                "The complaint each time it changes. Roles: agent (own administration: the stream ends when the complaint is transferred away), supervisor, auditor, citizen (own).")
            {
                Cost = 10,
                Arguments = [new("id", Scalars.ID.NonNull)],
                Subscribe = c => ComplaintChangesAsync(c, Caller(c, Auth.Roles.Citizen, Auth.Roles.Agent, Auth.Roles.Supervisor, Auth.Roles.Auditor), ParseId(c), null),
                Resolve = c => Guard(async () => await Service<ComplaintService>(c).GetAsync(((ComplaintMove)c.Source!).Id, Http(c).User.ToActor(), null, null, c.CancellationToken).ConfigureAwait(false)),
            },
            new FieldDefinition("complaintChangedByTracking", complaint.NonNull, "A complaint each time it changes, followed with its tracking number and access code. Anyone holding both (each subscription is one guess).")
            {
                Cost = 10,
                Arguments = [new("trackingNumber", Scalars.String.NonNull), new("accessCode", Scalars.String.NonNull)],
                Subscribe = c => Tracked(c),
                Resolve = c => Guard(async () => await Service<ComplaintService>(c).GetAsync(((ComplaintMove)c.Source!).Id, Anonymous, c.Argument<string>("accessCode"), null, c.CancellationToken).ConfigureAwait(false)),
            },
            new FieldDefinition("queueChanged", listItem.NonNull,
                "A row of the administration's complaint list each time one enters it (submitted, transferred in) or moves in it (acknowledged, answered, closed). Roles: agent (own administration), supervisor.")
            {
                Cost = 10,
                Arguments = [new("administrationId", Scalars.ID.NonNull)],
                Subscribe = QueueChangesAsync,
                Resolve = c => ValueTask.FromResult<object?>(((QueueMove)c.Source!).Row),
            },
            new FieldDefinition("callCenterChanged", new NonNullGraphType(callCenterReport),
                "The 3737 centre's figures (counts only) each time a question is opened, answered, escalated or closed; several changes close together give one answer. Roles: supervisor, analyst.")
            {
                Cost = 10,
                Arguments = [new InputValueDefinition("groupBy", Scalars.String.NonNull).WithDefault("category")],
                Subscribe = c =>
                {
                    Caller(c, Auth.Roles.Supervisor, Auth.Roles.Analyst);
                    var feed = Service<LiveFeed>(c);
                    var resumed = LastEventId(c) is { } last ? new CallCenterMoved(last) : null;
                    return ValueTask.FromResult(Prefixed(resumed is null ? [] : [resumed], feed.CallCenter(c.CancellationToken), null, c.CancellationToken));
                },
                Resolve = Ask<GetCallCenterIndicators, CallCenterReport>,
            });
        return subscription;
    }

    private static readonly Actor Anonymous = new("anonymous", Role.Citizen);

    private static Guid ParseId(ResolveContext c) =>
        Guid.TryParse(c.Argument<string>("id"), out var id) ? id : throw ValidationFailedException.For("id", "Not a complaint id.");

    /// <summary>The SSE client's Last-Event-ID (the log position of the last event it got), when it reconnects.</summary>
    private static long? LastEventId(ResolveContext c) =>
        long.TryParse(Http(c).Request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var last) ? last : null;

    private static async ValueTask<IAsyncEnumerable<object?>> Tracked(ResolveContext c)
    {
        var view = await Guard(async () => await Service<ComplaintService>(c).GetByTrackingAsync(c.Argument<string>("trackingNumber")!, c.Argument<string>("accessCode")!, c.CancellationToken)
            .ConfigureAwait(false)).ConfigureAwait(false);
        return await ComplaintChangesAsync(c, Anonymous, ((ComplaintView)view!).Id, c.Argument<string>("accessCode")).ConfigureAwait(false);
    }

    /// <summary>
    /// A complaint's changes for one reader: listening first (nothing committed after this is missed), then checked as
    /// the query checks it; on resumption, the change it missed; and for an agent, only while the complaint is its administration's.
    /// </summary>
    private static async ValueTask<IAsyncEnumerable<object?>> ComplaintChangesAsync(ResolveContext c, Actor actor, Guid id, string? accessCode)
    {
        var events = Service<LiveFeed>(c).Complaint(id, c.CancellationToken);
        if (!await Service<ComplaintService>(c).MayReadAsync(id, actor, accessCode, c.CancellationToken).ConfigureAwait(false))
        {
            throw new NotFoundException("The complaint");
        }

        List<object> missed = [];
        if (LastEventId(c) is { } last)
        {
            var rows = await Service<ComplaintListQuery>(c).RowsAsync([id], null, last, 1, Service<TimeProvider>(c).GetUtcNow(), c.CancellationToken).ConfigureAwait(false);
            missed.AddRange(rows.Select(r => new ComplaintMove(r.Position, id, r.Row.AdministrationId, null)));
        }

        return Prefixed(missed, events, e => actor.Role == Role.Agent && ((ComplaintMove)e).AdministrationId != actor.AdministrationId, c.CancellationToken);
    }

    private static async ValueTask<IAsyncEnumerable<object?>> QueueChangesAsync(ResolveContext c)
    {
        var actor = Caller(c, Auth.Roles.Agent, Auth.Roles.Supervisor);
        var administrationId = c.Argument<string>("administrationId")!;
        if (actor.Role == Role.Agent && actor.AdministrationId != administrationId)
        {
            throw new GraphQLException("An agent follows its own administration's queue only.", "FORBIDDEN");
        }

        var events = Service<LiveFeed>(c).Queue(administrationId, c.CancellationToken);
        List<object> missed = [];
        if (LastEventId(c) is { } last)
        {
            var rows = await Service<ComplaintListQuery>(c).RowsAsync(null, administrationId, last, ResumeLimit, Service<TimeProvider>(c).GetUtcNow(), c.CancellationToken).ConfigureAwait(false);
            missed.AddRange(rows.Select(r => new QueueMove(r.Row, r.Position)));
        }

        return Prefixed(missed, events, null, c.CancellationToken);
    }

    /// <summary>
    /// What a reconnecting client missed, then the live events: those it already got skipped, and the stream ended at the
    /// first that is out of the reader's reach.
    /// </summary>
    private static async IAsyncEnumerable<object?> Prefixed(IReadOnlyList<object> missed, IAsyncEnumerable<object> live, Func<object, bool>? outOfReach,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = 0L;
        foreach (var item in missed)
        {
            seen = Math.Max(seen, Position(item));
            yield return item;
        }

        await foreach (var item in live.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (outOfReach?.Invoke(item) == true)
            {
                yield break;
            }

            if (Position(item) > seen)
            {
                yield return item;
            }
        }
    }

    private static long Position(object item) => item switch
    {
        ComplaintMove m => m.Position,
        QueueMove q => q.Position,
        CallCenterMoved c => c.Position,
        _ => long.MaxValue,
    };
}
