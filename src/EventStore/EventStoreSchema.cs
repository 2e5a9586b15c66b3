using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Idarati.EventStore;

/// <summary>
/// Creates and migrates the store's tables and functions. Idempotent and safe to run from several nodes at once:
/// migrations run under a transaction-scoped advisory lock and each is recorded once in schema_migrations.
/// </summary>
public static class EventStoreSchema
{
    public static Task MigrateAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken = default) =>
        MigrateAsync(dataSource, new EventStoreOptions { Schema = schema }, cancellationToken);

    /// <summary>Migrates, then creates the partial index of each of the options' listed stream types that lacks one.</summary>
    public static async Task MigrateAsync(NpgsqlDataSource dataSource, EventStoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        var schema = options.Schema;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({Key("migrate", schema)})", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, $"""
            CREATE SCHEMA IF NOT EXISTS {schema};
            CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
                version integer PRIMARY KEY,
                description text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now());
            """, cancellationToken).ConfigureAwait(false);

        long applied;
        await using (var command = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {schema}.schema_migrations", connection, transaction))
        {
            applied = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        var migrations = Migrations(schema);
        for (var i = (int)applied; i < migrations.Count; i++)
        {
            await ExecuteAsync(connection, transaction, migrations[i].Sql, cancellationToken).ConfigureAwait(false);
            await using var record = new NpgsqlCommand($"INSERT INTO {schema}.schema_migrations (version, description) VALUES ($1, $2)", connection, transaction);
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = i + 1 });
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migrations[i].Description });
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var type in options.ListedStreamTypes)
        {
            // The name is checked by the options (no quote can reach the SQL); the index name keeps it readable.
            await ExecuteAsync(connection, transaction,
                $"CREATE INDEX IF NOT EXISTS streams_of_{type.Replace('-', '_')} ON {schema}.streams (id) WHERE type = '{type}'", cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A stable 64-bit advisory lock key for a purpose within a schema, so two stores in one database never share locks.</summary>
    internal static long Key(string purpose, string schema)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"idarati.event_store:{purpose}:{schema}"));
        return BitConverter.ToInt64(hash, 0);
    }

    /// <summary>Positions are the transaction id times this plus the event's index: the most events one transaction appends.</summary>
    public const int PositionsPerTransaction = 1 << 20;

    /// <summary>SQL for the bound below which every position is final: no transaction can still add an event there.</summary>
    internal const string StablePositionBound = "pg_snapshot_xmin(pg_current_snapshot())::text::bigint * 1048576";

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private sealed record Migration(string Description, string Sql);

    private static List<Migration> Migrations(string s)
    {
        // Both append functions start alike: the stream head and the command id in one query; a known command answers
        // with its first result (status 1).
        var readHeadOrFirstResult = $"""
            SELECT st.version, st.last_hash, c.command_id IS NOT NULL AS known, c.stream_version AS c_version,
                   c.first_version AS c_first, c.first_position AS c_first_position, c.last_position AS c_last_position
              INTO v_head
              FROM (SELECT) AS one
              LEFT JOIN {s}.streams st ON st.id = p_stream_id
              LEFT JOIN {s}.commands c ON c.command_id = p_command_id;
            IF v_head.known THEN
                SELECT 1, v_head.c_version, v_head.c_first, v_head.c_first_position, v_head.c_last_position
                  INTO status, stream_version, first_version, first_position, last_position;
                RETURN;
            END IF;
            """;
        return
        [
            new Migration("streams, events, commands and the append functions", $$"""
                CREATE TABLE {{s}}.streams (
                    id text PRIMARY KEY,
                    type text NOT NULL,
                    version bigint NOT NULL CHECK (version >= 0),
                    last_hash bytea NOT NULL,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL);

                CREATE INDEX streams_type ON {{s}}.streams (type);

                -- Bodies are json, not jsonb: json keeps the exact bytes that the hash chain covers.
                CREATE TABLE {{s}}.events (
                    position bigint PRIMARY KEY,
                    stream_id text NOT NULL REFERENCES {{s}}.streams (id),
                    version bigint NOT NULL CHECK (version >= 1),
                    type text NOT NULL,
                    data json NOT NULL,
                    metadata json NOT NULL,
                    recorded_at timestamptz NOT NULL,
                    hash bytea NOT NULL,
                    CONSTRAINT events_stream_version UNIQUE (stream_id, version));

                -- Unique secondary keys claimed by appends (a tracking number, an e-mail, a candidate and a competition):
                -- the primary key refuses a second claim, atomically with the events.
                CREATE TABLE {{s}}.stream_keys (
                    kind text NOT NULL,
                    value text NOT NULL,
                    stream_id text NOT NULL REFERENCES {{s}}.streams (id),
                    PRIMARY KEY (kind, value));

                CREATE TABLE {{s}}.commands (
                    command_id uuid PRIMARY KEY,
                    stream_id text NOT NULL,
                    first_version bigint NOT NULL,
                    stream_version bigint NOT NULL,
                    first_position bigint,
                    last_position bigint,
                    recorded_at timestamptz NOT NULL);

                -- A position is the writing transaction's id times 2^20 plus the event's index in the transaction,
                -- so positions grow in transaction-id order. Every transaction with an id below
                -- pg_snapshot_xmin(pg_current_snapshot()) has ended, so a reader that stops below that bound never
                -- meets, later, an event with a smaller position than one it already read: nothing is skipped when a
                -- transaction commits late or rolls back, and no lock is shared by all writers. Two rules make it hold:
                -- the append is the first write of its transaction (the id is assigned after the stream head was read,
                -- so successive writers of one stream get increasing ids), and a transaction appends at most 2^20 events.
                CREATE FUNCTION {{s}}.reserve_positions(p_count integer) RETURNS bigint
                LANGUAGE plpgsql AS $fn$
                BEGIN
                    IF p_count < 1 OR p_count > {{PositionsPerTransaction}} THEN
                        RAISE EXCEPTION 'a transaction appends between 1 and {{PositionsPerTransaction}} events, not %', p_count USING ERRCODE = '22023';
                    END IF;
                    IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
                        RAISE EXCEPTION 'an append must be the first write of its transaction'
                            USING ERRCODE = 'ES001',
                                  HINT = 'append before any other write in the transaction, or in a transaction of its own';
                    END IF;
                    RETURN pg_current_xact_id()::text::bigint * {{PositionsPerTransaction}};
                END
                $fn$;

                -- One round trip per command: idempotency by command id, expected version, positions, hash chain,
                -- stream row and events, all in the caller's transaction. append_event is the one-event case without
                -- arrays, the common one; append_events takes any number. Both follow the same steps:
                --   1. look up the command id and the stream head in one query;
                --   2. answer a known command with its first result, a wrong expected version with status 2;
                --   3. take positions from the transaction id, chain the hashes, write stream, events, command at once.
                -- No lock is taken. Two writers that read the same head both try to insert the same (stream, version)
                -- and the unique constraint refuses the second; the store retries or reports the conflict. A writer
                -- that succeeds has read its predecessor's committed head before its own transaction id was assigned
                -- (the append is the transaction's first write), so within a stream positions follow versions.
                CREATE FUNCTION {{s}}.append_event(
                    p_stream_id text, p_stream_type text, p_expected bigint, p_command_id uuid,
                    p_type text, p_data json, p_metadata json, p_recorded_at timestamptz, p_key_kinds text[], p_key_values text[],
                    OUT status integer, OUT stream_version bigint, OUT first_version bigint,
                    OUT first_position bigint, OUT last_position bigint, OUT last_hash bytea)
                LANGUAGE plpgsql AS $fn$
                DECLARE
                    v_head record;
                    v_hash bytea;
                BEGIN
                    {{readHeadOrFirstResult}}
                    stream_version := coalesce(v_head.version, 0);
                    IF (p_expected = 0 AND v_head.version IS NOT NULL) OR (p_expected = -2 AND v_head.version IS NULL)
                       OR (p_expected > 0 AND stream_version <> p_expected) THEN
                        status := 2;
                        RETURN;
                    END IF;
                    IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
                        RAISE EXCEPTION 'an append must be the first write of its transaction'
                            USING ERRCODE = 'ES001',
                                  HINT = 'append before any other write in the transaction, or in a transaction of its own';
                    END IF;
                    status := 0;
                    stream_version := stream_version + 1;
                    first_version := stream_version;
                    first_position := pg_current_xact_id()::text::bigint * {{PositionsPerTransaction}};
                    last_position := first_position;
                    v_hash := sha256(coalesce(v_head.last_hash, decode(repeat('00', 32), 'hex')) || convert_to(
                        p_stream_id || E'\n' || stream_version::text || E'\n' || p_type || E'\n'
                        || ((extract(epoch FROM p_recorded_at) * 1000000)::bigint)::text
                        || E'\n' || p_metadata::text || E'\n' || p_data::text, 'UTF8'));
                    last_hash := v_hash;
                    WITH stream AS (
                        INSERT INTO {{s}}.streams AS st (id, type, version, last_hash, created_at, updated_at)
                        VALUES (p_stream_id, p_stream_type, stream_version, v_hash, p_recorded_at, p_recorded_at)
                        ON CONFLICT (id) DO UPDATE SET version = excluded.version, last_hash = excluded.last_hash, updated_at = excluded.updated_at
                    ), command AS (
                        INSERT INTO {{s}}.commands (command_id, stream_id, first_version, stream_version, first_position, last_position, recorded_at)
                        SELECT p_command_id, p_stream_id, first_version, stream_version, first_position, last_position, p_recorded_at
                         WHERE p_command_id IS NOT NULL
                    ), stream_key AS (
                        INSERT INTO {{s}}.stream_keys (kind, value, stream_id)
                        SELECT k.kind, k.value, p_stream_id FROM unnest(p_key_kinds, p_key_values) AS k (kind, value)
                    )
                    INSERT INTO {{s}}.events (position, stream_id, version, type, data, metadata, recorded_at, hash)
                    VALUES (first_position, p_stream_id, stream_version, p_type, p_data, p_metadata, p_recorded_at, v_hash);
                END
                $fn$;

                CREATE FUNCTION {{s}}.append_events(
                    p_stream_id text, p_stream_type text, p_expected bigint, p_command_id uuid,
                    p_types text[], p_data json[], p_metadata json[], p_recorded_at timestamptz, p_key_kinds text[], p_key_values text[],
                    OUT status integer, OUT stream_version bigint, OUT first_version bigint,
                    OUT first_position bigint, OUT last_position bigint, OUT last_hash bytea)
                LANGUAGE plpgsql AS $fn$
                DECLARE
                    v_count integer := coalesce(cardinality(p_types), 0);
                    v_head record;
                    v_current bigint;
                    v_hash bytea;
                    v_micros text := ((extract(epoch FROM p_recorded_at) * 1000000)::bigint)::text;
                    v_hashes bytea[] := '{}';
                BEGIN
                    IF v_count <> coalesce(cardinality(p_data), 0) OR v_count <> coalesce(cardinality(p_metadata), 0) THEN
                        RAISE EXCEPTION 'types, data and metadata must have the same length' USING ERRCODE = '22023';
                    END IF;
                    {{readHeadOrFirstResult}}
                    v_current := coalesce(v_head.version, 0);
                    IF (p_expected = 0 AND v_head.version IS NOT NULL) OR (p_expected = -2 AND v_head.version IS NULL)
                       OR (p_expected > 0 AND v_current <> p_expected) THEN
                        status := 2;
                        stream_version := v_current;
                        RETURN;
                    END IF;
                    status := 0;
                    stream_version := v_current + v_count;
                    first_version := v_current + 1;
                    IF v_count = 0 THEN
                        RETURN;
                    END IF;
                    first_position := {{s}}.reserve_positions(v_count);
                    last_position := first_position + v_count - 1;
                    v_hash := coalesce(v_head.last_hash, decode(repeat('00', 32), 'hex'));
                    FOR i IN 1..v_count LOOP
                        v_hash := sha256(v_hash || convert_to(
                            p_stream_id || E'\n' || (v_current + i)::text || E'\n' || p_types[i] || E'\n' || v_micros
                            || E'\n' || p_metadata[i]::text || E'\n' || p_data[i]::text, 'UTF8'));
                        v_hashes[i] := v_hash;
                    END LOOP;
                    last_hash := v_hash;
                    WITH stream AS (
                        INSERT INTO {{s}}.streams AS st (id, type, version, last_hash, created_at, updated_at)
                        VALUES (p_stream_id, p_stream_type, stream_version, v_hash, p_recorded_at, p_recorded_at)
                        ON CONFLICT (id) DO UPDATE SET version = excluded.version, last_hash = excluded.last_hash, updated_at = excluded.updated_at
                    ), command AS (
                        INSERT INTO {{s}}.commands (command_id, stream_id, first_version, stream_version, first_position, last_position, recorded_at)
                        SELECT p_command_id, p_stream_id, first_version, stream_version, first_position, last_position, p_recorded_at
                         WHERE p_command_id IS NOT NULL
                    ), stream_key AS (
                        INSERT INTO {{s}}.stream_keys (kind, value, stream_id)
                        SELECT k.kind, k.value, p_stream_id FROM unnest(p_key_kinds, p_key_values) AS k (kind, value)
                    )
                    INSERT INTO {{s}}.events (position, stream_id, version, type, data, metadata, recorded_at, hash)
                    SELECT first_position + x.o - 1, p_stream_id, v_current + x.o, x.t, x.d, x.m, p_recorded_at, x.h
                      FROM unnest(p_types, p_data, p_metadata, v_hashes) WITH ORDINALITY AS x (t, d, m, h, o);
                END
                $fn$;
                """),
            new Migration("no index on every stream's type: listed types get partial indexes", $"DROP INDEX IF EXISTS {s}.streams_type;"),

            // A foreign key check locks the referenced row (FOR KEY SHARE), and PostgreSQL writes every row lock to the
            // WAL: one record per event and per key, which halved the speed of a bulk import. Only the store writes
            // these tables, always in the transaction that writes the stream row, and it never deletes a stream; the
            // test suite checks that no event or key lacks its stream.
            new Migration("events and stream keys without foreign keys to streams", $"""
                ALTER TABLE {s}.events DROP CONSTRAINT IF EXISTS events_stream_id_fkey;
                ALTER TABLE {s}.stream_keys DROP CONSTRAINT IF EXISTS stream_keys_stream_id_fkey;
                """),

            // Every append to an existing stream rewrites its head row (version, hash, time: no indexed column), so
            // room left on each page lets PostgreSQL update it in place (a HOT update) instead of adding an entry to the
            // primary key's index each time. Applies to pages written from now on.
            new Migration("room on the streams' pages for in-place head updates", $"ALTER TABLE {s}.streams SET (fillfactor = 70);"),
        ];
    }
}
