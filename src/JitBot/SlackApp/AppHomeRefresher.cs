using JitBot.Common;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Storage;

namespace JitBot.SlackApp;

/// <summary>
/// Publishes App Home tabs (<c>views.publish</c>, <see cref="AppHomeView"/>): when someone opens theirs
/// (<see cref="AppHomeOpenedHandler"/>), and again after a notice about a request or grant was delivered, for the
/// people it concerns who have their App Home open in this process (<see cref="AppHomeViewers"/>): the requester,
/// the viewers whose page showed the request as waiting for them (it may have been decided), and, while it is
/// pending, the viewers who may approve it (it may be new to them). At most <see cref="MaxPerNotice"/> pages a notice.
/// One person's pages are built and published one at a time, so the last page published shows the latest state.
/// A page that cannot be published is logged and left; it is published again when the person next opens it.
/// </summary>
public sealed class AppHomeRefresher(
    ISlackApiClient slack,
    IMyAccess myAccess,
    AppHomeViewers viewers,
    IAccessStore store,
    IGroupDirectory directory,
    IPolicySource policies,
    ILogger<AppHomeRefresher> logger) : IAppHomeRefresher
{
    /// <summary>The most App Home pages one notice refreshes.</summary>
    public const int MaxPerNotice = 100;

    /// <summary>One person's pages go out one at a time: a fixed set of turns shared by hash, so memory stays bounded.</summary>
    readonly SemaphoreSlim[] turns = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    /// <summary>Someone opened their App Home: remember them and publish their page.</summary>
    public Task OpenedAsync(string userId, CancellationToken cancellationToken)
    {
        viewers.Opened(userId);
        return PublishAsync(userId, cancellationToken);
    }

    public Task RefreshAsync(string userId, CancellationToken cancellationToken) =>
        viewers.IsViewing(userId) ? PublishAsync(userId, cancellationToken) : Task.CompletedTask;

    public async Task RefreshForRequestAsync(RequestId requestId, CancellationToken cancellationToken)
    {
        var current = viewers.Current();
        if (current.Count == 0) return;
        try
        {
            if (await store.FindRequestAsync(requestId, cancellationToken) is not { } request) return;
            foreach (var userId in await ConcernedAsync(request, current, cancellationToken))
                await PublishAsync(userId, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Could not work out whose App Home shows request {RequestId}; those pages are refreshed when next opened", requestId);
        }
    }

    /// <summary>The viewers whose page shows the request, or should now: requester first, then approvers.</summary>
    async Task<List<string>> ConcernedAsync(AccessRequest request, IReadOnlyList<(string UserId, IReadOnlySet<RequestId> Waiting)> current,
        CancellationToken cancellationToken)
    {
        var concerned = new List<string>();
        if (current.Any(v => v.UserId == request.RequesterId)) concerned.Add(request.RequesterId);
        foreach (var (userId, waiting) in current)
        {
            if (concerned.Count >= MaxPerNotice) break;
            if (userId == request.RequesterId) continue;
            if (waiting.Contains(request.Id) || await MayApproveAsync(request, userId, cancellationToken))
                concerned.Add(userId);
        }
        return concerned;
    }

    /// <summary>Whether the request would wait for <paramref name="userId"/> (<see cref="MyAccess.WaitsFor"/>, with the cached groups).</summary>
    async Task<bool> MayApproveAsync(AccessRequest request, string userId, CancellationToken cancellationToken)
    {
        var groupIds = MyAccess.GroupsToAsk(request, userId);
        if (!MyAccess.WaitsFor(request, userId, groupIds)) return false;
        var groups = groupIds.Count == 0 ? [] : await directory.GroupsOfAsync(userId, groupIds, cancellationToken);
        return MyAccess.WaitsFor(request, userId, groups);
    }

    TimeSpan ExtendStep(string resourceId) => Grants.ExtensionRules.DefaultStep(policies.Current.FindResource(resourceId));

    /// <summary>Builds <paramref name="userId"/>'s page from what is stored now and publishes it; failures are logged, never thrown.</summary>
    async Task PublishAsync(string userId, CancellationToken cancellationToken)
    {
        var turn = turns[(int)((uint)StringComparer.Ordinal.GetHashCode(userId) % (uint)turns.Length)];
        await turn.WaitAsync(cancellationToken);
        try
        {
            var snapshot = await myAccess.ForAsync(userId, cancellationToken);
            // Not held up by Slack's limits: a page Slack slows down is published when it is next opened.
            using (SlackApiClient.WithoutWaiting())
                await slack.ViewsPublishAsync(userId, AppHomeView.Build(snapshot, ExtendStep), cancellationToken);
            viewers.Published(userId, snapshot.WaitingForMe.Items.Select(r => r.Id));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Could not publish the App Home of {UserId}: {Error}. It is published again when they next open it.",
                LogText.Safe(userId), LogText.Safe(e is SlackApiException s ? s.Error : e.GetType().Name + ": " + e.Message));
        }
        finally
        {
            turn.Release();
        }
    }
}
