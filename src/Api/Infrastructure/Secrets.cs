using System.Security.Cryptography;
using System.Text;

namespace Idarati.Api.Infrastructure;

/// <summary>A setting the service refuses to start without; its message is the one line an operator reads.</summary>
public sealed class MissingSecretException(string message) : Exception(message);

/// <summary>
/// The secrets the service signs, derives and encrypts with: the token signing key, the access-code secret, the audit
/// log's checkpoint key and the personal data's master key. Outside Development none has a default (a default written in the code lets anyone who reads the code forge access codes),
/// and each must be at least 32 bytes. Development generates a signing key per process and uses a fixed, public
/// access-code secret, checkpoint key and master key, so that a fresh clone runs with no setting at all.
/// </summary>
public static class Secrets
{
    public const string SigningKey = "Auth:SigningKey";
    public const string AccessCodeSecret = "Complaints:AccessCodeSecret";

    /// <summary>The Ed25519 signer key of the audit log's checkpoints (<see cref="Idarati.Application.Audit.CheckpointKey"/>).</summary>
    public const string CheckpointKey = "Audit:CheckpointKey";

    /// <summary>The master key that wraps every data subject's key (<see cref="Idarati.Application.Privacy.MasterKeys"/>).</summary>
    public const string MasterKey = Idarati.Application.Privacy.MasterKeys.Setting;

    public const int MinimumBytes = 32;

    /// <summary>Public on purpose: it is used only in Development, where nothing real is protected.</summary>
    public const string DevelopmentAccessCodeSecret = "development-only-access-code-secret-not-for-production";

    /// <summary>
    /// Checks the secrets named (both when none is), fills Development's values in, and throws
    /// <see cref="MissingSecretException"/> naming the first setting that is missing or too short.
    /// </summary>
    public static void Require(IConfiguration configuration, string environmentName, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var development = string.Equals(environmentName, Environments.Development, StringComparison.OrdinalIgnoreCase);
        if (development)
        {
            if (string.IsNullOrEmpty(configuration[SigningKey]))
            {
                configuration[SigningKey] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(MinimumBytes));
            }

            if (string.IsNullOrEmpty(configuration[AccessCodeSecret]))
            {
                configuration[AccessCodeSecret] = DevelopmentAccessCodeSecret;
            }

            if (string.IsNullOrEmpty(configuration[CheckpointKey]))
            {
                configuration[CheckpointKey] = Idarati.Application.Audit.CheckpointKey.DevelopmentSignerKey;
            }

            if (string.IsNullOrEmpty(configuration[MasterKey]))
            {
                configuration[MasterKey] = Idarati.Application.Privacy.MasterKeys.DevelopmentKey;
            }
        }

        foreach (var name in names.Length == 0 ? [SigningKey, AccessCodeSecret, CheckpointKey, MasterKey] : names)
        {
            // Signed in through an identity provider alone, the service signs no token: it needs no key of its own.
            if (name == SigningKey && string.IsNullOrEmpty(configuration[SigningKey]) && !string.IsNullOrEmpty(configuration[IdentityProvider.AuthoritySetting]))
            {
                continue;
            }

            var value = configuration[name];
            if (string.IsNullOrEmpty(value))
            {
                throw new MissingSecretException($"{name} is not set: outside Development the service needs it (at least {MinimumBytes} bytes, e.g. the environment variable {name.Replace(":", "__", StringComparison.Ordinal)}).");
            }

            if (name == MasterKey)
            {
                try
                {
                    Idarati.Application.Privacy.MasterKeys.Parse(value, configuration.GetSection(Idarati.Application.Privacy.MasterKeys.PreviousSetting).Get<string[]>());
                }
                catch (FormatException e)
                {
                    throw new MissingSecretException(e.Message);
                }

                continue;
            }

            if (Encoding.UTF8.GetByteCount(value) < MinimumBytes)
            {
                throw new MissingSecretException($"{name} is too short: at least {MinimumBytes} bytes.");
            }

            if (name == CheckpointKey)
            {
                try
                {
                    Idarati.Application.Audit.CheckpointKey.Parse(value).Dispose();
                }
                catch (FormatException e)
                {
                    throw new MissingSecretException(e.Message + " Make one with scripts/checkpoint-key.mjs.");
                }
            }
        }
    }
}
