using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using JitBot.Common;
using JitBot.Incidents;
using JitBot.Slack.Api;

namespace JitBot.SlackApp;

/// <summary>
/// Who is in a channel, from Slack: <c>conversations.members</c> page by page (<see cref="PageSize"/> ids a page,
/// Slack's recommendation, following <c>next_cursor</c>), and whether a member is a person (<see cref="IsPerson"/>;
/// JitBot's own bot user never is), cached for <see cref="CacheFor"/>. One user is asked with <c>users.info</c>
/// (rate tier 4); once <see cref="BulkAfter"/> lookups are expected within <see cref="DemandWindow"/> (ids handed
/// out by a channel walk, or lookups not answered from the cache), the whole workspace is read in a few
/// <c>users.list</c> pages instead (<see cref="SlackWorkspacePeople"/>), and <c>users.info</c> only answers for
/// users that snapshot does not hold (someone who joined since). A rate limit is waited out by the API client (within its retries); any failure left
/// becomes a <see cref="ChannelMembersUnavailableException"/> whose message tells people what to do.
/// </summary>
public sealed class SlackChannelMembers(ISlackApiClient slack, TimeProvider time, ILogger<SlackChannelMembers> logger) : IChannelMembers
{
    /// <summary>Ids asked for per page: Slack recommends no more than 200 (it accepts up to 1000).</summary>
    public const int PageSize = 200;

    /// <summary>How long an answer of <c>users.info</c> is reused.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(5);

    /// <summary>Slackbot's user id: <c>users.info</c> does not call it a bot, but it is not a person.</summary>
    public const string Slackbot = "USLACKBOT";

    /// <summary>Lookups expected within <see cref="DemandWindow"/> from which the workspace is read in bulk rather than user by user.</summary>
    public const int BulkAfter = 50;

    /// <summary>The window in which expected lookups are counted towards <see cref="BulkAfter"/>.</summary>
    public static readonly TimeSpan DemandWindow = TimeSpan.FromMinutes(1);

    const int MaxCached = 50_000;

    readonly ConcurrentDictionary<string, (DateTimeOffset At, bool Active)> people = new(StringComparer.Ordinal);
    readonly SlackWorkspacePeople workspace = new(slack, time);
    readonly Lock demandGate = new();
    (DateTimeOffset Since, int Lookups) demand;
    string? ownUserId;

    /// <summary>
    /// Whether a Slack user is a person with an active account: not a bot (<c>is_bot</c>) or app user
    /// (<c>is_app_user</c>), not deactivated (<c>deleted</c>), not Slackbot (which Slack does not mark as a bot).
    /// </summary>
    public static bool IsPerson(SlackUserInfo user) => !user.IsBot && !user.IsAppUser && !user.Deleted && user.Id != Slackbot;

    public async IAsyncEnumerable<IReadOnlyList<string>> MemberPagesAsync(string channelId,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = await PageAsync(channelId, cursor, cancellationToken);
            if (page.NextCursor is { } next && !seen.Add(next))
                throw new ChannelMembersUnavailableException(
                    "Slack answered the list of this channel's members in a loop, so JitBot could not read all of it. Try again in a few minutes.");
            cursor = page.NextCursor;
            Expect(page.Members.Count);
            yield return page.Members;
        }
        while (cursor is not null);
    }

    public async Task<bool> IsActivePersonAsync(string userId, CancellationToken cancellationToken)
    {
        if (userId == Slackbot || userId == await OwnUserIdAsync(cancellationToken)) return false;
        var now = time.GetUtcNow();
        if (people.TryGetValue(userId, out var cached) && now >= cached.At && now - cached.At < CacheFor) return cached.Active;
        if (workspace.Answer(userId) is { } known) return known;

        if (Expect(1) && !workspace.IsFresh)
        {
            try
            {
                await workspace.LoadAsync(cancellationToken);
            }
            catch (SlackApiException e)
            {
                logger.LogWarning("Slack could not list the workspace's users: {Error}", LogText.Safe(e.Error));
                throw Unavailable(e, "check who in this channel is a person");
            }
            if (workspace.Answer(userId) is { } listed) return listed;
        }

        bool active;
        try
        {
            active = IsPerson(await slack.Users.InfoAsync(userId, cancellationToken));
        }
        catch (SlackApiException e) when (e.Error is "user_not_found" or "user_not_visible")
        {
            active = false;
        }
        catch (SlackApiException e)
        {
            throw Unavailable(e, "check who in this channel is a person");
        }
        if (people.Count >= MaxCached) people.Clear();
        people[userId] = (now, active);
        return active;
    }

    /// <summary>Counts <paramref name="lookups"/> more expected in the current window; true once they reach <see cref="BulkAfter"/>.</summary>
    bool Expect(int lookups)
    {
        var now = time.GetUtcNow();
        lock (demandGate)
        {
            if (now < demand.Since || now - demand.Since >= DemandWindow) demand = (now, 0);
            demand.Lookups = (int)Math.Min(int.MaxValue, (long)demand.Lookups + lookups);
            return demand.Lookups >= BulkAfter;
        }
    }

    async Task<ConversationMembersPage> PageAsync(string channelId, string? cursor, CancellationToken cancellationToken)
    {
        try
        {
            return await slack.Conversations.MembersAsync(channelId, cursor, PageSize, cancellationToken);
        }
        catch (SlackApiException e)
        {
            logger.LogWarning("Slack could not list the members of channel {Channel}: {Error}", LogText.Safe(channelId), LogText.Safe(e.Error));
            throw Unavailable(e, "list this channel's members");
        }
    }

    /// <summary>JitBot's own user id (<c>auth.test</c>), asked once; null while Slack cannot say (<c>is_bot</c> still holds for it).</summary>
    async Task<string?> OwnUserIdAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref ownUserId) is { } known) return known;
        try
        {
            var identity = await slack.Auth.TestAsync(cancellationToken);
            Volatile.Write(ref ownUserId, identity.UserId);
            return identity.UserId;
        }
        catch (SlackApiException)
        {
            return null;
        }
    }

    static ChannelMembersUnavailableException Unavailable(SlackApiException e, string what) => new(e.Error switch
    {
        "channel_not_found" =>
            $"JitBot cannot see this channel, so it could not {what}. If the channel is private, invite JitBot to it (/invite @JitBot) and try again.",
        "not_in_channel" =>
            $"JitBot is not a member of this channel, so it could not {what}. Invite it (/invite @JitBot) and try again.",
        "missing_scope" or "not_allowed_token_type" =>
            $"JitBot's Slack app lacks the permission to {what} (scopes channels:read, groups:read and users:read). Ask a Slack admin to reinstall the app from the current manifest.",
        "invalid_auth" or "not_authed" or "token_revoked" or "token_expired" or "account_inactive" =>
            $"Slack does not accept JitBot's token, so it could not {what}. Tell the JitBot admins.",
        "rate_limited" or "ratelimited" =>
            $"Slack is rate limiting JitBot, so it could not {what} just now. Try again in a few minutes.",
        _ =>
            $"Slack did not answer when JitBot tried to {what} ({LogText.Safe(e.Error)}). Try again in a few minutes; if it keeps failing, tell the JitBot admins.",
    }, e);
}
