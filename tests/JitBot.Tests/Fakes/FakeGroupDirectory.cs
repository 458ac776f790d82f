using System.Collections.Concurrent;
using JitBot.Requests;

namespace JitBot.Tests.Fakes;

/// <summary>Group membership a test can change between calls.</summary>
public sealed class FakeGroupDirectory : IGroupDirectory
{
    readonly ConcurrentDictionary<string, ConcurrentDictionary<string, bool>> _members = new();
    int _liveChecks;

    public int LiveChecks => _liveChecks;
    public bool FailLiveChecks { get; set; }

    public FakeGroupDirectory Add(string groupId, params string[] userIds)
    {
        var set = _members.GetOrAdd(groupId, _ => new());
        foreach (var u in userIds) set[u] = true;
        return this;
    }

    public FakeGroupDirectory Remove(string groupId, string userId)
    {
        if (_members.TryGetValue(groupId, out var set)) set.TryRemove(userId, out _);
        return this;
    }

    bool IsMember(string userId, string groupId) => _members.TryGetValue(groupId, out var set) && set.ContainsKey(userId);

    public Task<IReadOnlyCollection<string>> GroupsOfAsync(string userId, IReadOnlyCollection<string> groupIds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyCollection<string>>(groupIds.Where(g => IsMember(userId, g)).ToList());

    public async Task<bool> IsMemberNowAsync(string userId, string groupId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _liveChecks);
        await Task.Yield();
        if (FailLiveChecks) throw new HttpRequestException("Slack is unreachable.");
        return IsMember(userId, groupId);
    }
}
