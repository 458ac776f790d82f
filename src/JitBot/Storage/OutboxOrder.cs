namespace JitBot.Storage;

/// <summary>
/// The order in which every store hands out due notices (<see cref="IOutboxStore.ClaimNotificationsAsync"/>):
/// <list type="number">
/// <item>Only a lane's head may go: the oldest undelivered notice of its lane, and of its request
///   (<see cref="Requests.NoticeLanes"/>); a lane's notices therefore always go in the order they happened.</item>
/// <item>Lanes that hold a notice about ended access (<see cref="EndedAccess"/>: a grant expired, was revoked or
///   ended early) go first: their heads are claimed before any other lane's, whatever is queued ahead of that
///   notice in its lane (which goes first, in its order). Someone whose access just ended hears it before anyone
///   hears of anything less pressing, such as the late answers a restart finds queued.</item>
/// <item>Within each of the two, the head due longest first (when it may next go: when it was queued, its next
///   attempt after a failure or a deferral, or the end of a claim that ran out), then the oldest.</item>
/// </list>
/// Nothing else waits for long behind ended access: a lane holds at most one claim, a deferred notice (Slack's
/// per-channel limit) leaves the due notices until Slack allows it, and the notices about ended access of a person
/// go out together (<see cref="Requests.NoticeGroups"/>), so other lanes wait only while at least as many lanes
/// with ended access are due as there are senders — the time to send what is due about ended access, not longer.
/// </summary>
public static class OutboxOrder
{
    /// <summary>The kinds of notice about ended access, whose lanes are claimed first.</summary>
    public static readonly IReadOnlySet<NotificationKind> EndedAccess = new HashSet<NotificationKind>
    {
        NotificationKind.GrantEnded,
        NotificationKind.GrantRevoked,
    };

    /// <summary>Whether a notice of <paramref name="kind"/> is about ended access.</summary>
    public static bool IsEndedAccess(NotificationKind kind) => EndedAccess.Contains(kind);

    /// <summary>Whether a notice whose kind is stored as <paramref name="kind"/> (its name) is about ended access.</summary>
    public static bool IsEndedAccess(string kind) => Enum.TryParse<NotificationKind>(kind, out var parsed) && IsEndedAccess(parsed);
}
