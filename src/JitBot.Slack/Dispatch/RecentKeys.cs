using System.Collections.Concurrent;

namespace JitBot.Slack.Dispatch;

/// <summary>
/// Remembers keys seen recently (event ids, click ids) so that a redelivered payload is handled once. Memory
/// is bounded: keys older than <paramref name="keepFor"/> are forgotten, and at most <paramref name="capacity"/>
/// are kept. This is a first line only: state changes themselves must still be idempotent.
/// </summary>
public sealed class RecentKeys(TimeProvider time, TimeSpan keepFor, int capacity = 10_000)
{
    readonly ConcurrentDictionary<string, DateTimeOffset> seen = new(StringComparer.Ordinal);
    readonly ConcurrentQueue<(string Key, DateTimeOffset At)> order = new();

    /// <summary>True the first time a key is seen within the window; false for a repeat.</summary>
    public bool FirstTime(string key)
    {
        var now = time.GetUtcNow();
        Forget(now);
        if (seen.TryAdd(key, now))
        {
            order.Enqueue((key, now));
            return true;
        }
        if (seen.TryGetValue(key, out var at) && now - at > keepFor && seen.TryUpdate(key, now, at))
        {
            order.Enqueue((key, now));
            return true;
        }
        return false;
    }

    void Forget(DateTimeOffset now)
    {
        while (order.TryPeek(out var oldest) && (now - oldest.At > keepFor || order.Count > capacity))
        {
            if (!order.TryDequeue(out oldest)) break;
            seen.TryRemove(new KeyValuePair<string, DateTimeOffset>(oldest.Key, oldest.At));
        }
    }
}

/// <summary>The recently seen event ids and clicks, shared across requests.</summary>
public sealed class SlackDeduplication(TimeProvider time)
{
    public RecentKeys Events { get; } = new(time, TimeSpan.FromHours(1));
    public RecentKeys Clicks { get; } = new(time, TimeSpan.FromMinutes(30));
}
