using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>
/// Channels and users in the fake Slack: who is in a channel (<c>conversations.members</c>, answered in pages of
/// at most <c>limit</c> ids, default 100 as Slack's, with <c>response_metadata.next_cursor</c>, empty on the
/// last page), and which users are bots or deactivated (<c>is_bot</c> and <c>deleted</c> in <c>users.info</c>, and in
/// <c>users.list</c>, which lists every user the fake knows in the same pages).
/// A channel nobody set is <c>channel_not_found</c>; one set with <see cref="SetChannelWithoutBot"/> is
/// <c>not_in_channel</c>. <c>conversations.info</c> knows every channel as an unarchived public one, except those
/// archived with <see cref="ArchiveChannel"/> (<c>is_archived</c>, and no event is sent) or deleted with
/// <see cref="DeleteChannel"/> (<c>channel_not_found</c>).
/// </summary>
public sealed partial class FakeSlack
{
    readonly ConcurrentDictionary<string, string[]> channels = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, bool> channelsWithoutBot = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, bool> bots = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, bool> deactivated = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, bool> extraUsers = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, bool> archivedChannels = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, bool> deletedChannels = new(StringComparer.Ordinal);

    /// <summary>Archives a channel in Slack without sending JitBot the <c>channel_archive</c> event (a missed event).</summary>
    public void ArchiveChannel(string channelId) => archivedChannels[channelId] = true;

    /// <summary>Deletes a channel: <c>conversations.info</c> answers <c>channel_not_found</c> from now on.</summary>
    public void DeleteChannel(string channelId) => deletedChannels[channelId] = true;

    /// <summary><c>conversations.info</c>: the channel, archived or not, or <c>channel_not_found</c> once deleted.</summary>
    JsonObject ConversationInfo(SlackCall call)
    {
        var channel = call.Arg("channel") ?? "";
        if (deletedChannels.ContainsKey(channel)) return Error("channel_not_found");
        var result = Ok();
        result["channel"] = new JsonObject
        {
            ["id"] = channel, ["name"] = channel.ToLowerInvariant(), ["is_private"] = false, ["is_archived"] = archivedChannels.ContainsKey(channel),
        };
        return result;
    }

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

    /// <summary>A user who is in no channel, group or list yet, but known to the workspace (<c>users.list</c>).</summary>
    public void AddUsers(params string[] userIds)
    {
        foreach (var id in userIds) extraUsers[id] = true;
    }

    /// <summary>
    /// Every user the fake knows, in id order: JitBot's own user, Slackbot, channel and group members, bots,
    /// deactivated users and those added with <see cref="AddUsers"/>.
    /// </summary>
    string[] KnownUsers()
    {
        var known = new SortedSet<string>(StringComparer.Ordinal) { BotUserId, "USLACKBOT" };
        foreach (var members in channels.Values) known.UnionWith(members);
        foreach (var group in groups.Values)
            lock (group) known.UnionWith(group);
        known.UnionWith(bots.Keys);
        known.UnionWith(deactivated.Keys);
        known.UnionWith(extraUsers.Keys);
        return known.ToArray();
    }

    /// <summary>The user object of <c>users.info</c> and <c>users.list</c>.</summary>
    JsonObject User(string id) => new()
    {
        ["id"] = id, ["name"] = id.ToLowerInvariant(), ["real_name"] = "User " + id, ["tz"] = "UTC",
        ["is_bot"] = bots.ContainsKey(id), ["deleted"] = deactivated.ContainsKey(id), ["is_app_user"] = false,
    };

    /// <summary><c>users.list</c>: every known user (<see cref="KnownUsers"/>) as a user object, in pages.</summary>
    JsonObject UsersList(SlackCall call) => Paged(call, KnownUsers(), ids => new JsonArray(ids.Select(id => (JsonNode)User(id)).ToArray()));

    JsonObject Members(SlackCall call)
    {
        var channel = call.Arg("channel") ?? "";
        if (!channels.TryGetValue(channel, out var members)) return Error("channel_not_found");
        if (channelsWithoutBot.ContainsKey(channel)) return Error("not_in_channel");
        return Paged(call, members, ids => new JsonArray(ids.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()));
    }

    /// <summary>One page of <paramref name="members"/> as <c>members</c>, at most <c>limit</c> (1 to 1000, default 100) from the call's cursor.</summary>
    static JsonObject Paged(SlackCall call, string[] members, Func<string[], JsonArray> render)
    {
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
        result["members"] = render(page);
        result["response_metadata"] = new JsonObject { ["next_cursor"] = next };
        return result;
    }
}
