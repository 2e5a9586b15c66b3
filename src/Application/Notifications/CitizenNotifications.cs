using System.Globalization;
using Idarati.Application.Complaints;
using Idarati.Application.Handling;
using Idarati.Domain.Complaints;
using Marten;
using Microsoft.Extensions.Logging;

namespace Idarati.Application.Notifications;

/// <summary>
/// "Tell the citizen what happened to their complaint at this version." It carries no contact data: the handler reads
/// the citizen's address from the complaint's stream. Cascaded through Wolverine's durable outbox in the transaction of
/// the events, so it exists exactly when they do.
/// </summary>
public sealed record CitizenNotification(Guid ComplaintId, long Version, string Event);

/// <summary>
/// One mail to send. <see cref="Key"/> names it (the complaint and the version of the event it tells of): a redelivery
/// sends the same key, and over SMTP the same Message-ID (<see cref="MessageId"/>).
/// </summary>
public sealed record NotificationMail(string Key, string To, string Subject, string Body)
{
    /// <summary>The Message-ID's left part, derived from <see cref="Key"/> alone (RFC 5322 dot-atom: the key's colons become dots).</summary>
    public string MessageId => Key.Replace(':', '.');
}

/// <summary>Delivers a mail: the development sink, or SMTP in production (Notifications:Sender).</summary>
public interface INotificationSender
{
    Task SendAsync(NotificationMail mail, CancellationToken cancellationToken);
}

/// <summary>A mail the development sink kept, in the Marten table <c>mt_doc_sentmail</c> of the store's schema.</summary>
public sealed record SentMail(string Id, string To, string Subject, string Body, DateTimeOffset SentAt);

/// <summary>
/// The development and test mail sink: every mail becomes a row of <c>&lt;schema&gt;.mt_doc_sentmail</c>, keyed by
/// complaint and version, so that a redelivery after a crash is seen (the row is already there) rather than doubled.
/// </summary>
public sealed class MailSinkSender(IDocumentStore store, TimeProvider time) : INotificationSender
{
    public async Task SendAsync(NotificationMail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mail);
        await using var session = store.LightweightSession();
        session.Insert(new SentMail(mail.Key, mail.To, mail.Subject, mail.Body, time.GetUtcNow()));
        try
        {
            await session.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (JasperFx.DocumentAlreadyExistsException)
        {
            // Delivered before the process stopped; the message came again.
        }
    }
}

/// <summary>Which complaint events the citizen is told of, and what the mail says.</summary>
public static class CitizenNotifications
{
    /// <summary>The notifications a command's events call for: one per acknowledged, information requested, transferred, answered, rejected or closed.</summary>
    public static IEnumerable<object> For(ComplaintState state, IReadOnlyList<ComplaintEvent> events, long versionBefore)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (state?.FileOrNull is not { Citizen: not null } file)
        {
            yield break;
        }

