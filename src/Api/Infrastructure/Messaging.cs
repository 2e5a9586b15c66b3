using Idarati.Application.Notifications;
using JasperFx.CodeGeneration;
using Wolverine;
using Wolverine.Marten;

namespace Idarati.Api.Infrastructure;

/// <summary>
/// Wolverine in the web host: the command handlers of src/Application (invoked in process by REST and GraphQL), and
/// the citizens' notifications on a durable local queue whose messages Marten stores in the transaction of the events
/// (the outbox, in the store's schema), delivered by the configured <see cref="INotificationSender"/>.
/// </summary>
public static class Messaging
{
    public const string NotificationQueue = "notifications";

    public static void AddIdaratiMessaging(this WebApplicationBuilder builder, Marten.MartenServiceCollectionExtensions.MartenConfigurationExpression marten)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(marten);
        var configuration = builder.Configuration;
        var schema = Database.Schema(configuration);
        marten.IntegrateWithWolverine(x => x.MessageStorageSchemaName = schema);
        builder.Services.AddSingleton<INotificationSender>(NotificationSender(configuration, builder.Environment));
        // Wolverine logs a failed InvokeAsync at Error under the message's type, with the whole message: a citizen's
        // identity, and a 400 or 404 logged as an error. The failure goes back to the caller, which answers it and logs
        // the request once; those categories stay silent. (CitizenNotification, handled on its queue, carries no
        // personal data and keeps its failure logs.)
        foreach (var command in Commands)
        {
            builder.Logging.AddFilter(command.FullName, LogLevel.None);
        }
        builder.Host.UseWolverine(options =>
        {
            options.ApplicationAssembly = typeof(ApiHost).Assembly;
            options.Discovery.IncludeAssembly(typeof(Idarati.Application.Complaints.ComplaintService).Assembly);
            options.ServiceName = "idarati";
            options.Durability.MessageStorageSchemaName = schema;
            options.AutoBuildMessageStorageOnStartup = configuration.GetValue("EventStore:MigrateAtStartup", true) ? JasperFx.AutoCreate.CreateOrUpdate : JasperFx.AutoCreate.None;
            options.PublishMessage<CitizenNotification>().ToLocalQueue(NotificationQueue).UseDurableInbox();
            // The retention policy's sweeps: scheduled, durable, one run per claim (PersonalDataRetention).
            options.PublishMessage<Idarati.Application.Privacy.RetentionSweep>().ToLocalQueue("retention").UseDurableInbox();
            // The answer deadlines' watch (scheduled, durable, one run per claim) and the administrations' mail.
            options.PublishMessage<Idarati.Application.Complaints.DeadlineWatch>().ToLocalQueue("deadlines").UseDurableInbox();
            options.PublishMessage<Idarati.Application.Complaints.DeadlineNotification>().ToLocalQueue(NotificationQueue).UseDurableInbox();
            // A node that dies holding messages (a mail it was sending): a surviving node, or the node itself
            // restarted, sends them within 10 s (SmtpDeliveryTests measured 5.5-6.4 s; 3 s of silence made it 4.6-5.2 s; 5.7-8.5 s before the
            // first recovery poll was brought forward). Every node writes its health each second; one silent for 4 s
            // is ejected, its messages released by the orphan sweep and recovered by the next polls, each every
            // second, the first half a second after a node takes the durability agent over. Wolverine's defaults
            // (10 s, a minute, 5 s, 5 s and 0.5-5 s) made it 65-76 s.
            options.Durability.HealthCheckPollingTime = configuration.GetValue("Messaging:HealthCheckPollingTime", TimeSpan.FromSeconds(1));
            options.Durability.StaleNodeTimeout = configuration.GetValue("Messaging:StaleNodeTimeout", TimeSpan.FromSeconds(4));
            options.Durability.NodeReassignmentPollingTime = configuration.GetValue("Messaging:NodeReassignmentPollingTime", TimeSpan.FromSeconds(1));
            options.Durability.ScheduledJobPollingTime = configuration.GetValue("Messaging:ScheduledJobPollingTime", TimeSpan.FromSeconds(1));
            options.Durability.ScheduledJobFirstExecution = TimeSpan.FromMilliseconds(500);
            options.Durability.OrphanedMessageSweepPollingTime = configuration.GetValue("Messaging:OrphanedMessageSweepPollingTime", TimeSpan.FromSeconds(1));

            // The notification handler's retries are its own (CitizenNotificationHandler.Configure): a command sent with
            // InvokeAsync is never retried behind its caller's back.
            // The handlers' code is generated ahead (./scripts/codegen.sh writes src/Api/Internal/Generated): no
            // Roslyn at run time and no slow first request.
            options.CodeGeneration.TypeLoadMode = TypeLoadMode.Static;
        });
    }

    /// <summary>The messages the service sends itself on its durable queues: notifications and recurring runs.</summary>
    public static IReadOnlySet<Type> Background { get; } = new HashSet<Type>
    {
        typeof(CitizenNotification), typeof(Idarati.Application.Privacy.RetentionSweep),
        typeof(Idarati.Application.Complaints.DeadlineWatch), typeof(Idarati.Application.Complaints.DeadlineNotification),
    };

    /// <summary>The command messages: the first parameter of every Handle method of Application's handlers, but the <see cref="Background"/> ones.</summary>
    public static IReadOnlyList<Type> Commands { get; } = [.. typeof(Idarati.Application.Complaints.ComplaintService).Assembly.GetTypes()
        .Where(t => t.IsAbstract && t.IsSealed && t.Name.EndsWith("Handler", StringComparison.Ordinal))
        .SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static).Where(m => m.Name == "Handle"))
        .Select(m => m.GetParameters()[0].ParameterType)
        .Where(t => !Background.Contains(t))
        .Distinct()];

    /// <summary>
    /// Notifications:Sender: "sink" (the default) writes every mail to the store's table mt_doc_sentmail; "smtp" sends
    /// with Notifications:Smtp (Host, Port 587, From, EnableSsl true, User, Password, Timeout 00:00:30). Outside
    /// Development and Testing, a sink nobody chose says at start that nobody is being written to.
    /// </summary>
    private static Func<IServiceProvider, INotificationSender> NotificationSender(IConfiguration configuration, IHostEnvironment environment)
    {
        var chosen = configuration["Notifications:Sender"];
        var sender = chosen ?? "sink";
        return sender switch
        {
            "sink" => sp =>
            {
                if (chosen is null && !environment.IsDevelopment() && !environment.IsEnvironment("Testing"))
                {
                    sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(Messaging)).LogWarning(
                        "Notifications go to the mail sink table mt_doc_sentmail, not to citizens: set Notifications:Sender=smtp and Notifications:Smtp in {Environment}", environment.EnvironmentName);
                }

                return ActivatorUtilities.CreateInstance<MailSinkSender>(sp);
            },
            "smtp" => _ => new SmtpNotificationSender(Smtp(configuration.GetSection("Notifications:Smtp"))),
            _ => throw new InvalidOperationException($"Notifications:Sender is '{sender}': it is 'smtp' or 'sink'."),
        };
    }

    private static SmtpSettings Smtp(IConfigurationSection section)
    {
        var host = section["Host"] is { Length: > 0 } h ? h : throw new InvalidOperationException("Notifications:Smtp:Host is required when Notifications:Sender is 'smtp'.");
        var from = section["From"] is { Length: > 0 } f ? f : throw new InvalidOperationException("Notifications:Smtp:From is required when Notifications:Sender is 'smtp'.");
        return new SmtpSettings(host, section.GetValue("Port", 587), from, section.GetValue("EnableSsl", true), section["User"], section["Password"],
            section.GetValue("Timeout", TimeSpan.FromSeconds(30)));
    }
}
