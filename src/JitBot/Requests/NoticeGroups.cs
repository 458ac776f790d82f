using JitBot.Storage;

namespace JitBot.Requests;

/// <summary>
/// Which notices are sent together. Several notices of one kind waiting at the same time in one person's direct
/// messages (<see cref="NoticeLanes.DirectMessages"/>) go out as one message: when 100 of someone's grants expire
/// within a minute, one message a second into their DMs (Slack's limit, which JitBot keeps) would make the last
/// arrive 100 seconds late; one message naming them all arrives at once. Only the "you have access" and the
/// "your access ended" messages are grouped (<see cref="NotificationKind.GrantStarted"/>,
/// <see cref="NotificationKind.GrantEnded"/>): in a person's lane each is that one DM and nothing else (no
/// approval message, no incident channel), and each is about one grant. A group is the lane's head and the
/// notices of the same kind queued right behind it (<see cref="IOutboxGroupStore.ClaimFollowingAsync"/>), at
/// most <see cref="MaxSize"/>; the rest go in the next message. Grouping is used only when a
/// <see cref="IGroupedGrantNotifier"/> is registered.
/// </summary>
public static class NoticeGroups
{
    /// <summary>The most notices in one group, and so lines in one message.</summary>
    public const int MaxSize = 50;

    /// <summary>Whether notices may be sent together with <paramref name="head"/>, the head of its lane.</summary>
    public static bool CanLead(OutboxMessage head) =>
        head.Kind is NotificationKind.GrantStarted or NotificationKind.GrantEnded && head.Lane.StartsWith('@');
}

/// <summary>One grant's notice in a group: the request and grant as they are at delivery.</summary>
public sealed record GrantNotice(AccessRequest Request, Grant Grant);

/// <summary>
/// Tells one person about several grants in one message (<see cref="NoticeGroups"/>). Like
/// <see cref="IAccessNotifier"/>, calls are made after the changes committed and may repeat: each grant whose
/// notice was already sent is left out, so a repeat sends nothing twice. Throws (or
/// <see cref="NoticeDeferredException"/>) to have the whole group tried again.
/// </summary>
public interface IGroupedGrantNotifier
{
    /// <summary>"You have access" for each grant still active; one that ended meanwhile is left out (see <see cref="IAccessNotifier.GrantStartedAsync"/>).</summary>
    Task GrantsStartedAsync(IReadOnlyList<GrantNotice> notices, CancellationToken cancellationToken);

    /// <summary>The end of each grant (expired or revoked).</summary>
    Task GrantsEndedAsync(IReadOnlyList<GrantNotice> notices, CancellationToken cancellationToken);
}
