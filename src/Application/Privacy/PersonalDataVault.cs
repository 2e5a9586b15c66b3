using System.Security.Cryptography;
using System.Text;
using Marten;
using Npgsql;

namespace Idarati.Application.Privacy;

/// <summary>
/// Crypto-shredding: each stream that carries personal data (or is about a person, as an application is about its
/// candidate) has a key of its own for its data subject (the citizen of a complaint, the caller of a ticket, the
/// candidate of an account), random, stored wrapped by the master key in
/// <c>pd_subject_keys</c> with the subject's identifiers as keyed hashes (the lookup index). Personal fields are stored
/// as <c>pd1:</c> tokens (AES-256-GCM, bound to their stream), so the hash chain and the Merkle log cover ciphertext;
/// destroying a stream's key erases its personal data and breaks no proof.
/// </summary>
public sealed class PersonalDataVault(NpgsqlDataSource dataSource, MasterKeys masters, string schema, TimeProvider time)
{
    public const string TokenPrefix = "pd1:";
    private const string LookupKeyRow = "~lookup-key";
    private byte[]? _lookupKey;

    public string Table => $"{schema}.{TableName}";

    public const string TableName = "pd_subject_keys";

    public MasterKeys Masters => masters;

    /// <summary>The events with their personal fields sealed under the stream's key, and what to write with them (the key row, for a stream's first personal data).</summary>
    public async Task<(object[] Events, Action<IDocumentSession>? Stage)> SealAsync(string streamId, bool newStream, object[] events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (!events.Any(e => PersonalFields.Concerns(e.GetType())))
        {
            return (events, null);
        }

        var lookupKey = await LookupKeyAsync(cancellationToken).ConfigureAwait(false);
        byte[]? key = newStream ? null : (await ReadKeyAsync(streamId, cancellationToken).ConfigureAwait(false)).Key;
        Action<IDocumentSession>? stage = null;
        if (key is null)
        {
            key = NewKey();
            var row = NewRow(streamId, key, lookupKey, events);
            // A stream with no key yet (its first personal data), or whose subject was erased: a new key, in the append's transaction.
            stage = session => session.QueueSqlCommand(
                $"INSERT INTO {Table} (stream_id, wrapped, master_key_id, lookups, created_at) VALUES (?, ?, ?, ?, ?) " +
                $"ON CONFLICT (stream_id) DO UPDATE SET wrapped = excluded.wrapped, master_key_id = excluded.master_key_id, lookups = excluded.lookups WHERE {Table}.wrapped IS NULL",
                row.StreamId, row.Wrapped, row.MasterKeyId, row.Lookups, row.CreatedAt);
        }

        using var cipher = MasterKeys.Cipher(key);
        return ([.. events.Select(e => Seal(e, streamId, cipher))], stage);
    }

    /// <summary>A new stream's events sealed with a fresh key, and its key row (the seed writes both in bulk).</summary>
    public (object[] Events, SubjectKeyRow? Row) SealNew(string streamId, IReadOnlyList<object> events, byte[] lookupKey)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (!events.Any(e => PersonalFields.Concerns(e.GetType())))
        {
            return ([.. events], null);
        }

