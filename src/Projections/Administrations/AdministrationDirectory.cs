using Idarati.Domain.Administrations;
using Idarati.EventStore;
using Idarati.EventStore.Projections;
using Npgsql;

namespace Idarati.Projections.Administrations;

/// <summary>Administrations with the dates they joined and left the platform, so a report can count the participants as of any day.</summary>
public sealed class AdministrationDirectoryProjection(string schema) : IProjection
{
    public const string ProjectionName = "administration-directory";

    public string Name => ProjectionName;

    public IReadOnlyCollection<Type> EventTypes { get; } = [.. AdministrationEvent.StoredNames.Keys];

    public string Table => $"{schema}.rm_administrations";

    public async Task CreateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            CREATE TABLE IF NOT EXISTS {Table} (
                administration_id text PRIMARY KEY,
                kind text NOT NULL,
                region text NOT NULL,
                registered_at timestamptz NOT NULL,
                deactivated_at timestamptz)
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<RecordedEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var statements = events.Select(e => e.Data switch
        {
            AdministrationEvent.Registered r => ReadModelSql.Command(
                $"INSERT INTO {Table} (administration_id, kind, region, registered_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                r.Profile.Id, ReadModelSql.Wire(r.Profile.Kind), r.Profile.Region, r.RegisteredAt),
            AdministrationEvent.Deactivated d => ReadModelSql.Command(
                $"UPDATE {Table} SET deactivated_at = $2 WHERE administration_id = $1", e.StreamId["administration-".Length..], d.DeactivatedAt),
            _ => null,
        }).OfType<NpgsqlBatchCommand>();
        await ReadModelSql.ExecuteAsync(connection, transaction, statements, cancellationToken).ConfigureAwait(false);
    }

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        ReadModelSql.TruncateAsync(connection, transaction, Table, cancellationToken);
}
