using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace JitBot.Providers.Token;

/// <summary>
/// The keys that may call JitBot's HTTP API: every non-empty <c>Api:Keys</c> entry and every token instance's
/// <c>ApiKey</c>. A presented key is compared with each in constant time; with no keys configured, nothing is let in.
/// </summary>
public sealed class ApiKeys(IReadOnlyList<string> keys)
{
    public static ApiKeys From(IConfiguration configuration, IEnumerable<TokenSettings> instances) =>
        new(configuration.GetSection("Api:Keys").GetChildren().Select(c => c.Value)
            .Concat(instances.Select(i => i.ApiKey))
            .OfType<string>().Where(k => k.Length > 0).ToList());

    public int Count => keys.Count;

    public bool Accepts(string? presented)
    {
        if (string.IsNullOrEmpty(presented)) return false;
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var accepted = false;
        // Hashing first makes every comparison the same length; every key is compared, whichever matches.
        foreach (var key in keys)
            accepted |= CryptographicOperations.FixedTimeEquals(given, SHA256.HashData(Encoding.UTF8.GetBytes(key)));
        return accepted;
    }
}
