using System.Text.Json.Nodes;

namespace Idarati.EventStore.Tests;

public sealed class StreamReadTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static string NewId() => "r-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Streams_of_a_listed_type_load_together_through_its_partial_index_and_other_types_are_refused()
    {
        var options = new EventStoreOptions { Time = fixture.Time, ListedStreamTypes = ["catalogue-entry"] };
        options.Schema = fixture.Schema;
        TestEvents.Register(options.Types);
        var store = new PostgresEventStore(fixture.DataSource, options);
        await store.MigrateAsync();
        var first = NewId();
        var second = NewId();
        await store.AppendAsync(first, "catalogue-entry", ExpectedVersion.NoStream, [new Opened("a"), new Noted("a2", 2)]);
        await store.AppendAsync(second, "catalogue-entry", ExpectedVersion.NoStream, [new Opened("b")]);
        await store.AppendAsync(NewId(), "test", ExpectedVersion.NoStream, [new Opened("not listed")]);

        var loaded = await store.LoadStreamsOfTypeAsync("catalogue-entry");
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), loaded.Select(s => s.StreamId));
        Assert.Equal((2, 1), (loaded.Single(s => s.StreamId == first).Events.Count, loaded.Single(s => s.StreamId == second).Events.Count));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.LoadStreamsOfTypeAsync("test"));

        // Only listed types are indexed: the many streams of other types are written without an index by type.
        var indexes = await fixture.ScalarAsync<string>("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = '{s}' AND tablename = 'streams'");
        Assert.Equal("streams_of_catalogue_entry,streams_pkey", indexes);
        Assert.Throws<ArgumentException>(() => new EventStoreOptions { ListedStreamTypes = ["x'; DROP TABLE y; --"] });
    }

    [Fact]
    public async Task A_stream_loads_whole_up_to_a_version_and_as_of_a_time()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 8, 0, 0, TimeSpan.Zero));
        var store = fixture.NewStore(time: time);
        var id = NewId();
        await store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("v1")]);
        time.Advance(TimeSpan.FromDays(1));
        await store.AppendAsync(id, "test", ExpectedVersion.Exactly(1), [new Noted("v2", 2)]);
        time.Advance(TimeSpan.FromDays(1));
        await store.AppendAsync(id, "test", ExpectedVersion.Exactly(2), [new Closed("v3")]);

        Assert.Equal(3, (await store.LoadStreamAsync(id))!.Events.Count);
        var upTo2 = await store.LoadStreamAsync(id, new StreamReadOptions { UpToVersion = 2 });
        Assert.Equal([1L, 2], upTo2!.Events.Select(e => e.Version));
        Assert.Equal(2, upTo2.Version);
        var asOfDay2 = await store.LoadStreamAsync(id, new StreamReadOptions { AsOf = new DateTimeOffset(2026, 1, 2, 12, 0, 0, TimeSpan.Zero) });
        Assert.Equal([1L, 2], asOfDay2!.Events.Select(e => e.Version));
        Assert.Null(await store.LoadStreamAsync(id, new StreamReadOptions { AsOf = new DateTimeOffset(2025, 12, 31, 0, 0, 0, TimeSpan.Zero) }));
        Assert.Null(await store.LoadStreamAsync(NewId()));
    }

    [Fact]
    public async Task The_hash_chain_verifies_and_names_the_first_version_edited_behind_the_stores_back()
    {
        var store = fixture.Store;
        var id = NewId();
        await store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("a"), new Noted("b", 1), new Noted("c", 2), new Closed("d")]);
        var ok = await store.VerifyStreamAsync(id);
        Assert.Equal(new HashChainVerification(id, true, null, 4), ok);

        // The hash the database computed equals the one anyone can recompute from the stored row.
        var (_, raw) = await store.ReadStreamRawAsync(id);
        Assert.Equal(HashChain.Next(HashChain.Genesis, id, 1, raw[0].Type, raw[0].RecordedAt.UtcDateTime, raw[0].Metadata, raw[0].Data), raw[0].Hash);

        await fixture.ExecuteAsync($$"""UPDATE {s}.events SET data = '{"text":"forged","number":1}' WHERE stream_id = '{{id}}' AND version = 2""");
        var tampered = await store.VerifyStreamAsync(id);
        Assert.False(tampered.Valid);
        Assert.Equal(2, tampered.FirstInvalidVersion);
    }

    [Fact]
    public async Task A_deleted_last_event_is_detected_by_the_chain_head()
    {
        var store = fixture.Store;
        var id = NewId();
        await store.AppendAsync(id, "test", ExpectedVersion.NoStream, [new Opened("a"), new Noted("b", 1)]);
        await fixture.ExecuteAsync($"DELETE FROM {{s}}.events WHERE stream_id = '{id}' AND version = 2");
        var result = await store.VerifyStreamAsync(id);
        Assert.False(result.Valid);
        Assert.Equal(2, result.FirstInvalidVersion);
    }

    [Fact]
    public async Task A_renamed_clr_type_and_an_old_payload_shape_read_old_rows_without_rewriting_them()
    {
        var id = NewId();
        var v1 = fixture.NewStore(t => t.Register<LegacyFiled>("legacy.filed").Register<LegacyPerson>("legacy.person"));
        await v1.AppendAsync(id, "test", ExpectedVersion.NoStream, [new LegacyFiled("Late answer"), new LegacyPerson("Amina Benali")]);
        var storedBefore = await fixture.ScalarAsync<string>($"SELECT string_agg(type || data::text, '|' ORDER BY version) FROM {{s}}.events WHERE stream_id = '{id}'");

        // A later release renamed the class and the event, and split the name in two.
        var v2 = fixture.NewStore(t => t
            .Register<ComplaintFiled>("complaint.filed", "legacy.filed")
            .Register<PersonRegistered>("person.registered.v2")
            .Upcast("legacy.person", "person.registered.v2", json =>
            {
                var parts = json["fullName"]!.GetValue<string>().Split(' ', 2);
                return new JsonObject { ["firstName"] = parts[0], ["lastName"] = parts[1] };
            }));
        var events = (await v2.LoadStreamAsync(id))!.Events;

        Assert.Equal(new ComplaintFiled("Late answer"), events[0].Data);
        Assert.Equal(new PersonRegistered("Amina", "Benali"), events[1].Data);
        Assert.Equal(storedBefore, await fixture.ScalarAsync<string>($"SELECT string_agg(type || data::text, '|' ORDER BY version) FROM {{s}}.events WHERE stream_id = '{id}'"));
        Assert.True((await v2.VerifyStreamAsync(id)).Valid);

        // A reader filtering on the new types still finds the rows stored under the old names.
        Assert.Equal(["complaint.filed", "legacy.filed", "legacy.person", "person.registered.v2"], v2.Options.Types.StoredNamesOf([typeof(ComplaintFiled), typeof(PersonRegistered)]));
        Assert.Equal(["legacy.person", "person.registered.v2"], v2.Options.Types.StoredNamesOf([typeof(PersonRegistered)]));
    }

    [Fact]
    public async Task Bad_stored_data_gives_a_typed_error_naming_the_stream_and_version()
    {
        var store = fixture.Store;
        var unknown = NewId();
        var broken = NewId();
        await store.AppendAsync(unknown, "test", ExpectedVersion.NoStream, [new Opened("a"), new Noted("b", 1)]);
        await store.AppendAsync(broken, "test", ExpectedVersion.NoStream, [new Opened("a"), new Noted("b", 1)]);
        await fixture.ExecuteAsync($"UPDATE {{s}}.events SET type = 'nobody.knows' WHERE stream_id = '{unknown}' AND version = 2");
        await fixture.ExecuteAsync($$"""UPDATE {s}.events SET data = '{"text": 42, "number": "x"}' WHERE stream_id = '{{broken}}' AND version = 2""");

        var u = await Assert.ThrowsAsync<UnknownEventTypeException>(() => store.LoadStreamAsync(unknown));
        Assert.Equal((unknown, 2L, "nobody.knows"), (u.StreamId, u.Version, u.TypeName));
        var d = await Assert.ThrowsAsync<EventDeserializationException>(() => store.LoadStreamAsync(broken));
        Assert.Equal((broken, 2L), (d.StreamId, d.Version));
        Assert.Contains(broken, d.Message, StringComparison.Ordinal);

        // The reader is still usable: the raw rows are readable, and the global log reports the position.
        var (_, raw) = await store.ReadStreamRawAsync(broken);
        Assert.Equal(2, raw.Count);
        var (_, unknownRaw) = await store.ReadStreamRawAsync(unknown);
        var global = await Assert.ThrowsAsync<UnknownEventTypeException>(() => StoreFixture.ReadAllEventuallyAsync(store, unknownRaw[0].Position - 1, 4));
        Assert.Equal((unknown, 2L, unknownRaw[1].Position), (global.StreamId, global.Version, global.Position));
    }

    [Fact]
    public void A_name_is_registered_once()
    {
        var types = new EventTypeRegistry().Register<Opened>("x.opened");
        Assert.Throws<InvalidOperationException>(() => types.Register<Noted>("x.opened"));
        Assert.Throws<InvalidOperationException>(() => types.Register<Opened>("x.other"));
        types.Freeze();
        Assert.Throws<InvalidOperationException>(() => types.Register<Closed>("x.closed"));
        Assert.Throws<UnregisteredEventTypeException>(() => types.NameOf(typeof(Closed)));
    }

    public sealed record LegacyFiled(string Subject);

    public sealed record LegacyPerson(string FullName);

    public sealed record ComplaintFiled(string Subject);

    public sealed record PersonRegistered(string FirstName, string LastName);
}
