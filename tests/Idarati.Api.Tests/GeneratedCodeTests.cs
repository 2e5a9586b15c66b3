using Microsoft.Extensions.DependencyInjection;

namespace Idarati.Api.Tests;

/// <summary>
/// Wolverine loads its handlers' code from src/Api/Internal/Generated (TypeLoadMode.Static, no Roslyn at run time):
/// every message of Application has its generated handler, or scripts/codegen.sh was not run after a change.
/// </summary>
[Collection(ApiWithReferenceData.Collection)]
public sealed class GeneratedCodeTests(ApiWithReferenceData api)
{
    [Fact]
    public void Every_message_of_the_application_has_its_generated_handler()
    {
        var runtime = (Wolverine.Runtime.WolverineRuntime)api.Factory.Services.GetRequiredService<Wolverine.Runtime.IWolverineRuntime>();
        Type[] messages = [.. Infrastructure.Messaging.Commands, typeof(Application.Notifications.CitizenNotification)];
        Assert.True(messages.Length >= 15, string.Join(", ", messages.Select(m => m.Name)));
        Assert.All(messages, message => Assert.NotNull(runtime.Handlers.HandlerFor(message)));
    }

    [Fact]
    public void Only_the_notifications_retry_a_failing_mail_server_commands_are_never_retried_behind_their_caller()
    {
        var runtime = (Wolverine.Runtime.WolverineRuntime)api.Factory.Services.GetRequiredService<Wolverine.Runtime.IWolverineRuntime>();
        Exception[] mailServerDown = [new Application.Notifications.MailDeferredException("451"), new Application.Notifications.MailRefusedException("550"), new IOException("reset"), new TimeoutException("slow"), new System.Net.Sockets.SocketException()];
        var notifications = runtime.Handlers.ChainFor(typeof(Application.Notifications.CitizenNotification))!.Failures;
        Assert.All(mailServerDown, e => Assert.Contains(notifications, rule => rule.Match.Matches(e)));
        // Neither the global policies nor a command's own chain retry them: a command fails back to its caller at once.
        Assert.All(mailServerDown, e => Assert.DoesNotContain(runtime.Options.Policies.Failures, rule => rule.Match.Matches(e)));
        Assert.All(Infrastructure.Messaging.Commands, command => Assert.Empty(runtime.Handlers.ChainFor(command)!.Failures));
    }
}
