namespace Idarati.GraphQL.Execution;

/// <summary>A batch of keys waiting for one fetch.</summary>
public interface IBatch
{
    Task DispatchAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The batches of one request. The executor runs every field it can; when all of them wait, it dispatches the pending
/// batches, whose results complete the waiting fields in place, which may queue the next level's batches, and so on:
/// the number of fetches depends on the shape of the query, not on the size of its lists.
/// </summary>
public sealed class BatchScheduler
{
    private readonly object _gate = new();
    private List<IBatch> _pending = [];
    private TaskCompletionSource? _signal;

    public bool HasPending
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count > 0;
            }
        }
    }

    public void Enqueue(IBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        TaskCompletionSource? signal;
        lock (_gate)
        {
            _pending.Add(batch);
            (signal, _signal) = (_signal, null);
        }

        signal?.TrySetResult();
    }

    /// <summary>Completes when a batch is queued (at once if one is).</summary>
    public Task WhenPendingAsync()
    {
        lock (_gate)
        {
            if (_pending.Count > 0)
            {
                return Task.CompletedTask;
            }

            _signal ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _signal.Task;
        }
    }

    public async Task DispatchAsync(CancellationToken cancellationToken)
    {
        List<IBatch> batches;
        lock (_gate)
        {
            (batches, _pending) = (_pending, []);
        }

        foreach (var batch in batches)
        {
            await batch.DispatchAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Awaits <paramref name="work"/>, dispatching batches whenever it waits on them.</summary>
    public async Task<T> DriveAsync<T>(Task<T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        while (!work.IsCompleted)
        {
            if (HasPending)
            {
                await DispatchAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            await Task.WhenAny(work, WhenPendingAsync()).ConfigureAwait(false);
        }

        return await work.ConfigureAwait(false);
    }
}

/// <summary>
/// Loads values by key for one request: every key asked for before the scheduler dispatches goes into one call of
/// <c>fetch</c>; a key asked for twice is fetched once. A key the fetch does not return loads as null.
/// </summary>
public sealed class DataLoader<TKey, TValue>(BatchScheduler scheduler, Func<IReadOnlyList<TKey>, CancellationToken, Task<IReadOnlyDictionary<TKey, TValue>>> fetch) : IBatch
    where TKey : notnull
{
    private readonly object _gate = new();
    private readonly Dictionary<TKey, TaskCompletionSource<TValue?>> _requested = [];
    private List<(TKey Key, TaskCompletionSource<TValue?> Result)> _pending = [];

    public Task<TValue?> LoadAsync(TKey key)
    {
        bool first;
        TaskCompletionSource<TValue?>? result;
        lock (_gate)
        {
            if (_requested.TryGetValue(key, out result))
            {
                return result.Task;
            }

            // Completed in place by the dispatch, so the fields waiting on it go on before the scheduler looks again.
            result = new TaskCompletionSource<TValue?>();
            _requested[key] = result;
            first = _pending.Count == 0;
            _pending.Add((key, result));
        }

        if (first)
        {
            scheduler.Enqueue(this);
        }

        return result.Task;
    }

    public async Task DispatchAsync(CancellationToken cancellationToken)
    {
        List<(TKey Key, TaskCompletionSource<TValue?> Result)> batch;
        lock (_gate)
        {
            (batch, _pending) = (_pending, []);
        }

        if (batch.Count == 0)
        {
            return;
        }

        try
        {
            var values = await fetch([.. batch.Select(b => b.Key)], cancellationToken).ConfigureAwait(false);
            foreach (var (key, result) in batch)
            {
                result.TrySetResult(values.TryGetValue(key, out var value) ? value : default);
            }
        }
        catch (Exception error)
        {
            foreach (var (_, result) in batch)
            {
                result.TrySetException(error);
            }
        }
    }
}
