using Idarati.Api.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Idarati.Api.Tests;

/// <summary>Outside Development the service refuses to start without its secrets, naming the missing setting.</summary>
public sealed class SecretTests
{
    private const string Key = "a-production-signing-key-of-at-least-32-bytes";
    private const string AccessSecret = "a-production-access-code-secret-of-32-bytes!";

    private static MissingSecretException Refusal(params string[] settings) =>
        Assert.Throws<MissingSecretException>(() => ApiHost.Build(["--environment", "Production", "--IDARATI_DB", ApiFactory.TestDatabase, .. settings]));

    [Fact]
    public void Production_without_a_signing_key_or_with_a_short_one_does_not_start()
    {
        Assert.StartsWith("Auth:SigningKey is not set", Refusal("--Complaints:AccessCodeSecret", AccessSecret).Message, StringComparison.Ordinal);
        Assert.StartsWith("Auth:SigningKey is too short", Refusal("--Auth:SigningKey", "short", "--Complaints:AccessCodeSecret", AccessSecret).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_without_an_access_code_secret_or_with_a_short_one_does_not_start()
    {
        Assert.StartsWith("Complaints:AccessCodeSecret is not set", Refusal("--Auth:SigningKey", Key).Message, StringComparison.Ordinal);
        Assert.StartsWith("Complaints:AccessCodeSecret is too short", Refusal("--Auth:SigningKey", Key, "--Complaints:AccessCodeSecret", "0123456789").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_with_both_secrets_starts_and_the_run_verb_says_one_line_without_them()
    {
        await using var app = ApiHost.Build(["--environment", "Production", "--IDARATI_DB", ApiFactory.TestDatabase, "--Auth:SigningKey", Key, "--Complaints:AccessCodeSecret", AccessSecret]);
        Assert.Equal(AccessSecret, app.Services.GetRequiredService<Application.Complaints.ComplaintOptions>().AccessCodeSecret);

        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(1, await ApiHost.RunAsync(["--environment", "Production", "--IDARATI_DB", ApiFactory.TestDatabase, "--Auth:SigningKey", Key]));
        }
        finally
        {
            Console.SetError(previous);
        }

        Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Complaints:AccessCodeSecret", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Development_generates_what_is_missing()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection().Build();
        Secrets.Require(configuration, "Development");
        Assert.True(configuration[Secrets.SigningKey]!.Length >= Secrets.MinimumBytes);
        Assert.Equal(Secrets.DevelopmentAccessCodeSecret, configuration[Secrets.AccessCodeSecret]);
    }
}
