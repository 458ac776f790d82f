using System.Text.Json.Serialization;
using JitBot.Slack.BlockKit;

namespace JitBot.Slack.Api;

/// <summary>How to reach Slack's Web API.</summary>
public sealed record SlackApiSettings(string BotToken, Uri BaseUrl)
{
    /// <summary>How many times a call answered with HTTP 429 is tried again.</summary>
    public int MaxRateLimitRetries { get; init; } = 3;

    /// <summary>The longest <c>Retry-After</c> honoured; a longer one fails the call at once.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Messages posted per second per channel, sustained (Slack allows about one); 0 turns the bucket off.</summary>
    public double MessagesPerSecond { get; init; } = 1;

    /// <summary>How many messages may be posted to one channel at once before the sustained rate applies.</summary>
    public int MessageBurst { get; init; } = 5;
}

/// <summary>A Web API call answered <c>ok:false</c> (or could not be made): <see cref="Error"/> is Slack's code.</summary>
public class SlackApiException(string method, string error, IReadOnlyList<string>? messages = null)
    : Exception($"Slack API {method} failed: {error}" + (messages is { Count: > 0 } ? " (" + string.Join("; ", messages) + ")" : ""))
{
    public string Method { get; } = method;
    public string Error { get; } = error;
    public IReadOnlyList<string> Messages { get; } = messages ?? [];

    /// <summary>
    /// <c>views.open</c> refused the <c>trigger_id</c>: expired (older than 3 seconds), already used, or unknown.
    /// The modal cannot be opened; answer another way.
    /// </summary>
    public bool IsUnusableTrigger => Error is "expired_trigger_id" or "exchanged_trigger_id" or "invalid_trigger_id";
}

/// <summary>A view as Slack holds it after <c>views.open</c>, <c>views.update</c> or <c>views.publish</c>: its id and current hash.</summary>
public sealed record OpenedView(string Id, string? Hash, string? CallbackId);

public sealed record ChatMessage(string Channel, string Text, IReadOnlyList<Block>? Blocks = null, string? ThreadTs = null)
{
    public bool? UnfurlLinks { get; init; } = false;
    public bool? UnfurlMedia { get; init; } = false;
}

public sealed record ChatUpdate(string Channel, string Ts, string Text, IReadOnlyList<Block>? Blocks = null);

public sealed record EphemeralMessage(string Channel, string User, string Text, IReadOnlyList<Block>? Blocks = null, string? ThreadTs = null);

/// <summary>Where a posted message landed: the channel id (even when a name or user id was given) and its ts.</summary>
public sealed record PostedMessage(string Channel, string Ts);

public sealed record SlackUserProfile(string? DisplayName, string? RealName, string? Email);

public sealed record SlackUserInfo(string Id, string? Name, string? RealName, bool Deleted, bool IsBot, string? Tz, SlackUserProfile? Profile)
{
    /// <summary><c>is_app_user</c>: the user of an app (Slack may mark it so without <c>is_bot</c>).</summary>
    public bool IsAppUser { get; init; }

    [JsonIgnore]
    public string ShownName =>
        Profile?.DisplayName is { Length: > 0 } d ? d : RealName is { Length: > 0 } r ? r : Name ?? Id;
}

public sealed record ConversationInfo(string Id, string? Name, bool IsPrivate, bool IsArchived, bool IsIm);

/// <summary>
/// One page of a channel's members (<c>conversations.members</c>): user ids, and the cursor of the next page,
/// null on the last one (Slack ends with an empty <c>next_cursor</c>).
/// </summary>
public sealed record ConversationMembersPage(IReadOnlyList<string> Members, string? NextCursor);

/// <summary>
/// One page of the workspace's users (<c>users.list</c>), deactivated users and bots included, and the cursor of
/// the next page, null on the last one.
/// </summary>
public sealed record UsersPage(IReadOnlyList<SlackUserInfo> Members, string? NextCursor);

/// <summary>Who the token belongs to (<c>auth.test</c>): the workspace, the bot's user and, for a bot token, the bot.</summary>
public sealed record AuthIdentity(string TeamId, string UserId, string? BotId, string? Team, string? Url);

/// <summary>A bot user (<c>bots.info</c>), with the app it belongs to.</summary>
public sealed record SlackBotInfo(string Id, string? AppId, string? Name, string? UserId);

