using Idarati.Application.Audit;
using Idarati.Application.Handling;
using Idarati.Domain.Privacy;
using Idarati.Domain.Shared;
using JasperFx.Events;
using Marten;
using Marten.Services;
using Npgsql;

namespace Idarati.Application.Privacy;

/// <summary>A person named by any of a CIN, an e-mail address or a complaint's tracking number.</summary>
public sealed record SubjectRequest(string? NationalId, string? Email, string? TrackingNumber)
{
    /// <summary>The subject's identifiers as the lookup index knows them; throws <see cref="ValidationFailedException"/> naming the field that is wrong.</summary>
    public IReadOnlyList<(string Kind, string Value)> Checked()
    {
        Identify(new Validation()).ThrowIfInvalid();
        return [.. new (string, string?)[] { ("cin", NationalId), ("email", Email), ("tracking", TrackingNumber) }.Where(i => i.Item2 is not null).Select(i => (i.Item1, i.Item2!))];
    }

    internal Validation Identify(Validation v) =>
        v.NationalId("nationalId", NationalId, required: false).Email("email", Email, required: false).Text("trackingNumber", TrackingNumber, 64, required: false)
            .Check("nationalId", NationalId is not null || Email is not null || TrackingNumber is not null, "Name the subject: a CIN, an e-mail address or a tracking number.");
}

/// <summary>Who to erase (as <see cref="SubjectRequest"/>), and why.</summary>
public sealed record EraseSubject(string? NationalId, string? Email, string? TrackingNumber, string? Reason)
{
    public const int ReasonLength = 500;

    /// <summary>The subject's identifiers; throws <see cref="ValidationFailedException"/> naming every field that is wrong.</summary>
    public IReadOnlyList<(string Kind, string Value)> Checked()
    {
        var subject = new SubjectRequest(NationalId, Email, TrackingNumber);
        subject.Identify(new Validation()).Text("reason", Reason, ReasonLength).ThrowIfInvalid();
        return subject.Checked();
    }
}

/// <summary>What an erasure did: the streams whose subject's key it destroyed (each got a <c>personal-data.erased</c> event).</summary>
public sealed record ErasureResult(IReadOnlyList<string> Streams, DateTimeOffset ErasedAt);

/// <summary>
/// Erasure by crypto-shredding: the subject's keys are destroyed and their lookup hashes removed, and each stream
/// concerned gets a <c>personal-data.erased</c> event naming who erased and why, sealed into its hash chain, all in one
/// transaction per batch of streams. Stored events are never rewritten: their personal fields stay as ciphertext no key
/// opens, so every chain and the Merkle log still verify. Copies outside the events go too: the candidate's e-mail claim,
/// the development mail sink's mails and Wolverine's dead letters about the subject's complaints.
/// </summary>
public sealed class PersonalDataErasure(IDocumentStore store, NpgsqlDataSource dataSource, PersonalDataVault vault, TimeProvider time)
{
    private const int StreamsPerTransaction = 1000;

    private string Schema => store.Options.DatabaseSchemaName;

    /// <summary>
    /// The streams of the person these identifiers name, followed through the identifiers the streams found give: a
    /// tracking number finds its complaint, whose CIN and e-mail find the person's ticket and candidate account, whose
    /// id finds their applications. A few rounds, one query each.
    /// </summary>
    public async Task<IReadOnlyList<string>> FindStreamsAsync(IEnumerable<(string Kind, string Value)> identifiers, CancellationToken cancellationToken = default)
    {
        var lookupKey = await vault.LookupKeyAsync(cancellationToken).ConfigureAwait(false);
        await vault.FlushLookupIndexAsync(cancellationToken).ConfigureAwait(false);
        var given = identifiers.ToList();
        var lookups = new HashSet<string>(given.Where(i => i.Kind != "tracking").Select(i => PersonalDataVault.Lookup(lookupKey, i.Kind, i.Value)), StringComparer.Ordinal);
        // A tracking number is a complaint's own unique key: its stream gives the person's identifiers.
        var tracked = await TrackedAsync([.. given.Where(i => i.Kind == "tracking").Select(i => i.Value.Trim().ToUpperInvariant())], cancellationToken).ConfigureAwait(false);
        lookups.UnionWith(tracked.SelectMany(t => t.Lookups));
        var found = new List<(string StreamId, string[] Lookups)>(tracked);
        for (var round = 0; round < 6; round++)
        {
            found = [.. tracked.Concat(await MatchAsync([.. lookups], cancellationToken).ConfigureAwait(false)).DistinctBy(f => f.StreamId, StringComparer.Ordinal)];
            var before = lookups.Count;
            lookups.UnionWith(found.SelectMany(f => f.Lookups));
            if (lookups.Count == before)
            {
                break;
            }
        }

        return [.. found.Select(f => f.StreamId)];
    }

