using System.Security.Cryptography;
using JitBot.Common;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JitBot.Providers.Token;

/// <summary>
/// One token instance, from configuration <c>Providers:token:{instance}:…</c>: the EC P-256 private key tokens
/// are signed with (<c>SigningKey</c>, PEM), the public keys of earlier signing keys still published for
/// verification during a rotation (<c>PreviousPublicKeys</c>, a list of PEM public keys), the issuer and
/// audience written into each token, and an optional API key for the check endpoint. For trying JitBot out,
/// <c>GenerateDevelopmentKey=true</c> instead makes a new key at every start; it is refused unless the host's
/// environment is Development, since tokens signed with it stop verifying when the process ends.
/// </summary>
public sealed record TokenSettings(
    string Instance,
    ECDsa SigningKey,
    IReadOnlyList<ECDsa> PreviousPublicKeys,
    string Issuer,
    string? Audience,
    string? ApiKey)
{
    public const string DefaultIssuer = "jitbot";
    public const string SigningKeyKey = "SigningKey";
    public const string GenerateDevelopmentKeyKey = "GenerateDevelopmentKey";
    const string NewKeyCommand = "openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt";

    /// <param name="environment">The host's environment: <c>GenerateDevelopmentKey</c> is accepted in Development only.</param>
    /// <param name="log">Where the warning about a generated key goes (once, when the instance is built).</param>
    public static TokenSettings From(string instance, IConfigurationSection section, IHostEnvironment? environment = null, ILogger? log = null)
    {
        var prefix = $"Providers:token:{instance}:";
        var signing = GeneratesDevelopmentKey(section, prefix)
            ? DevelopmentKey(instance, section, environment, log)
            : ReadKey(section[SigningKeyKey], prefix + SigningKeyKey, requirePrivate: true)
              ?? throw new ProviderSettingsException($"Set {prefix}{SigningKeyKey} to a PEM EC P-256 private key ({NewKeyCommand}).");
        var previous = section.GetSection("PreviousPublicKeys").GetChildren()
            .Select(c => ReadKey(c.Value, $"{prefix}PreviousPublicKeys:{c.Key}", requirePrivate: false)!)
            .ToList();
        var apiKey = section["ApiKey"];
        if (apiKey is not null && apiKey.Length < 24)
            throw new ProviderSettingsException($"{prefix}ApiKey must be a random string of at least 24 characters.");
        return new TokenSettings(instance, signing, previous,
            string.IsNullOrWhiteSpace(section["Issuer"]) ? DefaultIssuer : section["Issuer"]!,
            string.IsNullOrWhiteSpace(section["Audience"]) ? null : section["Audience"], apiKey);
    }

    /// <summary>Whether the instance asks for a generated key (<c>GenerateDevelopmentKey</c>: <c>true</c> or <c>false</c>, default false).</summary>
    public static bool GeneratesDevelopmentKey(IConfigurationSection section, string prefix) =>
        section[GenerateDevelopmentKeyKey] switch
        {
            null or "" => false,
            var v when bool.TryParse(v, out var on) => on,
            _ => throw new ProviderSettingsException($"{prefix}{GenerateDevelopmentKeyKey} must be true or false."),
        };

    static ECDsa DevelopmentKey(string instance, IConfigurationSection section, IHostEnvironment? environment, ILogger? log)
    {
        var prefix = $"Providers:token:{instance}:";
        if (!string.IsNullOrWhiteSpace(section[SigningKeyKey]))
            throw new ProviderSettingsException(
                $"{prefix}{SigningKeyKey} and {prefix}{GenerateDevelopmentKeyKey} are both set. Keep {SigningKeyKey} and remove {GenerateDevelopmentKeyKey}.");
        if (environment?.IsDevelopment() != true)
            throw new ProviderSettingsException(
                $"{prefix}{GenerateDevelopmentKeyKey} is for trying JitBot out and is refused unless ASPNETCORE_ENVIRONMENT is Development " +
                $"(here it is {LogText.Safe(environment?.EnvironmentName ?? "not known")}): tokens signed with a key made at start-up stop verifying at every restart. " +
                $"Set {prefix}{SigningKeyKey} to a PEM EC P-256 private key ({NewKeyCommand}) and remove {GenerateDevelopmentKeyKey}.");
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        log?.LogWarning(
            "The token provider instance {Instance} signs with a key generated at start-up ({Setting}); it is for development only, and the tokens it issues stop verifying when JitBot restarts. Key id {Kid}.",
            LogText.Safe(instance), GenerateDevelopmentKeyKey, JsonWebKeys.Public(key).Kid);
        return key;
    }

    static ECDsa? ReadKey(string? pem, string key, bool requirePrivate)
    {
        if (string.IsNullOrWhiteSpace(pem)) return null;
        var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            ec.Dispose();
            // The key's text is never quoted: it is a secret.
            throw new ProviderSettingsException($"{key} is not a PEM EC key JitBot can read. Give a PEM EC P-256 key (BEGIN PRIVATE KEY, BEGIN EC PRIVATE KEY or BEGIN PUBLIC KEY).");
        }
        var parameters = ec.ExportParameters(includePrivateParameters: false);
        if (parameters.Curve.Oid?.Value != ECCurve.NamedCurves.nistP256.Oid.Value)
        {
            ec.Dispose();
            throw new ProviderSettingsException($"{key} is an EC key on another curve; ES256 needs a P-256 (prime256v1) key.");
        }
        if (requirePrivate && !HasPrivateKey(ec))
        {
            ec.Dispose();
            throw new ProviderSettingsException($"{key} is a public key; JitBot needs the private key to sign tokens.");
        }
        return ec;
    }

    static bool HasPrivateKey(ECDsa ec)
    {
        try
        {
            return ec.ExportParameters(includePrivateParameters: true).D is { Length: > 0 };
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