        var key = NewKey();
        using var cipher = MasterKeys.Cipher(key);
        return ([.. events.Select(e => Seal(e, streamId, cipher))], NewRow(streamId, key, lookupKey, events));
    }

    private SubjectKeyRow NewRow(string streamId, byte[] key, byte[] lookupKey, IEnumerable<object> events) =>
        new(streamId, masters.Wrap(key, KeyPurpose(streamId)), masters.CurrentId,
            [.. events.SelectMany(PersonalFields.Identifiers).Select(i => Lookup(lookupKey, i.Kind, i.Value)).Distinct(StringComparer.Ordinal)], time.GetUtcNow());

    private static object Seal(object e, string streamId, AesGcm cipher)
    {
        var aad = Encoding.UTF8.GetBytes(streamId);
        return PersonalFields.Rewrite(e, (_, value) => TokenPrefix + MasterKeys.Seal(cipher, Encoding.UTF8.GetBytes(value), aad));
    }

    private static byte[] NewKey()
    {
        var key = new byte[MasterKeys.KeyBytes];
        Nonces.Next(key);
        return key;
    }

    private static string KeyPurpose(string streamId) => $"subject-key:{streamId}";

    /// <summary>What reveals a stream's personal fields: its key, or nothing when the subject was erased.</summary>
    public async Task<Revealer> RevealerAsync(string streamId, CancellationToken cancellationToken = default)
    {
        var (key, erasedAt) = await ReadKeyAsync(streamId, cancellationToken).ConfigureAwait(false);
        return new Revealer(streamId, key, erasedAt);
    }

    private async Task<(byte[]? Key, DateTimeOffset? ErasedAt)> ReadKeyAsync(string streamId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT wrapped, master_key_id, erased_at FROM {Table} WHERE stream_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = streamId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return (null, null);
        }

        var erasedAt = reader.IsDBNull(2) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(2);
        if (reader.IsDBNull(0))
        {
            return (null, erasedAt);
        }

        var key = masters.Unwrap(reader.GetString(0), reader.GetString(1), KeyPurpose(streamId))
            ?? throw new InvalidOperationException($"The key of stream {streamId} is wrapped by master key {reader.GetString(1)}, which {MasterKeys.Setting} and {MasterKeys.PreviousSetting} do not hold.");
        return (key, erasedAt);
    }

    /// <summary>Key rows of new streams, written by binary COPY (the seed).</summary>
    public async Task CopyKeysAsync(IReadOnlyList<SubjectKeyRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            return;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var import = await connection.BeginBinaryImportAsync(
            $"COPY {Table} (stream_id, wrapped, master_key_id, lookups, created_at) FROM STDIN (FORMAT BINARY)", cancellationToken).ConfigureAwait(false);
        foreach (var row in rows)
        {
            await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
            await import.WriteAsync(row.StreamId, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await import.WriteAsync(row.Wrapped, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await import.WriteAsync(row.MasterKeyId, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await import.WriteAsync(row.Lookups, NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
            await import.WriteAsync(row.CreatedAt, NpgsqlTypes.NpgsqlDbType.TimestampTz, cancellationToken).ConfigureAwait(false);
        }

        await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves the lookup index's pending entries into its tree. PostgreSQL's GIN index keeps new entries in a pending list
    /// that every search scans whole until a vacuum merges them; after a seed of 20k complaints a search took 1.7 ms a
    /// lookup instead of a few microseconds (the privacy benchmark). Searches are rare (erasures, access requests), so
    /// they merge the list first rather than every append paying for a tree insertion.
    /// </summary>
    public async Task FlushLookupIndexAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT gin_clean_pending_list('{schema}.{TableName}_lookups'::regclass)");
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A subject's identifier as the lookup index holds it: a keyed hash of its normalised spelling, never the value.</summary>
    public static string Lookup(byte[] lookupKey, string kind, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var normal = kind switch
        {
            "email" => value.Trim().ToLowerInvariant(),
            "phone" => new string([.. value.Where(char.IsAsciiDigit)]),
            "cin" => Idarati.Domain.Shared.NationalId.Normalize(value),
            _ => new string([.. value.Where(c => !char.IsWhiteSpace(c))]).ToUpperInvariant(),
        };
        return Convert.ToBase64String(HMACSHA256.HashData(lookupKey, Encoding.UTF8.GetBytes($"{kind}:{normal}")));
    }

    /// <summary>The key of the lookup index, made once per database and kept wrapped like the subjects' keys.</summary>
    public async Task<byte[]> LookupKeyAsync(CancellationToken cancellationToken = default)
    {
        if (_lookupKey is { } known)
        {
            return known;
        }

        var fresh = RandomNumberGenerator.GetBytes(MasterKeys.KeyBytes);
        await using (var insert = dataSource.CreateCommand($"INSERT INTO {Table} (stream_id, wrapped, master_key_id, lookups, created_at) VALUES ($1, $2, $3, '{{}}', $4) ON CONFLICT DO NOTHING"))
        {
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = LookupKeyRow });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = masters.Wrap(fresh, KeyPurpose(LookupKeyRow)) });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = masters.CurrentId });
            insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return _lookupKey = (await ReadKeyAsync(LookupKeyRow, cancellationToken).ConfigureAwait(false)).Key!;
    }

    /// <summary>
    /// Rotation: rewraps up to <paramref name="batch"/> keys still wrapped by an earlier master under the current one
    /// (the keys themselves, and so every sealed field, stay as they are); how many it rewrapped. Run until it answers 0,
    /// then the earlier master may leave <see cref="MasterKeys.PreviousSetting"/>.
    /// </summary>
    public async Task<int> RewrapAsync(int batch, CancellationToken cancellationToken = default)
    {
        var earlier = masters.Ids.Where(id => id != masters.CurrentId).ToArray();
        if (earlier.Length == 0)
        {
            return 0;
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<(string StreamId, string Wrapped, string MasterId)>();
        await using (var select = new NpgsqlCommand($"SELECT stream_id, wrapped, master_key_id FROM {Table} WHERE master_key_id = ANY($1) LIMIT $2 FOR UPDATE SKIP LOCKED", connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = earlier });
            select.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batch });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        if (rows.Count == 0)
        {
            return 0;
        }

        var rewrapped = rows.Select(r => masters.Wrap(masters.Unwrap(r.Wrapped, r.MasterId, KeyPurpose(r.StreamId))
            ?? throw new InvalidOperationException($"The key of stream {r.StreamId} does not open with master key {r.MasterId}."), KeyPurpose(r.StreamId))).ToArray();
        await using (var update = new NpgsqlCommand($"UPDATE {Table} k SET wrapped = u.wrapped, master_key_id = $3 FROM unnest($1::text[], $2::text[]) AS u (stream_id, wrapped) WHERE k.stream_id = u.stream_id", connection, transaction))
        {
            update.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.StreamId)] });
            update.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = rewrapped });
            update.Parameters.Add(new NpgsqlParameter<string> { TypedValue = masters.CurrentId });
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows.Count;
    }

    /// <summary>
    /// Refuses a master key ring that cannot open what is stored: the lookup key, once made, must open with one of its
    /// masters. Run at start-up, so that a wrong key stops the service before it writes anything.
    /// </summary>
    public async Task CheckMastersAsync(CancellationToken cancellationToken = default) => await LookupKeyAsync(cancellationToken).ConfigureAwait(false);
}

