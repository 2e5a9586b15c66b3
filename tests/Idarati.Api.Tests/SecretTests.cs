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

    /// <summary>The third secret, present, so that each refusal names the one under test.</summary>
    private static readonly string[] Checkpoint = ["--Audit:CheckpointKey", ApiFactory.CheckpointKey, "--PersonalData:MasterKey", ApiFactory.MasterKey];

    [Fact]
    public void Production_without_a_signing_key_or_with_a_short_one_does_not_start()
    {
        Assert.StartsWith("Auth:SigningKey is not set", Refusal(["--Complaints:AccessCodeSecret", AccessSecret, .. Checkpoint]).Message, StringComparison.Ordinal);
        Assert.StartsWith("Auth:SigningKey is too short", Refusal(["--Auth:SigningKey", "short", "--Complaints:AccessCodeSecret", AccessSecret, .. Checkpoint]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_without_an_access_code_secret_or_with_a_short_one_does_not_start()
    {
        Assert.StartsWith("Complaints:AccessCodeSecret is not set", Refusal(["--Auth:SigningKey", Key, .. Checkpoint]).Message, StringComparison.Ordinal);
        Assert.StartsWith("Complaints:AccessCodeSecret is too short", Refusal(["--Auth:SigningKey", Key, "--Complaints:AccessCodeSecret", "0123456789", .. Checkpoint]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_without_a_checkpoint_key_or_with_a_malformed_one_does_not_start()
    {
        Assert.StartsWith("Audit:CheckpointKey is not set", Refusal("--Auth:SigningKey", Key, "--Complaints:AccessCodeSecret", AccessSecret).Message, StringComparison.Ordinal);
        Assert.StartsWith("Audit:CheckpointKey is not a signer key", Refusal("--Auth:SigningKey", Key, "--Complaints:AccessCodeSecret", AccessSecret,
            "--Audit:CheckpointKey", "a-string-of-more-than-thirty-two-bytes-that-is-no-key").Message, StringComparison.Ordinal);
        var forged = string.Join('+', ApiFactory.CheckpointKey.Split('+', 5)[..4]) + "+AQ" + new string('A', 42);
        Assert.Contains("key hash does not match", Refusal("--Auth:SigningKey", Key, "--Complaints:AccessCodeSecret", AccessSecret, "--Audit:CheckpointKey", forged).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_signed_in_through_an_identity_provider_needs_no_signing_key_of_its_own_and_an_authority_of_the_wrong_shape_is_refused()
    {
        string[] common = ["--environment", "Production", "--IDARATI_DB", ApiFactory.TestDatabase, "--Complaints:AccessCodeSecret", AccessSecret, .. Checkpoint];
        await using var app = ApiHost.Build([.. common, "--Auth:Authority", "https://idp.example.ma/realms/chikaya"]);
        Assert.Equal("https://idp.example.ma/realms/chikaya", app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Microsoft.AspNetCore.Authentication.JwtBearer.JwtBearerOptions>>().Get("Bearer").Authority);
        var plain = Assert.Throws<InvalidOperationException>(() => ApiHost.Build([.. common, "--Auth:Authority", "http://idp.example.ma/"]));
        Assert.Contains("Auth:Authority", plain.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_reads_its_secrets_from_files_one_per_setting_as_compose_secrets_give_them()
    {
        var directory = Directory.CreateTempSubdirectory("idarati-secrets-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "Auth__SigningKey"), Key);
            File.WriteAllText(Path.Combine(directory.FullName, "Complaints__AccessCodeSecret"), AccessSecret);
            File.WriteAllText(Path.Combine(directory.FullName, "Audit__CheckpointKey"), ApiFactory.CheckpointKey);
            File.WriteAllText(Path.Combine(directory.FullName, "PersonalData__MasterKey"), ApiFactory.MasterKey);
            await using var app = ApiHost.Build(["--environment", "Production", "--IDARATI_DB", ApiFactory.TestDatabase, "--Secrets:Directory", directory.FullName]);
            Assert.Equal(AccessSecret, app.Services.GetRequiredService<Application.Complaints.ComplaintOptions>().AccessCodeSecret);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Production_with_both_secrets_starts_and_the_run_verb_says_one_line_without_them()
    {
        await using var app = ApiHost.Build(["--environment", "Production", "--IDARATI_DB", ApiFactory.TestDatabase, "--Auth:SigningKey", Key, "--Complaints:AccessCodeSecret", AccessSecret, .. Checkpoint]);
        Assert.Equal(AccessSecret, app.Services.GetRequiredService<Application.Complaints.ComplaintOptions>().AccessCodeSecret);

        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.Equal(1, await ApiHost.RunAsync(["--environment", "Production", "--IDARATI_DB", ApiFactory.TestDatabase, "--Auth:SigningKey", Key, .. Checkpoint]));
        }
        finally
        {
            Console.SetError(previous);
        }

        Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Complaints:AccessCodeSecret", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Production_without_a_master_key_or_with_a_malformed_one_does_not_start()
    {
        string[] others = ["--Auth:SigningKey", Key, "--Complaints:AccessCodeSecret", AccessSecret, "--Audit:CheckpointKey", ApiFactory.CheckpointKey];
        Assert.StartsWith("PersonalData:MasterKey is not set", Refusal(others).Message, StringComparison.Ordinal);
        Assert.StartsWith("PersonalData:MasterKey is not a master key", Refusal([.. others, "--PersonalData:MasterKey", "a-string-of-more-than-thirty-two-bytes-that-is-no-key"]).Message, StringComparison.Ordinal);
        Assert.StartsWith("PersonalData:PreviousMasterKeys:0 is not a master key",
            Refusal([.. others, "--PersonalData:MasterKey", ApiFactory.MasterKey, "--PersonalData:PreviousMasterKeys:0", "c2hvcnQ="]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Development_generates_what_is_missing()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection().Build();
        Secrets.Require(configuration, "Development");
        Assert.True(configuration[Secrets.SigningKey]!.Length >= Secrets.MinimumBytes);
        Assert.Equal(Secrets.DevelopmentAccessCodeSecret, configuration[Secrets.AccessCodeSecret]);
        Assert.Equal(Application.Audit.CheckpointKey.DevelopmentSignerKey, configuration[Secrets.CheckpointKey]);
        Assert.Equal(Application.Privacy.MasterKeys.DevelopmentKey, configuration[Secrets.MasterKey]);
    }
}
