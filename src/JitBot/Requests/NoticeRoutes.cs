using JitBot.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JitBot.Requests;

/// <summary>What a deliverer gets: the delivery's scope, the store, the notice, and the dispatcher's log.</summary>
public readonly record struct NoticeDelivery(IServiceProvider Services, IAccessStore Store, OutboxMessage Message, ILogger Logger);

/// <summary>
/// How one <see cref="NotificationKind"/> goes out. <see cref="Deliver"/> returns false when the notice was
/// dropped instead (what it is about no longer exists): it is then marked delivered without refreshing App Home.
/// <see cref="RefreshesAppHome"/>: after it was delivered, the App Home pages that show its request are brought
/// up to date (<see cref="IAppHomeRefresher"/>).
/// </summary>
public sealed record NoticeRoute(Func<NoticeDelivery, CancellationToken, Task<bool>> Deliver, bool RefreshesAppHome);

/// <summary>
/// Every <see cref="NotificationKind"/>, its deliverer and whether it refreshes App Home, in one place: a new kind
/// is one line here (a unit test fails for a kind that has none).
/// </summary>
public static class NoticeRoutes
{
    public static readonly IReadOnlyDictionary<NotificationKind, NoticeRoute> All = new Dictionary<NotificationKind, NoticeRoute>
    {
        [NotificationKind.ApprovalNeeded] = Request((n, r, _, ct) => n.ApprovalNeededAsync(r, ct)),
        [NotificationKind.ApprovalRecorded] = Request((n, r, d, ct) => n.ApprovalRecordedAsync(r, Payload<ApprovalVote>(d.Message, "vote"), ct)),
        [NotificationKind.RequestClosed] = Request((n, r, _, ct) => n.RequestClosedAsync(r, ct)),
        [NotificationKind.GrantStarted] = Request(async (n, r, d, ct) => await n.GrantStartedAsync(r, await GrantOfAsync(d, ct).ConfigureAwait(false), ct).ConfigureAwait(false)),
        [NotificationKind.GrantEnded] = Request(async (n, r, d, ct) => await n.GrantEndedAsync(r, await GrantOfAsync(d, ct).ConfigureAwait(false), ct).ConfigureAwait(false)),
        [NotificationKind.GrantFailed] = Request((n, r, d, ct) => n.GrantFailedAsync(r, d.Message.Payload ?? "The grant failed.", ct)),
        [NotificationKind.ProviderAlert] = Request((_, r, d, ct) =>
            Service<IProviderAlerts>(d, "provider alerts cannot be sent").AlertAsync(r, Payload<ProviderAlert>(d.Message, "alert"), ct)),
        [NotificationKind.LateAnswer] = Other<ILateAnswers>("late answers cannot be sent", (s, m, ct) => s.SendAsync(m.Payload ?? "", m.CreatedAt, ct)),
        [NotificationKind.IncidentDigest] = Other<Incidents.IIncidentDigests>("incident digests cannot be sent", (s, m, ct) => s.SendAsync(new Incidents.IncidentId(m.Payload ?? ""), ct)),
        [NotificationKind.ApprovalReminder] = Request((n, r, _, ct) => n.ApprovalReminderAsync(r, ct)),
        [NotificationKind.ApprovalEscalated] = Request((n, r, _, ct) => n.ApprovalEscalatedAsync(r, ct)),
        [NotificationKind.GrantExpiring] = GrantNotice(),
        [NotificationKind.GrantExtended] = GrantNotice(),
        [NotificationKind.GrantRevoked] = GrantNotice(),
        [NotificationKind.AuditAnchor] = Other<Audit.IAuditAnchorNotices>("audit anchors cannot be posted", (s, m, ct) => s.SendAsync(m.Payload ?? "", ct)),
        [NotificationKind.PolicyAnnouncement] = Other<Hosting.IPolicyAnnouncements>("policy announcements cannot be sent", (s, m, ct) => s.SendAsync(m.RequestId.Value, m.Payload ?? "", ct)),
    };

    /// <summary>The route of <paramref name="kind"/>; throws for a kind that has none.</summary>
    public static NoticeRoute For(NotificationKind kind) =>
        All.TryGetValue(kind, out var route) ? route : throw new InvalidOperationException($"Unknown notification kind {kind}.");

    /// <summary>A notice about a request, through <see cref="IAccessNotifier"/>; dropped when the request does not exist.</summary>
    static NoticeRoute Request(Func<IAccessNotifier, AccessRequest, NoticeDelivery, CancellationToken, Task> send) =>
        new(async (d, ct) =>
        {
            var notifier = Service<IAccessNotifier>(d, "notices cannot be sent");
            var request = await d.Store.FindRequestAsync(d.Message.RequestId, ct).ConfigureAwait(false);
            if (request is null)
            {
                d.Logger.LogError("Notification {OutboxId} ({Kind}) is about request {RequestId}, which does not exist; dropping it", d.Message.Id, d.Message.Kind, d.Message.RequestId);
                return false;
            }
            await send(notifier, request, d, ct).ConfigureAwait(false);
            return true;
        }, RefreshesAppHome: true);

    /// <summary>A grant notice (<see cref="Grants.GrantNotices"/>); one whose request or grant is gone is logged and counts as delivered.</summary>
    static NoticeRoute GrantNotice() =>
        new(async (d, ct) =>
        {
            if (!await Grants.GrantNotices.DeliverAsync(d.Services, d.Store, d.Message, ct).ConfigureAwait(false))
                d.Logger.LogInformation("Notification {OutboxId} ({Kind}) is about a grant or request that does not exist; dropped", d.Message.Id, d.Message.Kind);
            return true;
        }, RefreshesAppHome: true);

    /// <summary>A notice that is not about a request's state (no App Home to refresh), sent by its own service.</summary>
    static NoticeRoute Other<TService>(string cannot, Func<TService, OutboxMessage, CancellationToken, Task> send) where TService : notnull =>
        new(async (d, ct) =>
        {
            await send(Service<TService>(d, cannot), d.Message, ct).ConfigureAwait(false);
            return true;
        }, RefreshesAppHome: false);

    static TService Service<TService>(NoticeDelivery d, string cannot) where TService : notnull =>
        d.Services.GetService<TService>() ?? throw new InvalidOperationException($"No {typeof(TService).Name} is registered, so {cannot}.");

    static T Payload<T>(OutboxMessage message, string what) where T : class =>
        System.Text.Json.JsonSerializer.Deserialize<T>(message.Payload ?? "null", DecisionJson.Options)
        ?? throw new InvalidOperationException($"Notification {message.Id} has no {what}.");

    static async Task<Grant> GrantOfAsync(NoticeDelivery d, CancellationToken cancellationToken)
    {
        var record = d.Message.GrantId is { } gid
            ? await d.Store.FindGrantAsync(gid, cancellationToken).ConfigureAwait(false)
            : await d.Store.FindGrantByRequestAsync(d.Message.RequestId, cancellationToken).ConfigureAwait(false);
        return record?.Grant ?? throw new InvalidOperationException($"Notification {d.Message.Id} names a grant that does not exist.");
    }
}
