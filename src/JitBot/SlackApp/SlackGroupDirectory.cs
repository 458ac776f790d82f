using System.Collections.Concurrent;
using JitBot.Requests;
using JitBot.Slack.Api;

namespace JitBot.SlackApp;

/// <summary>
/// Slack user group membership through <c>usergroups.users.list</c> (rate tier 2). Lookups for a request's
/// tags are cached for <see cref="CacheFor"/>, fetched in parallel, and shared by concurrent requests; the
/// check at the moment an approver clicks never uses the cache. A group Slack does not know
/// (<c>no_such_subteam</c>, e.g. deleted) has no members. When Slack cannot answer at all, the call throws:
/// nobody gains or loses a group's tags, or becomes an approver, by accident.
/// </summary>
public sealed class SlackGroupDirectory(ISlackApiClient slack, TimeProvider time, ILogger<SlackGroupDirectory> logger) : IGroupDirectory
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(60);

    readonly ConcurrentDictionary<string, (DateTimeOffset At, Task<HashSet<string>> Members)> cache = new(StringComparer.Ordinal);

    public async Task<IReadOnlyCollection<string>> GroupsOfAsync(string userId, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
    {
        var ids = groupIds.Distinct(StringComparer.Ordinal).ToList();
        var members = await Task.WhenAll(ids.Select(CachedMembersAsync));
        return ids.Where((_, i) => members[i].Contains(userId)).ToList();
    }

    public async Task<bool> IsMemberNowAsync(string userId, string groupId, CancellationToken cancellationToken)
    {
        var members = await FetchAsync(groupId, cancellationToken);
        cache[groupId] = (time.GetUtcNow(), Task.FromResult(members));
        return members.Contains(userId);
    }

    async Task<HashSet<string>> CachedMembersAsync(string groupId)
    {
        var now = time.GetUtcNow();
        var entry = cache.AddOrUpdate(groupId,
            _ => (now, FetchAsync(groupId, CancellationToken.None)),
            (_, old) => Fresh(old, now) ? old : (now, FetchAsync(groupId, CancellationToken.None)));
        try
        {
            return await entry.Members;
        }
        catch
        {
            cache.TryRemove(new KeyValuePair<string, (DateTimeOffset, Task<HashSet<string>>)>(groupId, entry));
            throw;
        }
    }

    static bool Fresh((DateTimeOffset At, Task<HashSet<string>> Members) entry, DateTimeOffset now) =>
        !entry.Members.IsFaulted && !entry.Members.IsCanceled && now >= entry.At && now - entry.At < CacheFor;

    async Task<HashSet<string>> FetchAsync(string groupId, CancellationToken cancellationToken)
    {
        try
        {
            return (await slack.UserGroups.UsersListAsync(groupId, cancellationToken)).ToHashSet(StringComparer.Ordinal);
        }
        catch (SlackApiException e) when (e.Error == "no_such_subteam")
        {
            logger.LogWarning("Slack has no user group {GroupId}; it counts as empty. Fix the group id in the policy.", groupId);
            return [];
        }
        catch (SlackApiException e)
        {
            logger.LogError("Slack could not list the members of user group {GroupId}: {Error}. Check the group id in the policy and the usergroups:read scope.",
                groupId, e.Error);
            throw;
        }
    }
}
