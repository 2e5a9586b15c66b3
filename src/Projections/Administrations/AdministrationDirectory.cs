using Idarati.Domain.Administrations;
using Npgsql;

namespace Idarati.Projections.Administrations;

/// <summary>Administrations with the dates they joined and left the platform, so a report can count the participants as of any day.</summary>
public sealed class AdministrationDirectoryProjection(string schema) : IReadModelProjection
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

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ProjectedEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var batch = new ColumnBatch();
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case AdministrationEvent.Registered r:
                    batch.Insert($"INSERT INTO {Table} (administration_id, kind, region, registered_at) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])",
                        r.Profile.Id, ReadModelSql.Wire(r.Profile.Kind), r.Profile.Region, r.RegisteredAt);
                    break;
                case AdministrationEvent.Deactivated d:
                    batch.Update($"UPDATE {Table} AS t SET deactivated_at = u.value FROM unnest($1::text[], $2::timestamptz[]) AS u (id, value) WHERE t.administration_id = u.id",
                        e.StreamId["administration-".Length..], d.DeactivatedAt);
                    break;
            }
        }

        await ReadModelSql.ExecuteAsync(connection, transaction, batch.Commands(), cancellationToken).ConfigureAwait(false);
    }

    public IReadOnlyList<string> Tables => [Table];
}
