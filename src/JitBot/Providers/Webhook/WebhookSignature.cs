using System.Security.Cryptography;
using System.Text;

namespace JitBot.Providers.Webhook;

/// <summary>
/// How an event is signed: <c>X-JitBot-Signature: v1=&lt;hex HMAC-SHA256(secret, "v1:{timestamp}:{body}")&gt;</c>
/// with the Unix time in seconds in <c>X-JitBot-Timestamp</c>. Receivers compute the same and compare in constant
/// time (docs/providers.md has a verifier).
/// </summary>
public static class WebhookSignature
{
    public const string SignatureHeader = "X-JitBot-Signature";
    public const string TimestampHeader = "X-JitBot-Timestamp";
    public const string EventHeader = "X-JitBot-Event";
    public const string IdempotencyHeader = "Idempotency-Key";

    public static string Sign(string secret, long timestamp, string body)
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"v1:{timestamp}:{body}"));
        return "v1=" + Convert.ToHexStringLower(mac);
    }
}
