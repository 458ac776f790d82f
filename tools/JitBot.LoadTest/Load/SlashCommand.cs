using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace JitBot.LoadTest.Load;

/// <summary>The i-th <c>/access</c> command of a run, signed exactly as Slack signs it.</summary>
internal static class SlashCommand
{
    /// <summary>Every user with every resource before any pair repeats, so users × resources requests are all distinct.</summary>
    public static (string User, string Resource) Pick(string[] users, string[] resources, int i) =>
        (users[i % users.Length], resources[i / users.Length % resources.Length]);

    /// <summary>
    /// The i-th command, signed. Its <c>response_url</c> is under <paramref name="responseBase"/> (the fake Slack's
    /// <c>/hooks/</c>, which the bot accepts because it shares the Web API's address), else at an address the bot
    /// refuses, so that its late answers go by direct message.
    /// </summary>
    public static HttpRequestMessage Signed(string secret, string command, int i, string user, string resource, string duration, string? responseBase = null)
    {
        var body = string.Join('&',
            "team_id=T0LOAD",
            "channel_id=C0LOAD",
            "channel_name=load-test",
            $"user_id={user}",
            "user_name=load",
            "command=" + Uri.EscapeDataString(command),
            "text=" + Uri.EscapeDataString($"{resource} for {duration} because CHG-{i} load test"),
            "response_url=" + Uri.EscapeDataString((string.IsNullOrEmpty(responseBase) ? "https://hooks.slack.invalid/" : responseBase) + $"commands/T0LOAD/{i}/x"),
            $"trigger_id=load.{i}");
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"v0:{timestamp}:{body}"));
        var content = new StringContent(body, Encoding.UTF8);
        // As Slack sends it: no charset parameter (Bolt's receiver, for one, reads the body as JSON otherwise).
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        var request = new HttpRequestMessage(HttpMethod.Post, "slack/commands") { Content = content };
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
        request.Headers.Add("X-Slack-Signature", "v0=" + Convert.ToHexStringLower(mac));
        return request;
    }
}
