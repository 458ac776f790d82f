using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace JitBot.Slack.Signing;

/// <summary>Why a request's signature was not accepted.</summary>
public enum SignatureFailure
{
    None,
    MissingSecret,
    MissingTimestamp,
    MalformedTimestamp,
    StaleTimestamp,
    FutureTimestamp,
    MissingSignature,
    UnsupportedVersion,
    MalformedSignature,
    Mismatch,
}

/// <summary>The result of checking one request; never an exception.</summary>
public readonly record struct SignatureCheck(SignatureFailure Failure)
{
    public bool IsValid => Failure == SignatureFailure.None;
    public static readonly SignatureCheck Valid = new(SignatureFailure.None);
}

/// <summary>
/// Checks Slack's v0 request signature: HMAC-SHA256 over <c>v0:{timestamp}:{raw body}</c> keyed with the
/// signing secret, compared in constant time, with the timestamp within ±5 minutes of now. Fails closed: a
/// missing secret, header or timestamp is a failure, never a pass.
/// </summary>
public sealed class SlackSignatureVerifier(string? signingSecret, TimeProvider time)
{
    /// <summary>How far the request timestamp may be from now, in either direction.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    const int HexLength = 64; // SHA-256 as lowercase hex

    public SignatureCheck Verify(string? timestamp, string? signature, ReadOnlySpan<byte> body)
    {
        if (string.IsNullOrEmpty(signingSecret)) return new(SignatureFailure.MissingSecret);
        if (string.IsNullOrWhiteSpace(timestamp)) return new(SignatureFailure.MissingTimestamp);
        if (timestamp.Length > 12 || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return new(SignatureFailure.MalformedTimestamp);

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        if (now - seconds > Window.TotalSeconds) return new(SignatureFailure.StaleTimestamp);
        if (seconds - now > Window.TotalSeconds) return new(SignatureFailure.FutureTimestamp);

        if (string.IsNullOrWhiteSpace(signature)) return new(SignatureFailure.MissingSignature);
        var separator = signature.IndexOf('=');
        if (separator <= 0) return new(SignatureFailure.MalformedSignature);
        if (!signature.AsSpan(0, separator).SequenceEqual(SlackProtocol.SignatureVersion))
            return new(SignatureFailure.UnsupportedVersion);
        var hex = signature.AsSpan(separator + 1);
        if (hex.Length != HexLength) return new(SignatureFailure.MalformedSignature);

        Span<byte> given = stackalloc byte[HexLength / 2];
        if (Convert.FromHexString(hex, given, out _, out var written) != System.Buffers.OperationStatus.Done || written != given.Length)
            return new(SignatureFailure.MalformedSignature);

        Span<byte> expected = stackalloc byte[HexLength / 2];
        Compute(signingSecret, timestamp, body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given)
            ? SignatureCheck.Valid
            : new(SignatureFailure.Mismatch);
    }

    /// <summary>The <c>X-Slack-Signature</c> value Slack would send for this body (for tests and tools).</summary>
    public static string Sign(string signingSecret, string timestamp, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[HexLength / 2];
        Compute(signingSecret, timestamp, body, mac);
        return SlackProtocol.SignatureVersion + "=" + Convert.ToHexStringLower(mac);
    }

    static void Compute(string secret, string timestamp, ReadOnlySpan<byte> body, Span<byte> destination)
    {
        var prefix = Encoding.UTF8.GetBytes($"{SlackProtocol.SignatureVersion}:{timestamp}:");
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(prefix);
        hmac.AppendData(body);
        hmac.GetHashAndReset(destination);
    }
}
