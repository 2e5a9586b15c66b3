using System.Globalization;
using Idarati.Application.Handling;
using Idarati.Application.Notifications;
using Idarati.Domain.Complaints;
using Idarati.Domain.Shared;
using Microsoft.Extensions.Logging;
using Npgsql;
using Wolverine;

namespace Idarati.Application.Complaints;

/// <summary>
/// The deadlines' settings (configuration section "Complaints:Deadlines"): the day of the answer period on which the
/// owning administration is reminded, how often the watch runs, how many complaints one run acts on, and the
/// administrations' functional mailboxes (<c>{administration}</c> stands for the administration's id).
/// </summary>
public sealed class DeadlineOptions
{
    public int ReminderDay { get; set; } = 45;

    public TimeSpan WatchEvery { get; set; } = TimeSpan.FromMinutes(1);

    public int BatchSize { get; set; } = 500;

    public string AgentsMailbox { get; set; } = "reclamations.{administration}@idarati.invalid";

    public string SupervisorMailbox { get; set; } = "supervision.{administration}@idarati.invalid";

    /// <summary>Refuses settings the watch cannot keep, naming the setting: a reminder after the answer is due, or none at all.</summary>
    public DeadlineOptions Checked(ComplaintOptions complaints)
    {
        ArgumentNullException.ThrowIfNull(complaints);
        var shortest = Enum.GetValues<ComplaintKind>().Min(complaints.AnswerDays);
        return ReminderDay < 1 || ReminderDay >= shortest
            ? throw new InvalidOperationException($"Complaints:Deadlines:ReminderDay is {ReminderDay}: a day of the answer period, from 1 to {shortest - 1}.")
            : WatchEvery <= TimeSpan.Zero || BatchSize < 1
            ? throw new InvalidOperationException("Complaints:Deadlines:WatchEvery is a positive time span and Complaints:Deadlines:BatchSize a positive number.")
            : this;
    }

    public string Mailbox(string pattern, string administrationId) => pattern.Replace("{administration}", administrationId.ToLowerInvariant(), StringComparison.Ordinal);
}

/// <summary>The deadlines' watch for run <see cref="Run"/> (a durable Wolverine scheduled message, claimed once).</summary>
public sealed record DeadlineWatch(long Run);

/// <summary>
/// "Tell the administration that a complaint's answer is due soon (reminded) or overdue." No personal data: the
/// tracking number, the administration and the due date. Stored in the transaction of its event (the outbox).
/// </summary>
public sealed record DeadlineNotification(Guid ComplaintId, long Version, string Event, string TrackingNumber, string AdministrationId, DateTimeOffset AnswerDue);

/// <summary>What one run of the watch did.</summary>
public sealed record DeadlineSweep(int Reminded, int Overdue, int Unchanged);

/// <summary>
/// The answer deadlines acting. Each run finds, in the complaint list, the complaints being processed whose reminder
/// day or due date has come on the service's clock, and records it on each stream through the command path (a
/// <c>complaint.reminded</c> or <c>complaint.overdue</c> event, decided on the stream as it is, so an answer that came
/// first, or a second node, appends nothing), with the administration's notification in the same transaction.
/// Answering, rejecting, closing or taking into account ends the period; waiting for the citizen suspends it.
/// </summary>
public sealed class ComplaintDeadlines(NpgsqlDataSource dataSource, string schema, CommandHandler handler, DeadlineOptions options, TimeProvider time)
{
    private static readonly Actor Service = new("service:deadlines", Role.Service);

    public DeadlineOptions Options => options;

    /// <summary>The watch's run numbers.</summary>
    public RunCounter Runs { get; } = new(dataSource, schema, "deadlines", time);

