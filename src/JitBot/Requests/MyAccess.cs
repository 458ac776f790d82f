using JitBot.Common;
using JitBot.Storage;
using Microsoft.Extensions.Logging;

namespace JitBot.Requests;

/// <summary>Up to a list's cap of items, and how many more there were (at least: the reads behind them are bounded).</summary>
public sealed record Capped<T>(IReadOnlyList<T> Items, int More)
{
    public static Capped<T> Of(IReadOnlyList<T> all, int cap) =>
        new(all.Count > cap ? all.Take(cap).ToList() : all, Math.Max(0, all.Count - cap));

    public bool IsEmpty => Items.Count == 0;
}

/// <summary>
/// Something of a person's that ended lately: a grant that expired, was revoked or failed (<see cref="Grant"/>), or a
/// request that ended without a grant, denied by the policy, rejected by an approver, timed out or failed.
/// <see cref="At"/> is when it ended.
/// </summary>
public sealed record RecentAccess(AccessRequest? Request, Grant? Grant, DateTimeOffset At)
{
    public string ResourceId => Grant?.ResourceId ?? Request?.ResourceId ?? "";
}

/// <summary>
/// What a person has and what waits for them, as <c>/access list</c> and the App Home show it:
/// <list type="bullet">
/// <item><see cref="Pending"/>: their requests waiting for approvers, oldest first;</item>
/// <item><see cref="Active"/>: their active grants, soonest ending first;</item>
/// <item><see cref="Recent"/>: what ended in the last <see cref="MyAccess.RecentWindow"/>, most recent first;</item>
/// <item><see cref="WaitingForMe"/>: other people's pending requests they may approve and have not voted on, oldest first.</item>
/// </list>
/// <see cref="ApproverGroupsUnknown"/> is true when their Slack user groups could not be read in time: the requests
/// waiting for a group they are in are then missing (those naming them directly are there).
/// </summary>
public sealed record MyAccessSnapshot(
    string UserId,
    DateTimeOffset Now,
    Capped<AccessRequest> Pending,
    Capped<Grant> Active,
    Capped<RecentAccess> Recent,
    Capped<AccessRequest> WaitingForMe,
    bool ApproverGroupsUnknown)
{
    public bool IsEmpty => Pending.IsEmpty && Active.IsEmpty && Recent.IsEmpty && WaitingForMe.IsEmpty;
}

/// <summary>The one place that works out what a person has and what waits for them (used by <c>/access list</c> and the App Home).</summary>
public interface IMyAccess
{
    Task<MyAccessSnapshot> ForAsync(string userId, CancellationToken cancellationToken);
}

/// <summary>
/// Reads a person's requests and grants and the pending requests they may approve, with bounded reads so that the
/// answer fits in Slack's 3-second acknowledgement: at most <see cref="ReadLimit"/> of their requests and of their
/// grants, and the oldest <see cref="PendingReadLimit"/> pending requests of everyone. Approver groups come from
/// <see cref="IGroupDirectory.GroupsOfAsync"/> (cached), given at most <see cref="GroupLookupBudget"/>; past it, or
/// when Slack cannot answer, the list is made without them and says so.
/// </summary>
public sealed class MyAccess(IRequestGrantStore store, IGroupDirectory directory, TimeProvider time, ILogger<MyAccess> logger) : IMyAccess
{
    /// <summary>How far back "recent" goes.</summary>
    public static readonly TimeSpan RecentWindow = TimeSpan.FromDays(7);

    /// <summary>The most items each list holds; the rest are counted in <see cref="Capped{T}.More"/>.</summary>
    public const int Cap = 20;

    public const int ReadLimit = 200;
    public const int PendingReadLimit = 500;

    /// <summary>How long the list waits for the person's Slack user groups before it is made without them.</summary>
    public static readonly TimeSpan GroupLookupBudget = TimeSpan.FromSeconds(1.5);

