using System.Diagnostics;
using Marten;

namespace Idarati.Application.Handling;

/// <summary>
/// Group commit on Marten: new streams whose commands arrive while earlier ones are being written wait and are then
/// written together, in one Marten session: one transaction, one batch of statements, one WAL flush, where each alone
/// pays a transaction, two round trips and a flush of its own. Each member stages exactly what it would have saved
/// alone (its events with their hashes and metadata, its unique keys, its command record), so nothing of a member
/// depends on the others. A group that fails as a whole (one member's key already taken, the stream id already used,
/// the database gone, or its COMMIT's answer lost with the connection) is not picked apart: each member's caller first
/// looks for its own sealed events (the group may have committed all the same), and writes it alone only when they are
/// not there, answering that member's own error. A command nobody waits behind is written at once, in a group of one, so grouping adds no
/// latency to a quiet service, and a group of one that fails hands its own error back.
/// </summary>
public sealed class GroupCommit(IDocumentStore store, CommandConnections? connections = null)
{
    /// <summary>At most this many members in one group.</summary>
    private const int MembersMax = 64;

    /// <summary>At most this many groups written at once.</summary>
    private const int Writers = 2;

    /// <summary>
    /// A second writer starts when this many members wait: a group takes two round trips (the batch, then COMMIT), so
    /// a member that waits for a whole group before its own waits long (the settings tried: README, Benchmarks).
    /// </summary>
    private const int BacklogForAnotherWriter = 2;

    /// <summary>The command path's own connections the groups are written on, if the host has them.</summary>
    public CommandConnections? Connections => connections;

    private readonly Lock _gate = new();
    private readonly List<Member> _queue = [];
    private int _running;

    private long _groups;
    private long _members;
    private long _failed;

    /// <summary>What the group commit did so far: groups written, the members they held, groups that failed as a whole.</summary>
    public GroupCommitCounts Counts => new(Interlocked.Read(ref _groups), Interlocked.Read(ref _members), Interlocked.Read(ref _failed));

    /// <summary>
    /// Writes what <paramref name="stage"/> puts in a session, with whatever else waits. True once committed; false when
    /// its group failed as a whole and nothing of it was written: the caller writes it alone. A group of one that fails
    /// throws its own error.
    /// </summary>
    public Task<bool> WriteAsync(Action<IDocumentSession> stage)
    {
        var member = new Member(stage);
        bool start;
        lock (_gate)
        {
            _queue.Add(member);
            start = _running == 0 || (_running < Writers && _queue.Count >= BacklogForAnotherWriter);
            if (start)
            {
                _running++;
            }
        }

        if (start)
        {
            _ = DrainAsync();
        }

        return member.Done.Task;
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            List<Member> group;
            lock (_gate)
            {
                var count = Math.Min(_queue.Count, MembersMax);
                if (count == 0)
                {
                    _running--;
                    return;
                }

                group = _queue.GetRange(0, count);
                _queue.RemoveRange(0, count);
            }

            // One span per group, when spans are collected: a child of the first member's trace, linked to every other member's.
            using var activity = Telemetry.Source.HasListeners()
                ? Telemetry.Source.StartActivity("group commit", ActivityKind.Internal, group[0].Context,
                    links: [.. group.Skip(1).Where(m => m.Context != default).Select(m => new ActivityLink(m.Context))])
                : null;
            activity?.SetTag("idarati.group.members", group.Count);
            try
            {
                await using var write = await CommandConnections.OpenAsync(connections, store, CancellationToken.None).ConfigureAwait(false);
                var session = write.Session;
                foreach (var member in group)
                {
                    member.Stage(session);
                }

                // Not cancelled by any one caller: the group is theirs together.
                await session.SaveChangesAsync(CancellationToken.None).ConfigureAwait(false);
                Interlocked.Increment(ref _groups);
                Interlocked.Add(ref _members, group.Count);
                group.ForEach(m => m.Done.TrySetResult(true));
            }
            catch (Exception e) when (group.Count == 1)
            {
                group[0].Done.TrySetException(e);
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _failed);
                // Which member broke the group is not known: each is written alone by its caller.
                group.ForEach(m => m.Done.TrySetResult(false));
            }
        }
    }

    private sealed class Member(Action<IDocumentSession> stage)
    {
        public Action<IDocumentSession> Stage { get; } = stage;

        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The caller's span, which the group's span is a child of or links to.</summary>
        public ActivityContext Context { get; } = Activity.Current?.Context ?? default;
    }
}

/// <summary>Groups written, the members they held, and groups that failed as a whole (their members then written alone).</summary>
public sealed record GroupCommitCounts(long Groups, long Members, long Failed);