public interface IChatApi
{
    /// <summary><c>chat.postMessage</c>; posts to one channel are sent in the order they were asked for.</summary>
    Task<PostedMessage> PostMessageAsync(ChatMessage message, CancellationToken cancellationToken);

    /// <summary><c>chat.update</c>.</summary>
    Task UpdateAsync(ChatUpdate update, CancellationToken cancellationToken);

    /// <summary><c>chat.postEphemeral</c>.</summary>
    Task PostEphemeralAsync(EphemeralMessage message, CancellationToken cancellationToken);
}

public interface IUsersApi
{
    /// <summary><c>users.info</c>.</summary>
    Task<SlackUserInfo> InfoAsync(string userId, CancellationToken cancellationToken);

    /// <summary>
    /// <c>users.list</c> (scope <c>users:read</c>, rate tier 2): one page of at most <paramref name="limit"/>
    /// (1 to 1000) of the workspace's users, starting at <paramref name="cursor"/> (null for the first page).
    /// </summary>
    Task<UsersPage> ListAsync(string? cursor, int limit, CancellationToken cancellationToken);
}

public interface IUserGroupsApi
{
    /// <summary><c>usergroups.users.list</c>: the user ids in a user group.</summary>
    Task<IReadOnlyList<string>> UsersListAsync(string userGroupId, CancellationToken cancellationToken);

    /// <summary>
    /// <c>usergroups.users.update</c> (scope <c>usergroups:write</c>): <paramref name="userIds"/> become the group's
    /// entire membership. Slack has no compare-and-swap here; callers read, change and read back.
    /// </summary>
    Task UsersUpdateAsync(string userGroupId, IReadOnlyList<string> userIds, CancellationToken cancellationToken);
}

public interface IConversationsApi
{
    /// <summary><c>conversations.info</c>.</summary>
    Task<ConversationInfo> InfoAsync(string channel, CancellationToken cancellationToken);

    /// <summary>
    /// <c>conversations.members</c> (scopes <c>channels:read</c>, <c>groups:read</c>): one page of at most
    /// <paramref name="limit"/> member ids, starting at <paramref name="cursor"/> (null for the first page).
    /// </summary>
    Task<ConversationMembersPage> MembersAsync(string channel, string? cursor, int limit, CancellationToken cancellationToken);
}

public interface IAuthApi
{
    /// <summary><c>auth.test</c>: the workspace and user (and bot) the token belongs to.</summary>
    Task<AuthIdentity> TestAsync(CancellationToken cancellationToken);
}

public interface IBotsApi
{
    /// <summary><c>bots.info</c> (needs <c>users:read</c>): a bot and the app it belongs to.</summary>
    Task<SlackBotInfo> InfoAsync(string botId, CancellationToken cancellationToken);
}

public interface IResponsesApi
{
    /// <summary>
    /// Posts an ephemeral answer to a slash command's <c>response_url</c> (valid for 30 minutes and 5 uses). The
    /// URL is a capability: it is sent without the bot token and never appears in exceptions.
    /// </summary>
    Task RespondAsync(Uri responseUrl, string text, CancellationToken cancellationToken);
}

/// <summary>The Web API methods JitBot uses, grouped by family.</summary>
public interface ISlackApiClient
{
    IResponsesApi Responses { get; }
    IChatApi Chat { get; }
    IUsersApi Users { get; }
    IUserGroupsApi UserGroups { get; }
    IConversationsApi Conversations { get; }
    IAuthApi Auth { get; }
    IBotsApi Bots { get; }

    /// <summary>
    /// <c>views.open</c>: opens a modal for the person whose action gave <paramref name="triggerId"/> (valid for
    /// 3 seconds and one use; <see cref="SlackApiException.IsUnusableTrigger"/> otherwise).
    /// </summary>
    Task<OpenedView> ViewsOpenAsync(string triggerId, BlockKit.View view, CancellationToken cancellationToken);

    /// <summary>
    /// <c>views.update</c>: replaces an open modal. With <paramref name="hash"/>, Slack refuses (<c>hash_conflict</c>)
    /// when the view changed since that hash was read.
    /// </summary>
    Task<OpenedView> ViewsUpdateAsync(string viewId, string? hash, BlockKit.View view, CancellationToken cancellationToken);

    /// <summary><c>views.publish</c>: sets a person's App Home tab (a view of type <c>home</c>).</summary>
    Task<OpenedView> ViewsPublishAsync(string userId, BlockKit.View view, CancellationToken cancellationToken);
}
