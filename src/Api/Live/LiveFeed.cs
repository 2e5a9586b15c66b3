using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Idarati.GraphQL.Http;
using Idarati.Projections.Complaints;
using Idarati.Projections.Live;
using Npgsql;

namespace Idarati.Api.Live;

/// <summary>The call centre's figures moved (a ticket opened, answered, escalated or closed) up to this log position.</summary>
public sealed record CallCenterMoved(long Position);

/// <summary>A complaint list row as it moved, with the log position that moved it (an SSE event's id).</summary>
public sealed record QueueMove(ComplaintRow Row, long Position);

/// <summary>
/// This node's end of the read models' notifications (<see cref="LiveNotices"/>): one connection LISTENs on the channel
/// and hands each notification, in order, to the subscribers this node holds: a complaint's watchers, an
/// administration's queue (with the row, read once for all of them), the call centre's wallboards. Each subscriber has
/// a bounded queue; one that lets it fill is dropped (<see cref="SlowSubscriberException"/>), the others go on. A lost
/// connection is opened again; what moved meanwhile is not replayed here (a client resumes with Last-Event-ID).
/// </summary>
public sealed class LiveFeed(NpgsqlDataSource dataSource, ComplaintListQuery list, TimeProvider time, IConfiguration configuration,
    System.Diagnostics.Metrics.IMeterFactory meters, ILogger<LiveFeed> logger) : BackgroundService
{
    private readonly Topic<Guid> _complaints = new();
    private readonly Topic<string> _queues = new();
    private readonly Topic<string> _callCenter = new();
    private readonly Channel<string> _notices = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly int _queueLimit = configuration.GetValue("GraphQL:Subscriptions:SubscriberQueue", 64);
    private readonly string _node = Infrastructure.Database.NodeName(configuration);
    /// <summary>Subscribers this node holds now, per topic (the metrics and the tests read it).</summary>
    public int Subscribers => _complaints.Count + _queues.Count + _callCenter.Count;

    public IAsyncEnumerable<object> Complaint(Guid id, CancellationToken cancellationToken) => _complaints.Listen(id, _queueLimit, cancellationToken);

    public IAsyncEnumerable<object> Queue(string administrationId, CancellationToken cancellationToken) => _queues.Listen(administrationId, _queueLimit, cancellationToken);

    /// <summary>Only the latest move of several waiting: the figures are read afresh for it anyway.</summary>
    public IAsyncEnumerable<object> CallCenter(CancellationToken cancellationToken) => _callCenter.Listen(string.Empty, _queueLimit, cancellationToken, latestOnly: true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        meters.Create(new System.Diagnostics.Metrics.MeterOptions(Application.Handling.Telemetry.Name))
            .CreateObservableGauge("idarati.subscriptions", () => new System.Diagnostics.Metrics.Measurement<int>(Subscribers, new KeyValuePair<string, object?>("node", _node)),
                "{subscription}", "GraphQL subscriptions this node holds (WebSocket and SSE), labelled with the node's name (Projections:NodeName).");
        var dispatch = DispatchAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
                connection.Notification += (_, e) => _notices.Writer.TryWrite(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {LiveNotices.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                while (true)
                {
                    await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or System.IO.IOException)
            {
                logger.LogWarning("Live notifications: the listening connection failed ({Error}); listening again in a second.", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ConfigureAwait(false);
            }
        }

        _notices.Writer.TryComplete();
        await dispatch.ConfigureAwait(false);
    }

    private async Task DispatchAsync(CancellationToken stoppingToken)
    {
        await foreach (var payload in _notices.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                switch (LiveNotices.Parse(payload))
                {
                    case LiveNotice.ComplaintsMoved moved:
                        await ComplaintsMovedAsync(moved.Moves, stoppingToken).ConfigureAwait(false);
                        break;
                    case LiveNotice.TicketsMoved tickets when _callCenter.Count > 0:
                        _callCenter.Publish(string.Empty, new CallCenterMoved(tickets.Position));
                        break;
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or OperationCanceledException)
            {
                logger.LogWarning("Live notifications: a notification could not be handed to its subscribers ({Error}).", e.Message);
            }
        }
    }

    private async Task ComplaintsMovedAsync(IReadOnlyList<ComplaintMove> moves, CancellationToken cancellationToken)
    {
        foreach (var move in moves)
        {
            _complaints.Publish(move.Id, move);
        }

        var queued = moves.Where(m => _queues.Has(m.AdministrationId)).ToList();
        if (queued.Count == 0)
        {
            return;
        }

        // One read for every queue subscriber of this node: the rows as they are now, the notification having come after
        // the transaction that wrote them.
        var rows = await list.RowsAsync([.. queued.Select(m => m.Id).Distinct()], null, 0, queued.Count, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        var byId = rows.ToDictionary(r => r.Row.Id);
        foreach (var move in queued)
        {
            if (byId.TryGetValue(move.Id, out var row) && row.Row.AdministrationId == move.AdministrationId)
            {
                _queues.Publish(move.AdministrationId, new QueueMove(row.Row, row.Position));
            }
        }
    }

    /// <summary>Subscribers by key, each with its bounded queue.</summary>
    private sealed class Topic<TKey>
        where TKey : notnull
    {
        private readonly ConcurrentDictionary<TKey, ConcurrentDictionary<Channel<object>, byte>> _byKey = new();
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public bool Has(TKey key) => _byKey.TryGetValue(key, out var subscribers) && !subscribers.IsEmpty;

        /// <summary>Registered at once (nothing committed from now on is missed), removed when the reader stops or its token is cancelled.</summary>
        public IAsyncEnumerable<object> Listen(TKey key, int capacity, CancellationToken cancellationToken, bool latestOnly = false)
        {
            var channel = Channel.CreateBounded<object>(new BoundedChannelOptions(capacity) { SingleReader = true });
            lock (_byKey)
            {
                _byKey.GetOrAdd(key, _ => new ConcurrentDictionary<Channel<object>, byte>())[channel] = 0;
            }

            Interlocked.Increment(ref _count);
            var registration = cancellationToken.Register(() => Remove(key, channel));
            return Read(key, channel, registration, latestOnly, cancellationToken);
        }

        private async IAsyncEnumerable<object> Read(TKey key, Channel<object> channel, CancellationTokenRegistration registration, bool latestOnly,
            [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            try
            {
                while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    object? latest = null;
                    while (channel.Reader.TryRead(out var item))
                    {
                        if (!latestOnly)
                        {
                            yield return item;
                        }

                        latest = item;
                    }

                    if (latestOnly && latest is not null)
                    {
                        yield return latest;
                    }
                }
            }
            finally
            {
                await registration.DisposeAsync().ConfigureAwait(false);
                Remove(key, channel);
            }
        }

        private void Remove(TKey key, Channel<object> channel)
        {
            lock (_byKey)
            {
                if (_byKey.TryGetValue(key, out var subscribers) && subscribers.TryRemove(channel, out _))
                {
                    Interlocked.Decrement(ref _count);
                    if (subscribers.IsEmpty)
                    {
                        _byKey.TryRemove(key, out _);
                    }
                }
            }
        }

        public void Publish(TKey key, object item)
        {
            if (!_byKey.TryGetValue(key, out var subscribers))
            {
                return;
            }

            foreach (var channel in subscribers.Keys)
            {
                if (!channel.Writer.TryWrite(item))
                {
                    channel.Writer.TryComplete(new SlowSubscriberException("Slow consumer: its queue of changes is full."));
                    Remove(key, channel);
                }
            }
        }
    }
}
