using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>
/// Channels and users in the fake Slack: who is in a channel (<c>conversations.members</c>, answered in pages of
/// at most <c>limit</c> ids, default 100 as Slack's, with <c>response_metadata.next_cursor</c>, empty on the
/// last page), and which users are bots or deactivated (<c>users.info</c>'s <c>is_bot</c> and <c>deleted</c>).
/// A channel nobody set is <c>channel_not_found</c>; one set with <see cref="SetChannelWithoutBot"/> is
/// <c>not_in_channel</c>.
/// </summary>
public sealed partial class FakeSlack
{
    readonly ConcurrentDictionary<string, string[]> channels = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, bool> channelsWithoutBot = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, bool> bots = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, bool> deactivated = new(StringComparer.Ordinal);

    /// <summary>Sets who is in a channel now, in the order Slack lists them (can change during a test).</summary>
    public void SetChannel(string channelId, params string[] members)
    {
        channels[channelId] = members.ToArray();
        channelsWithoutBot.TryRemove(channelId, out _);
    }

    /// <summary>A channel that exists but JitBot is not in: <c>conversations.members</c> answers <c>not_in_channel</c>.</summary>
    public void SetChannelWithoutBot(string channelId)
    {
        channels[channelId] = [];
        channelsWithoutBot[channelId] = true;
    }

    /// <summary>Makes <paramref name="userIds"/> bot or app users (<c>is_bot</c> in <c>users.info</c>).</summary>
    public void SetBots(params string[] userIds)
    {
        foreach (var id in userIds) bots[id] = true;
    }

    /// <summary>Deactivates <paramref name="userIds"/> (<c>deleted</c> in <c>users.info</c>).</summary>
    public void Deactivate(params string[] userIds)
    {
        foreach (var id in userIds) deactivated[id] = true;
    }

    JsonObject Members(SlackCall call)
    {
        var channel = call.Arg("channel") ?? "";
        if (!channels.TryGetValue(channel, out var members)) return Error("channel_not_found");
        if (channelsWithoutBot.ContainsKey(channel)) return Error("not_in_channel");
        var limit = 100;
        if (call.Arg("limit") is { } text && (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
            return Error("invalid_limit");
        var start = 0;
        if (call.Arg("cursor") is { Length: > 0 } cursor)
        {
            // Slack's cursors are opaque; this one is the offset, base64-encoded as Slack's look.
            try
            {
                start = int.Parse(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(cursor))["offset:".Length..], CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is FormatException or ArgumentOutOfRangeException)
            {
                return Error("invalid_cursor");
            }
            if (start < 0 || start > members.Length) return Error("invalid_cursor");
        }
        var page = members.Skip(start).Take(limit).ToArray();
        var next = start + page.Length < members.Length
            ? Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("offset:" + (start + page.Length).ToString(CultureInfo.InvariantCulture)))
            : "";
        var result = Ok();
        result["members"] = new JsonArray(page.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray());
        result["response_metadata"] = new JsonObject { ["next_cursor"] = next };
        return result;
    }
}