    public async Task<MyAccessSnapshot> ForAsync(string userId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var since = now - RecentWindow;
        var requests = await store.RequestsByRequesterAsync(userId, since, ReadLimit, cancellationToken).ConfigureAwait(false);
        var grants = await store.GrantsForUserAsync(userId, since, ReadLimit, cancellationToken).ConfigureAwait(false);
        var pending = await store.PendingRequestsAsync(PendingReadLimit, cancellationToken).ConfigureAwait(false);

        var mine = pending.Where(r => r.RequesterId == userId)
            .Concat(requests.Where(r => r.State == RequestState.Pending))
            .DistinctBy(r => r.Id)
            .OrderBy(r => r.CreatedAt).ThenBy(r => r.Id.Value, StringComparer.Ordinal)
            .ToList();
        var active = grants.Where(g => g.Grant.State == GrantState.Active).Select(g => g.Grant)
            .OrderBy(g => g.ExpiresAt).ThenBy(g => g.Id.Value, StringComparer.Ordinal)
            .ToList();
        var recent = Recent(requests, grants.Select(g => g.Grant), since);
        var (waiting, groupsUnknown) = await WaitingForAsync(userId, pending, cancellationToken).ConfigureAwait(false);

        return new MyAccessSnapshot(userId, now, Capped<AccessRequest>.Of(mine, Cap), Capped<Grant>.Of(active, Cap),
            Capped<RecentAccess>.Of(recent, Cap), Capped<AccessRequest>.Of(waiting, Cap), groupsUnknown);
    }

    /// <summary>Grants that ended since <paramref name="since"/>, and requests that ended without a grant; most recent first.</summary>
    static List<RecentAccess> Recent(IReadOnlyList<AccessRequest> requests, IEnumerable<Grant> grants, DateTimeOffset since)
    {
        var ended = grants.Where(g => g.State != GrantState.Active && (g.EndedAt ?? g.ExpiresAt) >= since)
            .Select(g => new RecentAccess(null, g, g.EndedAt ?? g.ExpiresAt))
            .ToList();
        var withGrant = ended.Select(e => e.Grant!.RequestId).ToHashSet();
        var closed = requests
            .Where(r => r.State is RequestState.Denied or RequestState.Rejected or RequestState.TimedOut or RequestState.Failed)
            .Where(r => !withGrant.Contains(r.Id))
            .Select(r => new RecentAccess(r, null, r.DecidedAt ?? r.CreatedAt));
        return ended.Concat(closed)
            .OrderByDescending(r => r.At).ThenBy(r => r.Grant?.Id.Value ?? r.Request!.Id.Value, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Whether the pending <paramref name="request"/> waits for <paramref name="userId"/>, who is in
    /// <paramref name="groupIds"/> (among <see cref="GroupsToAsk"/>): someone other than the requester, who has not
    /// voted on it and counts towards one of its requirements (<see cref="Policies.ApprovalRules.CountsFor"/>, the rule
    /// the click is checked with; once escalated, the escalation's approvers count too). The requester never counts,
    /// even where the policy names them.
    /// </summary>
    public static bool WaitsFor(AccessRequest request, string userId, IReadOnlyCollection<string> groupIds) =>
        request is { State: RequestState.Pending, Decision.Approval: { Requirements.Count: > 0 } plan }
        && request.RequesterId != userId
        && !request.Votes.Any(v => v.ApproverId == userId)
        && Policies.ApprovalRules.CountsFor(plan, request.RequesterId, userId, groupIds, ApprovalSchedule.Escalated(request)).Count > 0;

    /// <summary>The Slack user groups whose membership decides whether the request waits for <paramref name="userId"/>.</summary>
    public static IReadOnlyList<string> GroupsToAsk(AccessRequest request, string userId) =>
        request.Decision.Approval is { } plan ? Policies.ApprovalRules.GroupsToCheck(plan, request.RequesterId, userId, ApprovalSchedule.Escalated(request)) : [];

    /// <summary>Other people's pending requests that wait for <paramref name="userId"/> (<see cref="WaitsFor"/>), oldest first.</summary>
    async Task<(List<AccessRequest> Waiting, bool GroupsUnknown)> WaitingForAsync(string userId, IReadOnlyList<AccessRequest> pending,
        CancellationToken cancellationToken)
    {
        // Those that would wait for them if they were in every group that counts; then the groups are asked for.
        var candidates = pending.Where(r => WaitsFor(r, userId, GroupsToAsk(r, userId))).ToList();
        var groupIds = candidates.SelectMany(r => GroupsToAsk(r, userId)).Distinct(StringComparer.Ordinal).ToList();

        IReadOnlyCollection<string> groups = [];
        var unknown = false;
        if (groupIds.Count > 0)
        {
            try
            {
                groups = await directory.GroupsOfAsync(userId, groupIds, cancellationToken)
                    .WaitAsync(GroupLookupBudget, time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // Only a list: without the groups, requests waiting for a group are left out and the list says so.
                unknown = true;
                logger.LogWarning("Could not read the approver groups of {UserId} for their list ({Error}); listing without them",
                    LogText.Safe(userId), e is TimeoutException ? "no answer within " + GroupLookupBudget.TotalSeconds + " s" : e.GetType().Name);
            }
        }
        return (candidates.Where(r => WaitsFor(r, userId, groups)).ToList(), unknown);
    }
}