    /// <summary>The complaints these tracking numbers claim, with their lookups, when their keys are not destroyed.</summary>
    private async Task<List<(string StreamId, string[] Lookups)>> TrackedAsync(string[] trackingNumbers, CancellationToken cancellationToken)
    {
        var found = new List<(string, string[])>();
        if (trackingNumbers.Length == 0)
        {
            return found;
        }

        await using var command = dataSource.CreateCommand($"""
            SELECT k.stream_id, k.lookups FROM {Schema}.mt_doc_streamkeyclaim c JOIN {vault.Table} k ON k.stream_id = c.data ->> 'streamId'
             WHERE c.id = ANY($1) AND k.wrapped IS NOT NULL
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. trackingNumbers.Select(t => CommandHandler.KeyId(new StreamKey(Complaints.ComplaintIdentifiers.TrackingKeyKind, t)))] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add((reader.GetString(0), reader.GetFieldValue<string[]>(1)));
        }

        return found;
    }

    private async Task<List<(string StreamId, string[] Lookups)>> MatchAsync(string[] lookups, CancellationToken cancellationToken)
    {
        // One probe of the GIN index per lookup: an overlap with a long array is planned as a scan of every key.
        await using var command = dataSource.CreateCommand($"""
            SELECT DISTINCT k.stream_id, k.lookups FROM unnest($1::text[]) AS l (v)
              JOIN LATERAL (SELECT stream_id, lookups FROM {vault.Table} WHERE lookups @> ARRAY[l.v] AND wrapped IS NOT NULL) k ON true
             ORDER BY k.stream_id
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = lookups });
        var found = new List<(string, string[])>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add((reader.GetString(0), reader.GetFieldValue<string[]>(1)));
        }

        return found;
    }

    /// <summary>Erases one subject; the streams erased (none when nothing held names them).</summary>
    public async Task<ErasureResult> EraseAsync(EraseSubject request, Actor by, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var identifiers = request.Checked();
        var streams = await FindStreamsAsync(identifiers, cancellationToken).ConfigureAwait(false);
        return await EraseStreamsAsync(streams, request.Reason!.Trim(), by, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Erases the subjects of these streams, a batch of streams per transaction; streams already erased are passed over.</summary>
    public async Task<ErasureResult> EraseStreamsAsync(IReadOnlyList<string> streamIds, string reason, Actor by, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streamIds);
        ArgumentNullException.ThrowIfNull(by);
        var at = time.GetUtcNow();
        var erased = new List<string>();
        foreach (var batch in streamIds.Distinct(StringComparer.Ordinal).Chunk(StreamsPerTransaction))
        {
            erased.AddRange(await EraseBatchAsync(batch, reason, by, at, cancellationToken).ConfigureAwait(false));
        }

        return new ErasureResult(erased, at);
    }

    private async Task<IReadOnlyList<string>> EraseBatchAsync(string[] streamIds, string reason, Actor by, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // The streams are locked first: no append slips between reading their last hash and sealing the erasure after it.
        var tips = new Dictionary<string, (long Version, string Hash)>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand($$"""
            WITH locked AS (SELECT id FROM {{Schema}}.mt_streams WHERE id = ANY($1) ORDER BY id FOR UPDATE),
                 keys AS (UPDATE {{vault.Table}} k SET wrapped = NULL, master_key_id = NULL, lookups = '{}', erased_at = $2, erased_by = $3, erasure_reason = $4
                          FROM locked WHERE k.stream_id = locked.id AND k.wrapped IS NOT NULL RETURNING k.stream_id)
            SELECT DISTINCT ON (e.stream_id) e.stream_id, e.version, coalesce(e.headers ->> '{{TamperEvidence.HashHeader}}', '')
              FROM {{Schema}}.mt_events e JOIN keys ON keys.stream_id = e.stream_id ORDER BY e.stream_id, e.version DESC
            """, connection, transaction))
        {
            read.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = streamIds });
            read.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = at });
            read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = by.ToString() });
            read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = reason });
            await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tips[reader.GetString(0)] = (reader.GetInt64(1), reader.GetString(2));
            }
        }

        if (tips.Count == 0)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return [];
        }

        await using (var session = store.LightweightSession(SessionOptions.ForTransaction(transaction)))
        {
            session.LastModifiedBy = by.ToString();
            foreach (var (streamId, (version, hash)) in tips)
            {
                var action = session.Events.Append(streamId, new PrivacyEvent.PersonalDataErased(by.ToString(), reason, at));
                foreach (var e in action.Events)
                {
                    e.UserName = by.ToString();
                }

                TamperEvidence.Seal(session, action.Events, streamId, version, hash, at);
            }

            var ids = tips.Keys.ToArray();
            var complaints = ids.Select(Complaints.ComplaintIdentifiers.FromStreamId).OfType<Guid>().ToArray();
            var copies = await CopiesAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            if (copies.Contains("mt_doc_streamkeyclaim"))
            {
                session.QueueSqlCommand($"DELETE FROM {Schema}.mt_doc_streamkeyclaim WHERE id LIKE '{JobApplications.EmploymentService.CandidateEmailKey}:%' AND data ->> 'streamId' = ANY(?)", (object)ids);
            }

            if (complaints.Length > 0 && copies.Contains("mt_doc_sentmail"))
            {
                session.QueueSqlCommand($"DELETE FROM {Schema}.mt_doc_sentmail WHERE split_part(id, ':', 1) = ANY(?)", (object)complaints.Select(g => g.ToString("N")).ToArray());
            }

            if (complaints.Length > 0 && copies.Contains("wolverine_dead_letters"))
            {
                // A notification that failed for good: its error may quote the citizen's address.
                session.QueueSqlCommand($"DELETE FROM {Schema}.wolverine_dead_letters WHERE convert_from(body, 'UTF8') ~ ?", string.Join('|', complaints.Select(g => g.ToString("D"))));
            }

            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return [.. tips.Keys];
    }

    /// <summary>Which tables that may hold copies of personal data exist in this store (the mail sink and Wolverine's only where they run).</summary>
    private async Task<HashSet<string>> CopiesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_name = ANY($2)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Schema });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ["mt_doc_streamkeyclaim", "mt_doc_sentmail", "wolverine_dead_letters"] });
        var found = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            found.Add(reader.GetString(0));
        }

        return found;
    }
}
