using System.Security.Cryptography;
using System.Text;

namespace JitBot.Providers;

/// <summary>
/// A secret a provider issued for one grant (a password, a token). It goes to the requester alone, once; it
/// is never logged, stored in clear or written to the audit log, which records <see cref="Fingerprint"/> only.
/// </summary>
public sealed record IssuedCredential(string Label, string Secret, DateTimeOffset ExpiresAt, string? HowToUse = null)
{
    /// <summary>The first 16 hex digits of SHA-256 of the secret: enough to match a credential, useless to use one.</summary>
    public string Fingerprint => Of(Secret);

    public static string Of(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)))[..16];

    /// <summary>Never shows <see cref="Secret"/>.</summary>
    public override string ToString() => $"{Label} (fingerprint {Fingerprint})";
}
