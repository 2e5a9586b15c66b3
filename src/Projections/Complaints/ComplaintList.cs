using Idarati.Domain.Complaints;
using Idarati.Projections.Live;
using Npgsql;
using static Idarati.Domain.Complaints.ComplaintEvent;

namespace Idarati.Projections.Complaints;

/// <summary>
/// One row per complaint for agents' lists and front ends: where it is, who owns it, its dates and due dates. No
/// personal data. Overdue is computed by the reader against its own clock (due date passed while being processed and not
/// waiting for the citizen), since a projection must give the same rows on every rebuild; <c>overdue_at</c> is when the
/// service recorded it (<c>complaint.overdue</c>), and <c>period_start</c>, <c>reminded_at</c> feed the deadlines' watch.
/// </summary>
public sealed class ComplaintListProjection(string schema) : IReadModelProjection
{
    public const string ProjectionName = "complaint-list";

    public string Name => ProjectionName;

    public IReadOnlyCollection<Type> EventTypes { get; } = [.. ComplaintEvent.StoredNames.Keys];

    public string Table => $"{schema}.rm_complaint_list";

    /// <summary>Every transfer, from and to whom and when: a department's transfers in and out in a year.</summary>
    public string Transfers => $"{schema}.rm_complaint_transfers";

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
            ALTER TABLE {Table} ADD COLUMN IF NOT EXISTS period_start timestamptz, ADD COLUMN IF NOT EXISTS awaiting_since timestamptz,
                ADD COLUMN IF NOT EXISTS reminded_at timestamptz, ADD COLUMN IF NOT EXISTS overdue_at timestamptz, ADD COLUMN IF NOT EXISTS first_overdue_at timestamptz,
                ADD COLUMN IF NOT EXISTS rejection_reason text, ADD COLUMN IF NOT EXISTS rejected_at timestamptz;
            CREATE TABLE IF NOT EXISTS {Transfers} (
                complaint_id uuid NOT NULL,
                version bigint NOT NULL,
                from_administration text NOT NULL,
                to_administration text NOT NULL,
                transferred_at timestamptz NOT NULL,
                PRIMARY KEY (complaint_id, version));
            UPDATE {Table} SET period_start = submitted_at WHERE period_start IS NULL;
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Folds the batch's events into rows in memory, starting from the stored rows of complaints submitted before the
    /// batch, then writes every touched row at once (an insert and an update): a batch costs two round trips whatever
    /// its size, which is what makes a rebuild of the whole log fast. Events at or below a row's version are ignored.
    /// </summary>
    public async Task ApplyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ProjectedEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var rows = new Dictionary<Guid, Row>();
        var missing = events
            .Where(e => e.Data is ComplaintEvent and not Submitted)
            .Select(e => ComplaintIdentifiers(e.StreamId))
            .ToHashSet();
        missing.ExceptWith(events.Where(e => e.Data is Submitted).Select(e => ComplaintIdentifiers(e.StreamId)));
        if (missing.Count > 0)
        {
            await LoadAsync(connection, transaction, missing, rows, cancellationToken).ConfigureAwait(false);
        }

        var loaded = rows.Keys.ToHashSet();
        var owners = rows.ToDictionary(r => r.Key, r => r.Value.AdministrationId);

        var touched = new HashSet<Guid>();
        var transfers = new List<(Guid Id, long Version, Transferred Transfer)>();
        foreach (var recorded in events)
        {
            if (recorded.Data is not ComplaintEvent @event)
            {
                continue;
            }

            var id = ComplaintIdentifiers(recorded.StreamId);
            var row = rows.GetValueOrDefault(id);
            if (row is not null && recorded.Version <= row.Version)
            {
                continue;
            }

            if (Evolve(row, id, @event) is { } next)
            {
                if (@event is Transferred transfer)
                {
                    transfers.Add((id, recorded.Version, transfer));
                }

                rows[id] = next with { Version = recorded.Version, Position = recorded.Sequence };
                touched.Add(id);
            }
        }

        if (touched.Count > 0)
        {
            await WriteAsync(connection, transaction, [.. touched.Where(id => !loaded.Contains(id)).Select(id => rows[id])],
                [.. touched.Where(loaded.Contains).Select(id => rows[id])], cancellationToken).ConfigureAwait(false);
            // Subscribers hear of the rows once this transaction commits them (Live/LiveNotices).
            await LiveNotices.ComplaintsAsync(connection, transaction, [.. touched.Select(id => rows[id]).Select(r => new ComplaintMove(r.Position, r.Id, r.AdministrationId,
                owners.GetValueOrDefault(r.Id) is { } before && before != r.AdministrationId ? before : null))], cancellationToken).ConfigureAwait(false);
        }

