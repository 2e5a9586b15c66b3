using Idarati.Domain.Complaints;
using Idarati.EventStore;
using Idarati.EventStore.Projections;
using Npgsql;
using static Idarati.Domain.Complaints.ComplaintEvent;

namespace Idarati.Projections.Complaints;

/// <summary>
/// One row per complaint for agents' lists and front ends: where it is, who owns it, its dates and due dates. No
/// personal data. Overdue is computed by the reader against its own clock (due date passed and not processed), since a
/// projection must give the same rows on every rebuild.
/// </summary>
public sealed class ComplaintListProjection(string schema) : IProjection
{
    public const string ProjectionName = "complaint-list";

    public string Name => ProjectionName;

    public string Table => $"{schema}.rm_complaint_list";

    public async Task CreateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand($"""
            CREATE TABLE IF NOT EXISTS {Table} (
                complaint_id uuid PRIMARY KEY,
                tracking_number text NOT NULL,
                administration_id text NOT NULL,
                kind text NOT NULL,
                category_code text NOT NULL,
                channel text NOT NULL,
                region text NOT NULL,
                status text NOT NULL,
                submitted_at timestamptz NOT NULL,
                acknowledgement_due timestamptz NOT NULL,
                answer_due timestamptz NOT NULL,
                acknowledged_at timestamptz,
                answered_at timestamptz,
                outcome text,
                processed_at timestamptz,
                closed_at timestamptz,
                reopen_count int NOT NULL DEFAULT 0,
                transfer_count int NOT NULL DEFAULT 0,
                satisfied boolean,
                version bigint NOT NULL,
                position bigint NOT NULL);
            CREATE INDEX IF NOT EXISTS rm_complaint_list_administration ON {Table} (administration_id, status, submitted_at DESC);
            CREATE INDEX IF NOT EXISTS rm_complaint_list_submitted ON {Table} (submitted_at DESC);
            CREATE INDEX IF NOT EXISTS rm_complaint_list_category ON {Table} (category_code, submitted_at DESC);
            CREATE INDEX IF NOT EXISTS rm_complaint_list_due ON {Table} (status, answer_due);
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<RecordedEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var statements = events
            .Select(e => e.Data is ComplaintEvent complaintEvent ? Statement(complaintEvent, e) : null)
            .OfType<NpgsqlBatchCommand>();
        await ReadModelSql.ExecuteAsync(connection, transaction, statements, cancellationToken).ConfigureAwait(false);
    }

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
        ReadModelSql.TruncateAsync(connection, transaction, Table, cancellationToken);

    private NpgsqlBatchCommand? Statement(ComplaintEvent @event, RecordedEvent recorded)
    {
        var id = ComplaintIdentifiers(recorded.StreamId);
        return @event switch
        {
            Submitted s => ReadModelSql.Command($"""
                INSERT INTO {Table} (complaint_id, tracking_number, administration_id, kind, category_code, channel, region, status, submitted_at,
                                     acknowledgement_due, answer_due, version, position)
                VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', $8, $9, $10, $11, $12)
                ON CONFLICT (complaint_id) DO NOTHING
                """, id, s.TrackingNumber, s.AdministrationId, ReadModelSql.Wire(s.Kind), s.CategoryCode, ReadModelSql.Wire(s.Channel), s.Location.Region, s.SubmittedAt, s.AcknowledgementDue, s.AnswerDue,
                recorded.Version, recorded.Position),
            Acknowledged a => Update("status = 'acknowledged', acknowledged_at = coalesce(acknowledged_at, $4)", id, recorded, a.AcknowledgedAt),
            InformationRequested => Update("status = 'awaitingInformation'", id, recorded),
            InformationProvided => Update("status = 'acknowledged'", id, recorded),
            Transferred t => Update("status = 'received', administration_id = $4, transfer_count = transfer_count + 1", id, recorded, t.ToAdministrationId),
            Rejected r => Update("status = 'rejected', processed_at = coalesce(processed_at, $4)", id, recorded, r.RejectedAt),
            Answered a => Update("status = 'answered', answered_at = coalesce(answered_at, $4), outcome = $5, processed_at = coalesce(processed_at, $4)", id, recorded, a.AnsweredAt, ReadModelSql.Wire(a.Outcome)),
            TookIntoAccount t => Update("status = 'takenIntoAccount', processed_at = coalesce(processed_at, $4)", id, recorded, t.TakenAt),
            Closed c => Update("status = 'closed', closed_at = $4, processed_at = coalesce(processed_at, $4)", id, recorded, c.ClosedAt),
            FeedbackGiven f => Update("satisfied = $4", id, recorded, f.Satisfied),
            Reopened r => Update("status = 'acknowledged', reopen_count = $4, closed_at = NULL", id, recorded, r.ReopenCount),
            _ => null,
        };
    }

    private NpgsqlBatchCommand Update(string set, Guid id, RecordedEvent recorded, params object[] values) =>
        ReadModelSql.Command($"UPDATE {Table} SET {set}, version = $2, position = $3 WHERE complaint_id = $1 AND version < $2", [id, recorded.Version, recorded.Position, .. values]);

    private static Guid ComplaintIdentifiers(string streamId) => Guid.ParseExact(streamId["complaint-".Length..], "N");
}