    /// <summary>One run: every complaint whose reminder or deadline has come, a batch at a time.</summary>
    public async Task<DeadlineSweep> SweepAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var reminderDay = TimeSpan.FromDays(options.ReminderDay);
        int reminded = 0, overdue = 0, unchanged = 0;
        while (true)
        {
            var due = await DueAsync(now, reminderDay, cancellationToken).ConfigureAwait(false);
            var changedBefore = reminded + overdue;
            foreach (var (id, late) in due)
            {
                // Overdue first: a complaint past its due date is not reminded of it as well.
                ComplaintCommand command = late ? new ComplaintCommand.MarkOverdue(Service, now) : new ComplaintCommand.Remind(Service, now, reminderDay);
                var before = await handler.HandleAsync(ComplaintDecider.Decider, ComplaintIdentifiers.StreamId(id), command, new CommandContext(Service),
                    cancellationToken: cancellationToken, cascade: Notify).ConfigureAwait(false);
                _ = before.State.FileOrNull switch
                {
                    { OverdueAt: { } at } when at == now => overdue++,
                    { RemindedAt: { } at } when at == now => reminded++,
                    _ => unchanged++,
                };
            }

            // A full batch may leave more behind it; a batch that changed nothing waits for the list to catch up.
            if (due.Count < options.BatchSize || reminded + overdue == changedBefore)
            {
                return new DeadlineSweep(reminded, overdue, unchanged);
            }
        }
    }

    /// <summary>
    /// The complaints being processed (received or acknowledged; one waiting for the citizen is paused) whose current
    /// period has not gone overdue and started at least the reminder day ago, and which are overdue or not yet
    /// reminded. The partial index on <c>period_start</c> holds only such complaints.
    /// </summary>
    private async Task<IReadOnlyList<(Guid Id, bool Late)>> DueAsync(DateTimeOffset now, TimeSpan reminderDay, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT complaint_id, answer_due <= $1
              FROM {schema}.rm_complaint_list
             WHERE status IN ('received', 'acknowledged') AND overdue_at IS NULL AND period_start <= $2
               AND (answer_due <= $1 OR reminded_at IS NULL)
             ORDER BY period_start
             LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now - reminderDay });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = options.BatchSize });
        var due = new List<(Guid, bool)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            due.Add((reader.GetGuid(0), reader.GetBoolean(1)));
        }

        return due;
    }

    /// <summary>The administration's notification of a reminder or an overdue, stored with its event.</summary>
    public static IEnumerable<object> Notify(ComplaintState state, IReadOnlyList<ComplaintEvent> events, long versionBefore)
    {
        ArgumentNullException.ThrowIfNull(events);
        var file = state?.FileOrNull;
        for (var i = 0; i < events.Count && file is not null; i++)
        {
            var (name, due) = events[i] switch
            {
                ComplaintEvent.Reminded r => ("reminded", r.AnswerDue),
                ComplaintEvent.WentOverdue o => ("overdue", o.AnswerDue),
                _ => (null, default),
            };
            if (name is not null)
            {
                yield return new DeadlineNotification(Guid.Parse(file.ComplaintId), versionBefore + i + 1, name, file.TrackingNumber, file.AdministrationId, due);
            }
        }
    }

    /// <summary>The mail: a reminder to the administration's agents, an overdue to its supervisor.</summary>
    public NotificationMail Mail(DeadlineNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var due = notification.AnswerDue.ToOffset(TimeSpan.Zero).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        var (tracking, administration) = (notification.TrackingNumber, notification.AdministrationId);
        var (to, subject, body) = notification.Event == "overdue"
            ? (options.Mailbox(options.SupervisorMailbox, administration), $"Chikaya.ma : dossier {tracking} hors délai / شكاية: الملف {tracking} خارج الأجل",
                $"Le dossier {tracking} de l'administration {administration} n'a pas reçu de réponse dans le délai légal, échu le {due}.\n\nلم يتلق الملف {tracking} لدى الإدارة {administration} جوابا داخل الأجل القانوني الذي انقضى في {due}.\n")
            : (options.Mailbox(options.AgentsMailbox, administration), $"Chikaya.ma : dossier {tracking} à traiter / شكاية: الملف {tracking} في انتظار المعالجة",
                $"Le dossier {tracking} attend votre réponse ; le délai légal échoit le {due}.\n\nينتظر الملف {tracking} جوابكم؛ ينقضي الأجل القانوني في {due}.\n");
        return new NotificationMail($"{notification.ComplaintId:N}:{notification.Version}:staff", to, subject, body);
    }
}

/// <summary>Wolverine's handlers of the deadlines: the watch's run (claimed once, then the next run scheduled) and the administration's mail.</summary>
public static class DeadlineHandler
{
    /// <summary>The administration's mail is retried as a citizen's is (<see cref="MailRetries"/>).</summary>
    public static void Configure(Wolverine.Runtime.Handlers.HandlerChain chain) => MailRetries.Apply(chain);

    public static async Task Handle(DeadlineWatch watch, ComplaintDeadlines deadlines, IMessageContext context, ILogger<DeadlineWatch> logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(watch);
        ArgumentNullException.ThrowIfNull(deadlines);
        ArgumentNullException.ThrowIfNull(context);
        var claimed = await deadlines.Runs.RunOnceAsync(watch.Run, async token =>
        {
            var sweep = await deadlines.SweepAsync(token).ConfigureAwait(false);
            if (sweep.Reminded + sweep.Overdue > 0)
            {
                logger.LogInformation("Deadlines run {Run}: {Reminded} reminded, {Overdue} overdue", watch.Run, sweep.Reminded, sweep.Overdue);
            }
        }, logger, cancellationToken).ConfigureAwait(false);
        if (claimed)
        {
            await context.ScheduleAsync(new DeadlineWatch(watch.Run + 1), deadlines.Options.WatchEvery).ConfigureAwait(false);
        }
    }

    public static Task Handle(DeadlineNotification notification, ComplaintDeadlines deadlines, INotificationSender sender, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deadlines);
        ArgumentNullException.ThrowIfNull(sender);
        return sender.SendAsync(deadlines.Mail(notification), cancellationToken);
    }
}
