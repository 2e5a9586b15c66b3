using Npgsql;

namespace Idarati.EventStore.Tests;

public sealed class AppendTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private readonly PostgresEventStore _store = fixture.Store;

    private static string NewId() => "s-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Appending_to_a_new_stream_then_with_exact_and_any_versions_numbers_events_from_one()
    {
        var id = NewId();
        var first = await _store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("a")]);
        var second = await _store.AppendAsync(id, "test", ExpectedVersion.Exactly(1), [new Noted("b", 1), new Noted("c", 2)]);
        var third = await _store.AppendAsync(id, "test", ExpectedVersion.Any, [new Closed("done")]);

        Assert.Equal((1, 1), (first.FirstVersion, first.StreamVersion));
        Assert.Equal((2, 3), (second.FirstVersion, second.StreamVersion));
        Assert.Equal((4, 4), (third.FirstVersion, third.StreamVersion));
        Assert.Equal(second.FirstPosition + 1, second.LastPosition);
        Assert.True(second.FirstPosition > first.LastPosition && third.FirstPosition > second.LastPosition);

        var stream = await _store.LoadStreamAsync(id);
        Assert.NotNull(stream);
        Assert.Equal("test", stream.StreamType);
        Assert.Equal([1L, 2, 3, 4], stream.Events.Select(e => e.Version));
        Assert.Equal(new Noted("c", 2), stream.Events[2].Data);
        Assert.Equal("test.noted", stream.Events[2].Type);
    }

    [Fact]
    public async Task A_stale_expected_version_raises_a_typed_conflict_and_writes_nothing()
    {
        var id = NewId();
        await _store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("a"), new Noted("b", 1)]);
        var before = await fixture.ScalarAsync<long>("SELECT count(*) FROM {s}.events");

        var conflict = await Assert.ThrowsAsync<StreamConcurrencyException>(
            () => _store.AppendAsync(id, "test", ExpectedVersion.Exactly(1), [new Noted("late", 2)]));

        Assert.Equal(id, conflict.StreamId);
        Assert.Equal(2, conflict.ActualVersion);
        Assert.Equal(before, await fixture.ScalarAsync<long>("SELECT count(*) FROM {s}.events"));
        Assert.Equal(2, (await _store.LoadStreamAsync(id))!.Version);
    }

    [Fact]
    public async Task No_stream_and_stream_exists_expectations_are_enforced()
    {
        var id = NewId();
        await Assert.ThrowsAsync<StreamConcurrencyException>(() => _store.AppendAsync(id, "test", ExpectedVersion.StreamExists, [new Noted("x", 1)]));
        Assert.Null(await _store.LoadStreamAsync(id));
        await _store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("a")]);
        var again = await Assert.ThrowsAsync<StreamConcurrencyException>(() => _store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("b")]));
        Assert.Equal(1, again.ActualVersion);
        var appended = await _store.AppendAsync(id, "test", ExpectedVersion.StreamExists, [new Noted("y", 2)]);
        Assert.Equal(2, appended.StreamVersion);
    }

    [Fact]
    public async Task Twenty_concurrent_appenders_on_one_stream_leave_contiguous_versions_each_write_committed_once_or_refused()
    {
        var id = NewId();
        await _store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("race")]);
        var writers = Enumerable.Range(0, 20).Select(async writer =>
        {
            var committed = new List<int>();
            var refused = 0;
            for (var attempt = 0; attempt < 10; attempt++)
            {
                var current = (await _store.LoadStreamAsync(id))!.Version;
                try
                {
                    await _store.AppendAsync(id, "test", ExpectedVersion.Exactly(current), [new Noted($"w{writer}", attempt)]);
                    committed.Add(attempt);
                }
                catch (StreamConcurrencyException)
                {
                    refused++;
                }
            }

            return (writer, committed, refused);
        }).ToArray();
        var results = await Task.WhenAll(writers);

        var stream = (await _store.LoadStreamAsync(id))!;
        var totalCommitted = results.Sum(r => r.committed.Count);
        Assert.Equal(200, totalCommitted + results.Sum(r => r.refused));
        Assert.Equal(1 + totalCommitted, stream.Version);
        Assert.Equal(Enumerable.Range(1, 1 + totalCommitted).Select(v => (long)v), stream.Events.Select(e => e.Version));
        var written = stream.Events.Skip(1).Select(e => (Noted)e.Data).Select(n => (n.Text, n.Number)).ToList();
        Assert.Equal(written.Count, written.Distinct().Count());
        var expected = results.SelectMany(r => r.committed.Select(a => ($"w{r.writer}", a))).OrderBy(x => x).ToList();
        Assert.Equal(expected, written.OrderBy(x => x).ToList());
        Assert.True((await _store.VerifyStreamAsync(id)).Valid);
    }

    [Fact]
    public async Task Concurrent_appenders_expecting_any_version_all_succeed_with_contiguous_versions()
    {
        var id = NewId();
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            _store.AppendAsync(id, "test", ExpectedVersion.Any, [new Noted("any", i)]))));

        Assert.Equal(Enumerable.Range(1, 16).Select(v => (long)v), results.Select(r => r.StreamVersion).Order());
        var stream = (await _store.LoadStreamAsync(id))!;
        Assert.Equal(Enumerable.Range(0, 16), stream.Events.Select(e => ((Noted)e.Data).Number).Order());
        Assert.True((await _store.VerifyStreamAsync(id)).Valid);
    }

    [Fact]
    public async Task Within_a_stream_positions_follow_versions_under_concurrency()
    {
        var id = NewId();
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() =>
            _store.AppendAsync(id, "test", ExpectedVersion.Any, [new Noted("order", i), new Noted("order", i)]))));
        var events = (await _store.LoadStreamAsync(id))!.Events;
        Assert.Equal(events.Select(e => e.Position).Order(), events.Select(e => e.Position));
    }

    [Fact]
    public async Task The_same_command_id_twice_appends_once_and_returns_the_first_result()
    {
        var id = NewId();
        var command = new AppendOptions { CommandId = Guid.NewGuid(), Actor = "agent-7" };
        var first = await _store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("once")], command);
        var retry = await _store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("once")], command);

        Assert.False(first.Duplicate);
        Assert.True(retry.Duplicate);
        Assert.Equal(first with { Duplicate = true, Head = null }, retry);
        Assert.Single((await _store.LoadStreamAsync(id))!.Events);
    }

    [Fact]
    public async Task A_command_id_not_recorded_stays_in_the_metadata_and_writes_no_idempotency_row()
    {
        var id = NewId();
        var command = new AppendOptions { CommandId = Guid.NewGuid(), RecordCommand = false };
        // Both paths: after a known head (plain SQL) and by expected version (the append functions).
        var first = await _store.AppendAsync(id, "test", StreamHead.New, [new Opened("a")], command);
        var second = await _store.AppendAsync(id, "test", ExpectedVersion.Any, [new Noted("b", 1), new Noted("c", 2)], command);

        Assert.False(second.Duplicate);
        var events = (await _store.LoadStreamAsync(id))!.Events;
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.Equal(command.CommandId, e.Metadata.CommandId));
        Assert.Equal(0L, await fixture.ScalarAsync<long>($"SELECT count(*) FROM {{s}}.commands WHERE command_id = '{command.CommandId}'"));
        Assert.Equal(1L, first.StreamVersion);
    }

    [Fact]
    public async Task The_same_command_id_sent_concurrently_appends_once()
    {
        var id = NewId();
        var command = new AppendOptions { CommandId = Guid.NewGuid() };
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            _store.AppendAsync(id, "test", ExpectedVersion.Any, [new Noted("concurrent", 1)], command)));

        Assert.Single(results, r => !r.Duplicate);
        Assert.All(results, r => Assert.Equal(results[0].FirstPosition, r.FirstPosition));
        Assert.Single((await _store.LoadStreamAsync(id))!.Events);
    }

    [Fact]
    public async Task Metadata_round_trips_with_the_recorded_time_from_the_time_provider()
    {
        var id = NewId();
        fixture.Time.SetUtcNow(new DateTimeOffset(2026, 3, 2, 10, 15, 30, TimeSpan.Zero).AddTicks(1234567));
        var options = new AppendOptions
        {
            CommandId = Guid.NewGuid(),
            CorrelationId = Guid.NewGuid(),
            CausationId = Guid.NewGuid(),
            Actor = "citizen:AB123",
            Headers = new Dictionary<string, string> { ["channel"] = "portal" },
        };
        await _store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("meta")], options);

        var e = (await _store.LoadStreamAsync(id))!.Events.Single();
        Assert.Equal(options.CommandId, e.Metadata.CommandId);
        Assert.Equal(options.CorrelationId, e.Metadata.CorrelationId);
        Assert.Equal(options.CausationId, e.Metadata.CausationId);
        Assert.Equal("citizen:AB123", e.Metadata.Actor);
        Assert.Equal("portal", e.Metadata.Headers!["channel"]);
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 10, 15, 30, TimeSpan.Zero).AddTicks(1234560), e.RecordedAt);
    }

    [Fact]
    public async Task An_append_that_is_not_the_first_write_of_its_transaction_is_refused()
    {
        await using var connection = await fixture.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var write = new NpgsqlCommand($"CREATE TEMP TABLE scratch (x int)", connection, transaction))
        {
            await write.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<PostgresException>(
            () => _store.AppendAsync(transaction, NewId(), "test", ExpectedVersion.NoStream, [new Opened("late")]));
        Assert.Equal("ES001", error.SqlState);
    }

    [Fact]
    public async Task The_database_refuses_a_duplicate_stream_version_even_behind_the_stores_back()
    {
        var id = NewId();
        await _store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("a")]);
        var error = await Assert.ThrowsAsync<PostgresException>(() => fixture.ExecuteAsync(
            $"INSERT INTO {{s}}.events (position, stream_id, version, type, data, metadata, recorded_at, hash) VALUES (-1, '{id}', 1, 'test.opened', '{{}}', '{{}}', now(), '\\x00')"));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
        Assert.Equal("events_stream_version", error.ConstraintName);
    }

    [Fact]
    public async Task Migrating_again_is_harmless()
    {
        var id = NewId();
        await _store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("kept")]);
        await Task.WhenAll(_store.MigrateAsync(), fixture.NewStore().MigrateAsync());
        Assert.Equal(await fixture.ScalarAsync<int>("SELECT max(version) FROM {s}.schema_migrations"), await fixture.ScalarAsync<int>("SELECT count(*)::int FROM {s}.schema_migrations"));
        Assert.Equal(4, await fixture.ScalarAsync<int>("SELECT count(*)::int FROM {s}.schema_migrations"));
        Assert.Single((await _store.LoadStreamAsync(id))!.Events);
    }
}