        for (var i = 0; i < events.Count; i++)
        {
            if (Told(events[i]) is { } name)
            {
                yield return new CitizenNotification(Guid.Parse(file.ComplaintId), versionBefore + i + 1, name);
            }
        }
    }

    private static string? Told(ComplaintEvent e) => e switch
    {
        ComplaintEvent.Acknowledged => "acknowledged",
        ComplaintEvent.InformationRequested => "information-requested",
        ComplaintEvent.Transferred => "transferred",
        ComplaintEvent.Answered => "answered",
        ComplaintEvent.Rejected => "rejected",
        ComplaintEvent.Closed => "closed",
        _ => null,
    };

    /// <summary>
    /// The mail for a notification, from the complaint as it stood at the notified version; null when nobody can be
    /// written to. In French and Arabic, it names the dossier and what happened, never the citizen, their text or the
    /// administration's: the only personal datum is the address it goes to. The citizen reads the rest on Chikaya.ma.
    /// </summary>
    public static NotificationMail? Mail(CitizenNotification notification, ComplaintState state)
    {
        ArgumentNullException.ThrowIfNull(notification);
        if (state?.FileOrNull is not { Citizen.Email: { Length: > 0 } email } file)
        {
            return null;
        }

        var (french, arabic) = notification.Event switch
        {
            "acknowledged" => ("a été reçu par l'administration concernée.", "توصلت به الإدارة المعنية."),
            "information-requested" => ("appelle une information de votre part : la question vous attend sur Chikaya.ma.", "يستدعي معلومة منكم: السؤال في انتظاركم على Chikaya.ma."),
            "transferred" => ($"a été transféré à l'administration {file.AdministrationId}.", $"أحيل على الإدارة {file.AdministrationId}."),
            "answered" => ("a reçu une réponse : lisez-la sur Chikaya.ma.", "تلقى جوابا: اطلعوا عليه في Chikaya.ma."),
            "rejected" => ("a été déclaré irrecevable : le motif vous attend sur Chikaya.ma.", "اعتبر غير مقبول: السبب في انتظاركم على Chikaya.ma."),
            "closed" => ("a été clôturé.", "تم إغلاقه."),
            _ => ("a changé d'état.", "تغيرت حالته."),
        };
        var tracking = file.TrackingNumber;
        var body = string.Create(CultureInfo.InvariantCulture, $"""
            Bonjour,

            Votre dossier {tracking} {french}
            Suivez-le sur Chikaya.ma avec son numéro de suivi et votre code d'accès.

            السلام عليكم،

            ملفكم رقم {tracking} {arabic}
            تابعوه على Chikaya.ma برقم التتبع ورمز الولوج.

            """);
        return new NotificationMail($"{notification.ComplaintId:N}:{notification.Version}", email, $"Chikaya.ma : dossier {tracking} / شكاية: الملف {tracking}", body);
    }
}

/// <summary>How a mail is retried when the server is down or slow, and set aside when it refuses for good.</summary>
public static class MailRetries
{
    /// <summary>
    /// A server that is down, slow or answers 4xx: try again at once, then later, for about a day, before Wolverine's
    /// dead letters. A server that answers 5xx refuses for good: straight to the dead letters, where an admin sees
    /// it and replays it (GET/POST /api/messages/dead-letters).
    /// </summary>
    public static void Apply(Wolverine.Runtime.Handlers.HandlerChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        Wolverine.ErrorHandling.ErrorHandlingPolicyExtensions.OnException<MailRefusedException>(chain).MoveToErrorQueue();
        Wolverine.ErrorHandling.ErrorHandlingPolicyExtensions.OnException<MailDeferredException>(chain)
            .Or<IOException>().Or<System.Net.Sockets.SocketException>().Or<TimeoutException>()
            .RetryWithCooldown(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10))
            .Then.ScheduleRetry(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(8), TimeSpan.FromHours(12));
    }
}

/// <summary>Wolverine's handler of <see cref="CitizenNotification"/>: reads the citizen's address from the stream and sends.</summary>
public static class CitizenNotificationHandler
{
    public static void Configure(Wolverine.Runtime.Handlers.HandlerChain chain) => MailRetries.Apply(chain);

    public static async Task Handle(CitizenNotification notification, CommandHandler handler, Privacy.PersonalDataVault vault, INotificationSender sender, ILogger<CitizenNotification> logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(vault);
        ArgumentNullException.ThrowIfNull(sender);
        // The address is opened with the complaint's key at delivery: once the citizen is erased there is none to write to.
        var stream = ComplaintIdentifiers.StreamId(notification.ComplaintId);
        var revealer = await vault.RevealerAsync(stream, cancellationToken).ConfigureAwait(false);
        var (state, _) = await handler.LoadAsync(ComplaintDecider.Decider, stream, notification.Version, null, revealer, cancellationToken).ConfigureAwait(false);
        if (CitizenNotifications.Mail(notification, state) is { } mail)
        {
            await sender.SendAsync(mail, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            logger.LogInformation("Complaint {Complaint} v{Version}: no address to notify", notification.ComplaintId, notification.Version);
        }
    }
}
