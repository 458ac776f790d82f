using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;

namespace JitBot.Providers.Token;

/// <summary>
/// One token instance, from configuration <c>Providers:token:{instance}:…</c>: the EC P-256 private key tokens
/// are signed with (<c>SigningKey</c>, PEM), the public keys of earlier signing keys still published for
/// verification during a rotation (<c>PreviousPublicKeys</c>, a list of PEM public keys), the issuer and
/// audience written into each token, and an optional API key for the check endpoint.
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

    public static TokenSettings From(string instance, IConfigurationSection section)
    {
        var prefix = $"Providers:token:{instance}:";
        var signing = ReadKey(section["SigningKey"], prefix + "SigningKey", requirePrivate: true)
            ?? throw new ProviderSettingsException($"Set {prefix}SigningKey to a PEM EC P-256 private key (openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt).");
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

    /// <summary>Every configured token instance (for the key set and the check endpoint).</summary>
    public static IReadOnlyList<TokenSettings> All(IConfiguration configuration) =>
        configuration.GetSection("Providers:token").GetChildren().Select(c => From(c.Key, c)).ToList();

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