/// <summary>A stream's key row as written: the wrapped key, which master wraps it, and the subject's lookup hashes.</summary>
public sealed record SubjectKeyRow(string StreamId, string Wrapped, string MasterKeyId, string[] Lookups, DateTimeOffset CreatedAt);

/// <summary>Opens one stream's personal fields and remembers which it revealed (for the access log).</summary>
public sealed class Revealer(string streamId, byte[]? key, DateTimeOffset? erasedAt)
{
    private readonly SortedSet<string> _revealed = new(StringComparer.Ordinal);

    public string StreamId => streamId;

    /// <summary>When the subject's data was erased; null while it is held.</summary>
    public DateTimeOffset? ErasedAt => erasedAt;

    /// <summary>The personal fields revealed so far, by stored path.</summary>
    public IReadOnlyCollection<string> Revealed => _revealed;

    /// <summary>The value in clear; null when it was erased (its key destroyed). A value that is not a token (written before encryption) is as stored.</summary>
    public string? Reveal(string path, string? value)
    {
        if (value is null || !value.StartsWith(PersonalDataVault.TokenPrefix, StringComparison.Ordinal))
        {
            return value;
        }

        if (key is null)
        {
            return null;
        }

        var plain = MasterKeys.Open(key, value[PersonalDataVault.TokenPrefix.Length..], streamId);
        if (plain is null)
        {
            return null;
        }

        _revealed.Add(path);
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>An event with its personal fields revealed (erased ones null).</summary>
    public T RevealEvent<T>(T e)
        where T : notnull => (T)PersonalFields.Rewrite(e, (path, value) => Reveal(path, value)!);
}
