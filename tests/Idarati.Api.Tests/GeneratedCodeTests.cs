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
}
