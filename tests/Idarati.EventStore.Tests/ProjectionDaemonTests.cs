using Idarati.Tests;
using Idarati.EventStore.Projections;
using Npgsql;

namespace Idarati.EventStore.Tests;

/// <summary>Counts events per stream; a position table refuses to apply any event twice.</summary>
public sealed class CountingProjection(string schema, string name = "counting", string? failOnType = null, Func<RecordedEvent, Task>? beforeApply = null) : IProjection
{
    public string Name => name;

    private string Counts => $"{schema}.{name}_counts";

    private string Seen => $"{schema}.{name}_seen";

    public async Task CreateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"CREATE TABLE IF NOT EXISTS {Counts} (stream_id text PRIMARY KEY, n int NOT NULL); CREATE TABLE IF NOT EXISTS {Seen} (position bigint PRIMARY KEY, node text)", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public string Node { get; init; } = "node";

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<RecordedEvent> events, CancellationToken cancellationToken)
    {
        foreach (var e in events)
        {
            if (beforeApply is not null)
            {
                await beforeApply(e);
            }

            if (e.Type == failOnType)
            {
                throw new InvalidOperationException($"cannot project {e.Type}");
            }

            await using var batch = new NpgsqlBatch(connection, transaction)
            {
                BatchCommands =
                {
                    new NpgsqlBatchCommand($"INSERT INTO {Seen} VALUES ($1, $2)") { Parameters = { new NpgsqlParameter<long> { TypedValue = e.Position }, new NpgsqlParameter<string> { TypedValue = Node } } },
                    new NpgsqlBatchCommand($"INSERT INTO {Counts} VALUES ($1, 1) ON CONFLICT (stream_id) DO UPDATE SET n = {Counts}.n + 1") { Parameters = { new NpgsqlParameter<string> { TypedValue = e.StreamId } } },
                },
            };
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"TRUNCATE {Counts}, {Seen}", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>Keeps what a component logs, formatted, for tests that check what an operator would read.</summary>
public sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Messages { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Messages.Enqueue(formatter(state, exception));
}

[Collection(nameof(GlobalLogTests))]
public sealed class ProjectionDaemonTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static readonly ProjectionDaemonOptions Fast = new() { BatchSize = 20, PollInterval = TimeSpan.FromMilliseconds(20), LeadershipRetry = TimeSpan.FromMilliseconds(300) };

    private async Task<long> AppendAsync(int streams, int eventsPerStream, string prefix)
    {
        long last = 0;
        for (var s = 0; s < streams; s++)
        {
            var events = Enumerable.Range(0, eventsPerStream).Select(i => (object)new Noted(prefix, i)).ToList();
            last = (await fixture.Store.AppendAsync($"{prefix}-{s}", "test", ExpectedVersion.Any, events)).LastPosition!.Value;
        }

        return last;
    }

    private static async Task<ProjectionStatus> WaitForAsync(ProjectionDaemon daemon, string name, Func<ProjectionStatus, bool> done, int seconds = 30)
    {
        var deadline = Deadline.In(seconds);
        while (true)
        {
            await daemon.InitializeAsync();
            var status = (await daemon.StatusAsync()).Single(s => s.Name == name);
            if (done(status))
            {
                return status;
            }

            Assert.True(!deadline.Passed, $"{name} is at {status.Position} ({status.State}, {status.DeadLetterCount} dead letters) after {seconds} s");
            await Task.Delay(50);
        }
    }

    private async Task<Dictionary<string, int>> CountsAsync(string table)
    {
        await using var command = fixture.DataSource.CreateCommand($"SELECT stream_id, n FROM {fixture.Schema}.{table}");
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<string, int>();
        while (await reader.ReadAsync())
        {
            counts[reader.GetString(0)] = reader.GetInt32(1);
        }

        return counts;
    }

    [Fact]
    public async Task A_killed_connection_mid_batch_loses_nothing_and_counts_nothing_twice()
    {
        var killed = 0;
        var projection = new CountingProjection(fixture.Schema, "crashy", beforeApply: async e =>
        {
            // The first time event 7 of stream 2 is applied, the database connection of the batch dies.
            if (e.StreamId == "crash-2" && e.Version == 7 && Interlocked.Exchange(ref killed, 1) == 0)
            {
                await using var kill = fixture.DataSource.CreateCommand("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%crashy_seen%' AND pid <> pg_backend_pid()");
                await kill.ExecuteNonQueryAsync();
            }
        });
        var last = await AppendAsync(5, 10, "crash");
        using var stop = new CancellationTokenSource();
        var daemon = new ProjectionDaemon(fixture.Store, [projection], Fast);
        var running = daemon.RunAsync(stop.Token);
        await WaitForAsync(daemon, "crashy", s => s.Position >= last);
        await stop.CancelAsync();
        await running;

        Assert.Equal(1, killed);
        var counts = await CountsAsync("crashy_counts");
        Assert.Equal(Enumerable.Range(0, 5).ToDictionary(s => $"crash-{s}", _ => 10), counts.Where(c => c.Key.StartsWith("crash-", StringComparison.Ordinal)).ToDictionary());

        // A rebuild from zero gives the same read model.
        var before = counts;
        await daemon.RebuildAsync("crashy");
        Assert.Empty(await CountsAsync("crashy_counts"));
        using var again = new CancellationTokenSource();
        var rerun = daemon.RunAsync(again.Token);
        var rebuilt = await WaitForAsync(daemon, "crashy", s => s.Position >= last && s.State == ProjectionState.Running);
        await again.CancelAsync();
        await rerun;
        Assert.Equal(0, rebuilt.LagEvents);
        Assert.Equal(before, await CountsAsync("crashy_counts"));
    }

    [Fact]
    public async Task Two_daemons_run_each_projection_once_and_the_other_takes_over_within_ten_seconds()
    {
        var first = new ProjectionDaemon(fixture.Store, [new CountingProjection(fixture.Schema, "shared") { Node = "first" }], Fast);
        var second = new ProjectionDaemon(fixture.Store, [new CountingProjection(fixture.Schema, "shared") { Node = "second" }], Fast);
        var last = await AppendAsync(3, 5, "lead");
        using var stopFirst = new CancellationTokenSource();
        using var stopSecond = new CancellationTokenSource();
        var runningFirst = first.RunAsync(stopFirst.Token);
        await WaitForAsync(first, "shared", s => s.Position >= last);
        var runningSecond = second.RunAsync(stopSecond.Token);
        var more = await AppendAsync(3, 5, "lead2");
        await WaitForAsync(first, "shared", s => s.Position >= more);

        await using (var nodes = fixture.DataSource.CreateCommand($"SELECT array_agg(DISTINCT node) FROM {fixture.Schema}.shared_seen"))
        {
            Assert.Equal(["first"], (string[])(await nodes.ExecuteScalarAsync())!);
        }

        await stopFirst.CancelAsync();
        await runningFirst;
        var stoppedAt = TimeProvider.System.GetTimestamp();
        var afterStop = await AppendAsync(2, 3, "lead3");
        await WaitForAsync(second, "shared", s => s.Position >= afterStop, seconds: 10);
        Assert.True(TimeProvider.System.GetElapsedTime(stoppedAt) < TimeSpan.FromSeconds(10));
        await stopSecond.CancelAsync();
        await runningSecond;

        await using var byNode = fixture.DataSource.CreateCommand($"SELECT count(*) FROM {fixture.Schema}.shared_seen WHERE node = 'second'");
        Assert.Equal(6L, await byNode.ExecuteScalarAsync());
        var counts = await CountsAsync("shared_counts");
        Assert.All(counts.Where(c => c.Key.StartsWith("lead-", StringComparison.Ordinal)), c => Assert.Equal(5, c.Value));
    }

    [Fact]
    public async Task An_event_a_projection_cannot_apply_becomes_a_dead_letter_and_the_projection_goes_on()
    {
        var id = "fail-" + Guid.NewGuid().ToString("N");
        await fixture.Store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("a"), new Noted("b", 1)]);
        var poison = await fixture.Store.AppendAsync(id, "test", ExpectedVersion.Exactly(2), [new Closed("boom")]);
        await fixture.Store.AppendAsync(id, "test", ExpectedVersion.Exactly(3), [new Noted("after", 2)]);
        var last = await AppendAsync(2, 3, "after-fail");
        var log = new ListLogger();
        var daemon = new ProjectionDaemon(fixture.Store,
            [new CountingProjection(fixture.Schema, "fragile", failOnType: "test.closed"), new CountingProjection(fixture.Schema, "sturdy")], Fast, log);
        using var stop = new CancellationTokenSource();
        var running = daemon.RunAsync(stop.Token);

        var fragile = await WaitForAsync(daemon, "fragile", s => s.Position >= last);
        var sturdy = await WaitForAsync(daemon, "sturdy", s => s.Position >= last);
        await stop.CancelAsync();
        await running;

        Assert.Equal(ProjectionState.Running, fragile.State);
        var letter = Assert.Single(fragile.DeadLetters);
        Assert.Equal(1, fragile.DeadLetterCount);
        Assert.Equal((poison.FirstPosition!.Value, id, 3L, "test.closed"), (letter.Position, letter.StreamId, letter.Version, letter.Type));
        Assert.Contains("cannot project test.closed", letter.Error, StringComparison.Ordinal);
        Assert.Equal(3, (await CountsAsync("fragile_counts"))[id]);
        Assert.Equal(4, (await CountsAsync("sturdy_counts"))[id]);
        Assert.Empty(sturdy.DeadLetters);
        Assert.Contains(log.Messages, m => m.Contains($"stream {id}, version 3, type test.closed", StringComparison.Ordinal));

        // After a fix, a rebuild replays the dead letter with everything else and forgets it.
        var fixedDaemon = new ProjectionDaemon(fixture.Store, [new CountingProjection(fixture.Schema, "fragile")], Fast);
        await fixedDaemon.RebuildAsync("fragile");
        using var again = new CancellationTokenSource();
        var rerun = fixedDaemon.RunAsync(again.Token);
        var rebuilt = await WaitForAsync(fixedDaemon, "fragile", s => s.Position >= last && s.State == ProjectionState.Running);
        await again.CancelAsync();
        await rerun;
        Assert.Equal(0, rebuilt.DeadLetterCount);
        Assert.Equal(4, (await CountsAsync("fragile_counts"))[id]);
    }

    [Fact]
    public async Task The_status_names_the_leading_node_and_says_stalled_when_no_node_leads_while_events_wait()
    {
        var options = new ProjectionDaemonOptions { BatchSize = 20, PollInterval = TimeSpan.FromMilliseconds(20), LeadershipRetry = TimeSpan.FromMilliseconds(300), NodeName = "node-a" };
        var first = new ProjectionDaemon(fixture.Store, [new CountingProjection(fixture.Schema, "watched")], options);
        var last = await AppendAsync(1, 2, "watch");
        using (var stop = new CancellationTokenSource())
        {
            var running = first.RunAsync(stop.Token);
            var led = await WaitForAsync(first, "watched", s => s.Position >= last && s.Leader == "node-a");
            Assert.Equal(ProjectionState.Running, led.State);
            await stop.CancelAsync();
            await running;
        }

        var waiting = await AppendAsync(1, 2, "watch-more");
        fixture.Time.Advance(options.StalledAfter + TimeSpan.FromSeconds(1));
        var stalled = (await first.StatusAsync()).Single(s => s.Name == "watched");
        Assert.Equal((ProjectionState.Stalled, (string?)null), (stalled.State, stalled.Leader));
        Assert.True(stalled.LagEvents > 0);

        var second = new ProjectionDaemon(fixture.Store, [new CountingProjection(fixture.Schema, "watched")], new ProjectionDaemonOptions
        {
            BatchSize = 20, PollInterval = TimeSpan.FromMilliseconds(20), LeadershipRetry = TimeSpan.FromMilliseconds(300), NodeName = "node-b",
        });
        using var stopSecond = new CancellationTokenSource();
        var runningSecond = second.RunAsync(stopSecond.Token);
        var takenOver = await WaitForAsync(second, "watched", s => s.Position >= waiting && s.Leader == "node-b");
        await stopSecond.CancelAsync();
        await runningSecond;
        Assert.Equal(ProjectionState.Running, takenOver.State);
    }

    [Theory]
    [InlineData(false, "off")]
    [InlineData(true, "on")]
    public async Task A_batch_commits_without_waiting_for_its_flush_unless_told_to(bool synchronous, string expected)
    {
        var name = "commit_" + (synchronous ? "sync" : "async");
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
        var projection = new SettingProjection(name, seen);
        var last = await AppendAsync(2, 3, name);
        // Sessions that commit synchronously whatever the server's default (test clusters run without durability).
        await using var durable = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(fixture.DataSource.ConnectionString) { Options = "-c synchronous_commit=on" }.ConnectionString);
        var storeOptions = new EventStoreOptions { Time = fixture.Time, Schema = fixture.Schema };
        TestEvents.Register(storeOptions.Types);
        var options = new ProjectionDaemonOptions { BatchSize = 20, PollInterval = TimeSpan.FromMilliseconds(20), LeadershipRetry = TimeSpan.FromMilliseconds(300), SynchronousCommit = synchronous };
        var daemon = new ProjectionDaemon(new PostgresEventStore(durable, storeOptions), [projection], options);
        using var stop = new CancellationTokenSource();
        var running = daemon.RunAsync(stop.Token);
        await WaitForAsync(daemon, name, s => s.Position >= last);
        await stop.CancelAsync();
        await running;

        Assert.NotEmpty(seen);
        Assert.All(seen, value => Assert.Equal(expected, value));

        // Outside the batch, the session's setting is back.
        await using var command = durable.CreateCommand("SHOW synchronous_commit");
        Assert.Equal("on", (string?)await command.ExecuteScalarAsync());
    }

    /// <summary>Records the synchronous_commit setting each batch runs under.</summary>
    private sealed class SettingProjection(string name, System.Collections.Concurrent.ConcurrentBag<string> seen) : IProjection
    {
        public string Name => name;

        public Task CreateAsync(NpgsqlConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<RecordedEvent> events, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand("SHOW synchronous_commit", connection, transaction);
            seen.Add((string)(await command.ExecuteScalarAsync(cancellationToken))!);
        }

        public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
