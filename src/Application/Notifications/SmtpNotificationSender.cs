using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace Idarati.Application.Notifications;

/// <summary>SMTP settings (Notifications:Smtp): host, port, sender address, TLS, credentials when the server asks for them, and how long a send may take.</summary>
public sealed record SmtpSettings(string Host, int Port, string From, bool EnableSsl, string? User, string? Password, TimeSpan Timeout);

/// <summary>The mail server answered 4xx, or could not be reached or finish: Wolverine tries again later.</summary>
public sealed class MailDeferredException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The mail server answered 5xx: it refuses this mail for good, and it goes to Wolverine's dead letters.</summary>
public sealed class MailRefusedException(string message) : Exception(message);

/// <summary>
/// Production delivery over SMTP with MailKit. Each mail carries a Message-ID derived from its event alone, so a
/// resend after a crash is the same mail to the server and the reader. A failure throws <see cref="MailDeferredException"/>
/// or <see cref="MailRefusedException"/>, naming the status code and never the server's text, which may quote the address.
/// </summary>
public sealed class SmtpNotificationSender(SmtpSettings settings) : INotificationSender
{
    private readonly string _domain = MailboxAddress.Parse(settings.From).Domain;

    public async Task SendAsync(NotificationMail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mail);
        using var message = Message(mail);
        using var activity = Handling.Telemetry.Source.StartActivity("smtp send", System.Diagnostics.ActivityKind.Client);
        activity?.SetTag("server.address", settings.Host);
        activity?.SetTag("messaging.message.id", message.MessageId);
        using var client = new SmtpClient { Timeout = (int)settings.Timeout.TotalMilliseconds };
        var security = !settings.EnableSsl ? SecureSocketOptions.None : settings.Port == 465 ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.StartTls;
        try
        {
            await client.ConnectAsync(settings.Host, settings.Port, security, cancellationToken).ConfigureAwait(false);
            if (settings.User is { Length: > 0 } user)
            {
                await client.AuthenticateAsync(user, settings.Password ?? "", cancellationToken).ConfigureAwait(false);
            }

            await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (SmtpCommandException e) when ((int)e.StatusCode >= 500)
        {
            throw new MailRefusedException($"The mail server refused mail {message.MessageId} for good: {(int)e.StatusCode} ({e.ErrorCode}).");
        }
        catch (SmtpCommandException e)
        {
            throw new MailDeferredException($"The mail server deferred mail {message.MessageId}: {(int)e.StatusCode} ({e.ErrorCode}).");
        }
        catch (Exception e) when (e is SmtpProtocolException or ServiceNotConnectedException or AuthenticationException or IOException or System.Net.Sockets.SocketException or TimeoutException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new MailDeferredException($"Mail {message.MessageId} could not be handed to the mail server: {e.GetType().Name}.", e);
        }

        // Delivered: a failure to say goodbye changes nothing.
        try
        {
            await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SmtpProtocolException or System.Net.Sockets.SocketException or TimeoutException)
        {
        }
    }

    /// <summary>The MIME message: UTF-8 text, the sender of the settings, and the Message-ID <c>&lt;key@sender's domain&gt;</c>.</summary>
    public MimeMessage Message(NotificationMail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var message = new MimeMessage { Subject = mail.Subject, MessageId = $"{mail.MessageId}@{_domain}", Body = new TextPart(MimeKit.Text.TextFormat.Plain) { Text = mail.Body } };
        message.From.Add(MailboxAddress.Parse(settings.From));
        message.To.Add(MailboxAddress.Parse(mail.To));
        message.Headers.Add("X-Idarati-Notification", mail.Key);
        message.Headers.Add(HeaderId.ContentLanguage, "fr, ar");
        return message;
    }
}
