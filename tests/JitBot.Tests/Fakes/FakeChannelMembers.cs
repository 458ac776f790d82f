using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using JitBot.Incidents;

namespace JitBot.Tests.Fakes;

/// <summary>Channel members as a test lays them out: pages of member ids per channel, and the ids that are not active people.</summary>
public sealed class FakeChannelMembers : IChannelMembers
{
    public Dictionary<string, List<string[]>> Pages { get; } = new(StringComparer.Ordinal);
    public HashSet<string> NotPeople { get; } = new(StringComparer.Ordinal);
    public ConcurrentQueue<string> AskedWhetherPerson { get; } = new();

    public async IAsyncEnumerable<IReadOnlyList<string>> MemberPagesAsync(string channelId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var page in Pages.GetValueOrDefault(channelId) ?? [])
        {
            await Task.Yield();
            yield return page;
        }
    }

    public Task<bool> IsActivePersonAsync(string userId, CancellationToken cancellationToken)
    {
        AskedWhetherPerson.Enqueue(userId);
        return Task.FromResult(!NotPeople.Contains(userId));
    }
}
