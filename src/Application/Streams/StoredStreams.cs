using Idarati.Application.Audit;
using Idarati.Application.Handling;
using JasperFx.Events;
using Marten;
using Marten.Linq.MatchesSql;
using Npgsql;

namespace Idarati.Application.Streams;

/// <summary>One event as Marten stored it: what auditors read and what the tamper-evidence hash covers.</summary>
public sealed record StoredEvent(
    long Sequence, string StreamId, long Version, string Type, DateTimeOffset Timestamp, string? Actor, string? CorrelationId, string HeadersJson, string DataJson, string Hash,
    string? CausationId = null)
{
    /// <summary>What the event was sealed with: its envelope under <see cref="TamperEvidence.FormV2"/>, or null for v1.</summary>
    public EventEnvelope? Envelope()
    {
        using var headers = System.Text.Json.JsonDocument.Parse(HeadersJson);
        var root = headers.RootElement;
        string? Header(string name) => root.ValueKind == System.Text.Json.JsonValueKind.Object && root.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null;
        return Header(TamperEvidence.FormHeader) switch
        {
            null => null,
            TamperEvidence.FormV2 => new EventEnvelope(Actor, Header(TamperEvidence.AdministrationHeader), CausationId, Header(TamperEvidence.CommandHeader), CorrelationId),
            // A form this service does not know can never verify: not a v1 event that lost its header.
            var other => throw new FormatException($"Unknown canonical form '{other}'."),
        };
    }
}

/// <summary>A stream's stored events and the verdict on their hash chain.</summary>
public sealed record VerifiedStream(string StreamId, IReadOnlyList<StoredEvent> Events, HashChainVerification Verification);

/// <summary>A stream loaded whole: its version and events.</summary>
public sealed record LoadedStream(string StreamId, long Version, IReadOnlyList<object> Events);

/// <summary>Reads of Marten's event rows the command path does not need: auditors' histories, chain checks, listed streams.</summary>
public sealed class StoredStreams(IDocumentStore store, NpgsqlDataSource dataSource)
{
    private string Schema => store.Options.DatabaseSchemaName;

    /// <summary>A stream's events as stored (bodies as PostgreSQL prints the jsonb), oldest first; empty when it does not exist.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAsync(string streamId, CancellationToken cancellationToken = default) =>
        (await ReadRowsAsync([streamId], cancellationToken).ConfigureAwait(false)).GetValueOrDefault(streamId) ?? [];

    /// <summary>Recomputes a stream's chain from its stored rows and names the first version it does not reproduce.</summary>
    public async Task<HashChainVerification> VerifyAsync(string streamId, CancellationToken cancellationToken = default) =>
        (await ReadVerifiedAsync([streamId], cancellationToken).ConfigureAwait(false))[0].Verification;

    /// <summary>Several streams' events with their chains' verdicts, in one round trip; in the order asked.</summary>
    public async Task<IReadOnlyList<VerifiedStream>> ReadVerifiedAsync(IReadOnlyList<string> streamIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streamIds);
        var byStream = await ReadRowsAsync(streamIds, cancellationToken).ConfigureAwait(false);
        return [.. streamIds.Select(id =>
        {
            var events = byStream.GetValueOrDefault(id) ?? [];
            return new VerifiedStream(id, events, Verify(id, events));
        })];
    }

    /// <summary>The stored rows of several streams, by stream, each in version order, in one round trip.</summary>
    private async Task<Dictionary<string, List<StoredEvent>>> ReadRowsAsync(IReadOnlyList<string> streamIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($$"""
            SELECT seq_id, stream_id, version, type, timestamp, user_name, correlation_id, coalesce(headers::text, '{}'), data::text, headers ->> '{{TamperEvidence.HashHeader}}', causation_id
              FROM {{Schema}}.mt_events WHERE stream_id = ANY($1) ORDER BY stream_id, version
            """);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. streamIds] });
        var byStream = new Dictionary<string, List<StoredEvent>>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var e = new StoredEvent(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4),
                    reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetString(7), reader.GetString(8),
                    reader.IsDBNull(9) ? "" : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10));
                (byStream.TryGetValue(e.StreamId, out var list) ? list : byStream[e.StreamId] = []).Add(e);
            }
        }

        return byStream;
    }

    /// <summary>The chain's verdict over a stream's stored rows (see <see cref="TamperEvidence"/>).</summary>
    public static HashChainVerification Verify(string streamId, IReadOnlyList<StoredEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var previous = TamperEvidence.Genesis;
        long? firstInvalid = null;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            string computed;
            try
            {
                computed = TamperEvidence.Link(previous, streamId, e.Version, e.Type, TamperEvidence.Micros(e.Timestamp), e.DataJson, e.Envelope());
            }
            catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException)
            {
                computed = "unverifiable";
            }

            if (firstInvalid is null && (e.Version != i + 1 || e.Hash != computed))
            {
                firstInvalid = Math.Min(e.Version, i + 1);
            }

            previous = computed;
        }

        return new HashChainVerification(streamId, firstInvalid is null, firstInvalid, events.Count);
    }

    /// <summary>Every stream of a listed type (<see cref="CommandHandler.ListedStreamTypes"/>), loaded whole, in two queries.</summary>
    public async Task<IReadOnlyList<LoadedStream>> LoadListedAsync(string streamType, CancellationToken cancellationToken = default)
    {
        await using var session = store.QuerySession();
        var ids = (await session.Query<ListedStream>().Where(s => s.Type == streamType).Select(s => s.Id).ToListAsync(cancellationToken).ConfigureAwait(false)).ToArray();
        if (ids.Length == 0)
        {
            return [];
        }

        var events = await session.Events.QueryAllRawEvents().Where(e => e.MatchesSql("d.stream_id = ANY(?)", (object)ids)).OrderBy(e => e.Sequence)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. events.GroupBy(e => e.StreamKey!, StringComparer.Ordinal)
            .Select(g => new LoadedStream(g.Key, g.Max(e => e.Version), [.. g.OrderBy(e => e.Version).Select(e => e.Data)]))];
    }
}
