using System.Text;
using System.Text.Unicode;

namespace JitBot.Slack.Payloads;

/// <summary>Reads an <c>application/x-www-form-urlencoded</c> body as Slack sends it.</summary>
public static class FormBody
{
    /// <summary>
    /// The fields of a form body; a repeated field keeps its first value. Null when the body is not UTF-8, or a
    /// %-escape decodes to bytes that are not UTF-8 (Slack always sends UTF-8). A % that starts no escape is
    /// kept as it is.
    /// </summary>
    public static IReadOnlyDictionary<string, string>? Parse(ReadOnlySpan<byte> body) =>
        Utf8.IsValid(body) ? Parse(Encoding.UTF8.GetString(body)) : null;

    /// <inheritdoc cref="Parse(ReadOnlySpan{byte})"/>
    public static IReadOnlyDictionary<string, string>? Parse(string body)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in body.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var key = Decode(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Decode(pair[(eq + 1)..]);
            if (key is null || value is null) return null;
            fields.TryAdd(key, value);
        }
        return fields;
    }

    /// <summary>Encodes fields as a form body (used by tests and tools that play Slack).</summary>
    public static string Encode(IEnumerable<KeyValuePair<string, string>> fields) =>
        string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value)));

    /// <summary>'+' is a space and %XX a byte; the bytes must be UTF-8. Null when they are not.</summary>
    static string? Decode(string value)
    {
        if (value.IndexOfAny(['%', '+']) < 0) return value;
        var bytes = new List<byte>(value.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '+')
            {
                bytes.Add((byte)' ');
            }
            else if (c == '%' && i + 2 < value.Length && char.IsAsciiHexDigit(value[i + 1]) && char.IsAsciiHexDigit(value[i + 2]))
            {
                bytes.Add(Convert.ToByte(value.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                var length = char.IsSurrogatePair(value, i)
                    ? Encoding.UTF8.GetBytes(value.AsSpan(i++, 2), utf8)
                    : Encoding.UTF8.GetBytes(value.AsSpan(i, 1), utf8);
                for (var b = 0; b < length; b++) bytes.Add(utf8[b]);
            }
        }
        var decoded = bytes.ToArray();
        return Utf8.IsValid(decoded) ? Encoding.UTF8.GetString(decoded) : null;
    }
}
