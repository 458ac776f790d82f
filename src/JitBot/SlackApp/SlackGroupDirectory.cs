using System.Collections.Concurrent;
using JitBot.Requests;
using JitBot.Slack.Api;

namespace JitBot.SlackApp;

/// <summary>
/// Slack user group membership through <c>usergroups.users.list</c> (rate tier 2). Lookups for a request's
/// tags are cached for <see cref="CacheFor"/>; the check at the moment an approver clicks never uses the cache.
/// When Slack cannot answer, the call throws: nobody is treated as a member by accident.
/// </summary>
public sealed class SlackGroupDirectory(ISlackApiClient slack, TimeProvider time) : IGroupDirectory
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(60);

    readonly ConcurrentDictionary<string, (DateTimeOffset At, HashSet<string> Members)> cache = new(StringComparer.Ordinal);

    public async Task<IReadOnlyCollection<string>> GroupsOfAsync(string userId, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken)
    {
        var groups = new List<string>();
        foreach (var groupId in groupIds.Distinct(StringComparer.Ordinal))
        {
            var members = await CachedMembersAsync(groupId, cancellationToken);
            if (members.Contains(userId)) groups.Add(groupId);
        }
        return groups;
    }

    public async Task<bool> IsMemberNowAsync(string userId, string groupId, CancellationToken cancellationToken)
    {
        var members = await slack.UserGroups.UsersListAsync(groupId, cancellationToken);
        var set = members.ToHashSet(StringComparer.Ordinal);
        cache[groupId] = (time.GetUtcNow(), set);
        return set.Contains(userId);
    }

    async Task<HashSet<string>> CachedMembersAsync(string groupId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (cache.TryGetValue(groupId, out var entry) && now - entry.At < CacheFor && now >= entry.At) return entry.Members;
        var members = (await slack.UserGroups.UsersListAsync(groupId, cancellationToken)).ToHashSet(StringComparer.Ordinal);
        cache[groupId] = (now, members);
        return members;
    }
}
