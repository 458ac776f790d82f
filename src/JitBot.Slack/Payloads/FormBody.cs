using System.Text;

namespace JitBot.Slack.Payloads;

/// <summary>Reads an <c>application/x-www-form-urlencoded</c> body as Slack sends it.</summary>
public static class FormBody
{
    /// <summary>The fields of a form body; a repeated field keeps its first value.</summary>
    public static IReadOnlyDictionary<string, string> Parse(ReadOnlySpan<byte> body) => Parse(Encoding.UTF8.GetString(body));

    public static IReadOnlyDictionary<string, string> Parse(string body)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in body.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var key = Decode(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Decode(pair[(eq + 1)..]);
            fields.TryAdd(key, value);
        }
        return fields;
    }

    /// <summary>Encodes fields as a form body (used by tests and tools that play Slack).</summary>
    public static string Encode(IEnumerable<KeyValuePair<string, string>> fields) =>
        string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Key) + "=" + Uri.EscapeDataString(f.Value)));

    static string Decode(string value)
    {
        try
        {
            return Uri.UnescapeDataString(value.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return value;
        }
    }
}