        if (transfers.Count > 0)
        {
            await using var insert = new NpgsqlCommand($"""
                INSERT INTO {Transfers} (complaint_id, version, from_administration, to_administration, transferred_at)
                SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::timestamptz[])
                """, connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. transfers.Select(t => t.Id)] });
            insert.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. transfers.Select(t => t.Version)] });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. transfers.Select(t => ReadModelSql.Clean(t.Transfer.FromAdministrationId))] });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. transfers.Select(t => ReadModelSql.Clean(t.Transfer.ToAdministrationId))] });
            insert.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. transfers.Select(t => t.Transfer.TransferredAt.UtcDateTime)] });
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public IReadOnlyList<string> Tables => [Table, Transfers];

    /// <summary>The indexes the list's filters need; a rebuild builds them once at the end.</summary>
    public IReadOnlyList<DeferredIndex> DeferredIndexes =>
    [
        Index("rm_complaint_list_administration", "(administration_id, status, submitted_at DESC)"),
        Index("rm_complaint_list_submitted", "(submitted_at DESC)"),
        Index("rm_complaint_list_category", "(category_code, submitted_at DESC)"),
        Index("rm_complaint_list_due", "(status, answer_due)"),
        // The deadlines' watch: complaints being processed whose current answer period has not gone overdue.
        Index("rm_complaint_list_deadlines", "(period_start) WHERE status IN ('received', 'acknowledged') AND overdue_at IS NULL"),
        new($"{schema}.rm_complaint_transfers_at", $"CREATE INDEX IF NOT EXISTS rm_complaint_transfers_at ON {Transfers} (transferred_at)"),
    ];

    private DeferredIndex Index(string name, string columns) =>
        new($"{schema}.{name}", $"CREATE INDEX IF NOT EXISTS {name} ON {Table} {columns}");

    /// <summary>One row of the list, as the fold carries it between events.</summary>
    private sealed record Row(
        Guid Id, string TrackingNumber, string AdministrationId, string Kind, string CategoryCode, string Channel, string Region, string Status,
        DateTimeOffset SubmittedAt, DateTimeOffset AcknowledgementDue, DateTimeOffset AnswerDue, DateTimeOffset? AcknowledgedAt, DateTimeOffset? AnsweredAt,
        string? Outcome, DateTimeOffset? ProcessedAt, DateTimeOffset? ClosedAt, int ReopenCount, int TransferCount, bool? Satisfied, long Version, long Position,
        DateTimeOffset PeriodStart, DateTimeOffset? AwaitingSince, DateTimeOffset? RemindedAt, DateTimeOffset? OverdueAt, DateTimeOffset? FirstOverdueAt,
        string? RejectionReason, DateTimeOffset? RejectedAt);

    private const string Columns = """
        complaint_id, tracking_number, administration_id, kind, category_code, channel, region, status, submitted_at, acknowledgement_due, answer_due,
        acknowledged_at, answered_at, outcome, processed_at, closed_at, reopen_count, transfer_count, satisfied, version, position,
        period_start, awaiting_since, reminded_at, overdue_at, first_overdue_at, rejection_reason, rejected_at
        """;

    /// <summary>The row after one event; null for an event on a complaint the list never saw submitted.</summary>
    private static Row? Evolve(Row? row, Guid id, ComplaintEvent @event) => (@event, row) switch
    {
        (Submitted s, null) => new Row(id, ReadModelSql.Clean(s.TrackingNumber), ReadModelSql.Clean(s.AdministrationId), ReadModelSql.Wire(s.Kind), ReadModelSql.Clean(s.CategoryCode),
            ReadModelSql.Wire(s.Channel), ReadModelSql.Clean(s.Location.Region),
            "received", s.SubmittedAt, s.AcknowledgementDue, s.AnswerDue, null, null, null, null, null, 0, 0, null, 0, 0, s.SubmittedAt, null, null, null, null, null, null),
        (Submitted, _) or (_, null) => row,
        (Acknowledged a, _) => row with { Status = "acknowledged", AcknowledgedAt = row.AcknowledgedAt ?? a.AcknowledgedAt },
        // The answer period as the complaint's own fold keeps it (ComplaintDecider): suspended while waiting for the
        // citizen, started again by a transfer or a reopening.
        (InformationRequested q, _) => row with { Status = "awaitingInformation", AwaitingSince = q.RequestedAt },
        (InformationProvided p, _) => Resumed(row, p.ProvidedAt) with { Status = "acknowledged", AwaitingSince = null },
        (Transferred t, _) => NewPeriod(row, t.TransferredAt) with { Status = "received", AdministrationId = ReadModelSql.Clean(t.ToAdministrationId), TransferCount = row.TransferCount + 1, AwaitingSince = null },
        (Reminded r, _) => row with { RemindedAt = r.RemindedAt },
        (WentOverdue o, _) => row with { OverdueAt = o.OverdueAt, FirstOverdueAt = row.FirstOverdueAt ?? o.OverdueAt },
        (Rejected r, _) => row with { Status = "rejected", ProcessedAt = row.ProcessedAt ?? r.RejectedAt, RejectionReason = ReadModelSql.Wire(r.Reason), RejectedAt = r.RejectedAt },
        (Answered a, _) => row with { Status = "answered", AnsweredAt = row.AnsweredAt ?? a.AnsweredAt, Outcome = ReadModelSql.Wire(a.Outcome), ProcessedAt = row.ProcessedAt ?? a.AnsweredAt },
        (TookIntoAccount t, _) => row with { Status = "takenIntoAccount", ProcessedAt = row.ProcessedAt ?? t.TakenAt },
        (ComplaintEvent.Closed c, _) => row with { Status = "closed", ClosedAt = c.ClosedAt, ProcessedAt = row.ProcessedAt ?? c.ClosedAt },
        (FeedbackGiven f, _) => row with { Satisfied = f.Satisfied },
        (Reopened r, _) => NewPeriod(row, r.ReopenedAt) with { Status = "acknowledged", ReopenCount = r.ReopenCount, ClosedAt = null },
        _ => throw new ArgumentOutOfRangeException(nameof(@event), @event, "An event the complaint list does not know."),
    };

    private static Row NewPeriod(Row row, DateTimeOffset at) =>
        row with { PeriodStart = at, AnswerDue = at + (row.AnswerDue - row.PeriodStart), RemindedAt = null, OverdueAt = null };

    private static Row Resumed(Row row, DateTimeOffset at) => row.AwaitingSince is { } since && at > since
        ? row with { PeriodStart = row.PeriodStart + (at - since), AnswerDue = row.AnswerDue + (at - since) }
        : row;

    private async Task LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<Guid> ids, Dictionary<Guid, Row> rows, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM {Table} WHERE complaint_id = ANY($1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. ids] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            DateTimeOffset? At(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
            var row = new Row(
                reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7),
                reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9), reader.GetFieldValue<DateTimeOffset>(10), At(11), At(12),
                reader.IsDBNull(13) ? null : reader.GetString(13), At(14), At(15), reader.GetInt32(16), reader.GetInt32(17),
                reader.IsDBNull(18) ? null : reader.GetBoolean(18), reader.GetInt64(19), reader.GetInt64(20),
                At(21) ?? reader.GetFieldValue<DateTimeOffset>(8), At(22), At(23), At(24), At(25), reader.IsDBNull(26) ? null : reader.GetString(26), At(27));
            rows[row.Id] = row;
        }
    }

    private const string Unnest = """
        unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[], $10::timestamptz[],
               $11::timestamptz[], $12::timestamptz[], $13::timestamptz[], $14::text[], $15::timestamptz[], $16::timestamptz[], $17::int[], $18::int[],
               $19::boolean[], $20::bigint[], $21::bigint[], $22::timestamptz[], $23::timestamptz[], $24::timestamptz[], $25::timestamptz[], $26::timestamptz[], $27::text[], $28::timestamptz[])
        """;

    /// <summary>
    /// New rows by a binary COPY, known rows by one update from arrays. The checkpoint commits with the rows, so a batch
    /// never meets its own rows again: no ON CONFLICT, whose speculative insertion doubles the cost of a rebuild. A
    /// COPY costs the server a fraction of an INSERT ... SELECT FROM unnest of 21 arrays, and a rebuild is mostly inserts.
    /// </summary>
    private async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Row> inserted, IReadOnlyList<Row> updated, CancellationToken cancellationToken)
    {
        if (inserted.Count > 0)
        {
            using var rows = new CopyRows(inserted.Count * 256);
            foreach (var r in inserted)
            {
                rows.StartRow(28);
                rows.Uuid(r.Id);
                rows.Text(r.TrackingNumber);
                rows.Text(r.AdministrationId);
                rows.Text(r.Kind);
                rows.Text(r.CategoryCode);
                rows.Text(r.Channel);
                rows.Text(r.Region);
                rows.Text(r.Status);
                rows.Timestamp(r.SubmittedAt);
                rows.Timestamp(r.AcknowledgementDue);
                rows.Timestamp(r.AnswerDue);
                rows.Timestamp(r.AcknowledgedAt);
                rows.Timestamp(r.AnsweredAt);
                rows.Text(r.Outcome);
                rows.Timestamp(r.ProcessedAt);
                rows.Timestamp(r.ClosedAt);
                rows.Int32(r.ReopenCount);
                rows.Int32(r.TransferCount);
                rows.Boolean(r.Satisfied);
                rows.Int64(r.Version);
                rows.Int64(r.Position);
                rows.Timestamp(r.PeriodStart);
                rows.Timestamp(r.AwaitingSince);
                rows.Timestamp(r.RemindedAt);
                rows.Timestamp(r.OverdueAt);
                rows.Timestamp(r.FirstOverdueAt);
                rows.Text(r.RejectionReason);
                rows.Timestamp(r.RejectedAt);
            }

            await CopyRows.CopyAsync(connection, Table, Columns, [rows], cancellationToken).ConfigureAwait(false);
        }

        if (updated.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(WithRows($"""
                UPDATE {Table} AS t SET
                    administration_id = u.administration_id, status = u.status, acknowledged_at = u.acknowledged_at,
                    answered_at = u.answered_at, outcome = u.outcome, processed_at = u.processed_at, closed_at = u.closed_at,
                    reopen_count = u.reopen_count, transfer_count = u.transfer_count, satisfied = u.satisfied,
                    version = u.version, position = u.position, answer_due = u.answer_due, period_start = u.period_start,
                    awaiting_since = u.awaiting_since, reminded_at = u.reminded_at, overdue_at = u.overdue_at, first_overdue_at = u.first_overdue_at,
                    rejection_reason = u.rejection_reason, rejected_at = u.rejected_at
                  FROM {Unnest} AS u ({Columns})
                 WHERE t.complaint_id = u.complaint_id
                """, updated));
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A statement whose parameters are the rows, one array per column.</summary>
    private static NpgsqlBatchCommand WithRows(string sql, IReadOnlyList<Row> rows)
    {
        var command = new NpgsqlBatchCommand(sql);
        static DateTime? Utc(DateTimeOffset? at) => at?.UtcDateTime;
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<Guid[]> { TypedValue = [.. rows.Select(r => r.Id)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.TrackingNumber)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.AdministrationId)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Kind)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.CategoryCode)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Channel)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Region)] });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Status)] });
        p.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. rows.Select(r => r.SubmittedAt.UtcDateTime)] });
        p.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. rows.Select(r => r.AcknowledgementDue.UtcDateTime)] });
        p.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. rows.Select(r => r.AnswerDue.UtcDateTime)] });
        p.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = [.. rows.Select(r => Utc(r.AcknowledgedAt))] });
        p.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = [.. rows.Select(r => Utc(r.AnsweredAt))] });
        p.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. rows.Select(r => r.Outcome)] });
        p.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = [.. rows.Select(r => Utc(r.ProcessedAt))] });
        p.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = [.. rows.Select(r => Utc(r.ClosedAt))] });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = [.. rows.Select(r => r.ReopenCount)] });
        p.Add(new NpgsqlParameter<int[]> { TypedValue = [.. rows.Select(r => r.TransferCount)] });
        p.Add(new NpgsqlParameter<bool?[]> { TypedValue = [.. rows.Select(r => r.Satisfied)] });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Version)] });
        p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Position)] });
        p.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. rows.Select(r => r.PeriodStart.UtcDateTime)] });
        p.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = [.. rows.Select(r => Utc(r.AwaitingSince))] });
        p.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = [.. rows.Select(r => Utc(r.RemindedAt))] });
        p.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = [.. rows.Select(r => Utc(r.OverdueAt))] });
        p.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = [.. rows.Select(r => Utc(r.FirstOverdueAt))] });
        p.Add(new NpgsqlParameter<string?[]> { TypedValue = [.. rows.Select(r => r.RejectionReason)] });
        p.Add(new NpgsqlParameter<DateTime?[]> { TypedValue = [.. rows.Select(r => Utc(r.RejectedAt))] });
        return command;
    }

    private static Guid ComplaintIdentifiers(string streamId) => Guid.ParseExact(streamId["complaint-".Length..], "N");
}
