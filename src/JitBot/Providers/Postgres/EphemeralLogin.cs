using System.Security.Cryptography;

namespace JitBot.Providers.Postgres;

/// <summary>The login role <c>mode: login</c> makes for one grant: its name (from the grant, so every retry finds it) and its password.</summary>
static class EphemeralLogin
{
    public static string Prefix(string userId) => "jit_" + Clean(userId, 24) + "_";

    public static string Name(ProviderGrant grant) => Prefix(grant.UserId) + Clean(grant.GrantId, 30);

    /// <summary>32 random bytes as URL-safe base64 (43 characters, 256 bits).</summary>
    public static string NewPassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    static string Clean(string text, int max)
    {
        var kept = new string(text.ToLowerInvariant().Where(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_').ToArray());
        return kept.Length > max ? kept[..max] : kept;
    }
}
