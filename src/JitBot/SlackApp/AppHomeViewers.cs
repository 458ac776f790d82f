using System.Collections.Concurrent;
using JitBot.Requests;

namespace JitBot.SlackApp;

/// <summary>
/// Who opened the App Home in this process lately, and which requests their page showed as waiting for them: the
/// people whose page is refreshed when something of theirs changes (<see cref="AppHomeRefresher"/>). In memory only:
/// a person whose page was published by another replica, or before a restart, is not refreshed, and gets a fresh
/// page when they next open it (Slack sends <c>app_home_opened</c> every time). Someone is forgotten
/// <see cref="Keep"/> after they last opened it, and at most <see cref="MaxViewers"/> are kept (the longest unseen go first).
/// </summary>
public sealed class AppHomeViewers(TimeProvider time)
{
    public static readonly TimeSpan Keep = TimeSpan.FromHours(24);
    public const int MaxViewers = 10_000;

    sealed record Viewer(DateTimeOffset OpenedAt, IReadOnlySet<RequestId> Waiting);

    readonly ConcurrentDictionary<string, Viewer> viewers = new(StringComparer.Ordinal);

    /// <summary>The person opened their App Home now.</summary>
    public void Opened(string userId)
    {
        var now = time.GetUtcNow();
        viewers.AddOrUpdate(userId, _ => new Viewer(now, new HashSet<RequestId>()), (_, v) => v with { OpenedAt = now });
        if (viewers.Count > MaxViewers) Trim(now);
    }

    /// <summary>What the page published for <paramref name="userId"/> showed as waiting for them.</summary>
    public void Published(string userId, IEnumerable<RequestId> waiting)
    {
        var shown = waiting.ToHashSet();
        // Only for someone still remembered: a publish never makes a viewer of someone forgotten meanwhile.
        while (viewers.TryGetValue(userId, out var viewer) && !viewers.TryUpdate(userId, viewer with { Waiting = shown }, viewer))
        {
        }
    }

    public bool IsViewing(string userId) =>
        viewers.TryGetValue(userId, out var v) && time.GetUtcNow() - v.OpenedAt < Keep;

    /// <summary>Everyone viewing now, with the requests their page showed as waiting for them.</summary>
    public IReadOnlyList<(string UserId, IReadOnlySet<RequestId> Waiting)> Current()
    {
        var now = time.GetUtcNow();
        return viewers.Where(v => now - v.Value.OpenedAt < Keep).Select(v => (v.Key, v.Value.Waiting)).ToList();
    }

    void Trim(DateTimeOffset now)
    {
        foreach (var old in viewers.Where(v => now - v.Value.OpenedAt >= Keep).Select(v => v.Key).ToList()) viewers.TryRemove(old, out _);
        var over = viewers.Count - MaxViewers;
        if (over <= 0) return;
        foreach (var oldest in viewers.OrderBy(v => v.Value.OpenedAt).Take(over).Select(v => v.Key).ToList()) viewers.TryRemove(oldest, out _);
    }
}
