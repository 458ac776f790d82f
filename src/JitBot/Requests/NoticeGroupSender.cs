using JitBot.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JitBot.Requests;

/// <summary>
/// Sends a group of notices (<see cref="NoticeGroups"/>) through <see cref="IGroupedGrantNotifier"/> as one message,
/// for the <see cref="NotificationDispatcher"/>: reads each notice's request and grant as they are now, hands them
/// over together, and marks every notice of the group delivered in one write once the notifier returned. What the
/// notifier throws is thrown on, and the dispatcher gives the whole group back (failed or deferred), so the group
/// is tried again as one, in its place in the lane.
/// </summary>
internal sealed class NoticeGroupSender(IAccessStore store, string owner, TimeProvider time, ILogger logger)
{
    /// <summary>Sends <paramref name="group"/> (a lane head and the notices claimed behind it) and marks it delivered.</summary>
    public async Task SendAsync(IServiceProvider services, IReadOnlyList<OutboxMessage> group, CancellationToken cancellationToken)
    {
        var notifier = services.GetService<IGroupedGrantNotifier>()
                       ?? throw new InvalidOperationException("No IGroupedGrantNotifier is registered, so grouped notices cannot be sent.");
        var notices = new List<GrantNotice>(group.Count);
        foreach (var message in group)
        {
            if (await store.FindRequestAsync(message.RequestId, cancellationToken).ConfigureAwait(false) is not { } request)
            {
                // As for a notice alone: one about a request that does not exist is dropped, with the rest of the group sent.
                logger.LogError("Notification {OutboxId} ({Kind}) is about request {RequestId}, which does not exist; dropping it",
                    message.Id, message.Kind, message.RequestId);
                continue;
            }
            var grant = message.GrantId is { } gid
                ? await store.FindGrantAsync(gid, cancellationToken).ConfigureAwait(false)
                : await store.FindGrantByRequestAsync(message.RequestId, cancellationToken).ConfigureAwait(false);
            notices.Add(new GrantNotice(request, grant?.Grant ?? throw new InvalidOperationException($"Notification {message.Id} names a grant that does not exist.")));
        }
        if (notices.Count > 0)
        {
            var sending = group[0].Kind switch
            {
                NotificationKind.GrantStarted => notifier.GrantsStartedAsync(notices, cancellationToken),
                NotificationKind.GrantEnded => notifier.GrantsEndedAsync(notices, cancellationToken),
                var kind => throw new InvalidOperationException($"Notices of kind {kind} are not sent in groups."),
            };
            await sending.ConfigureAwait(false);
        }
        var marked = await store.MarkAllDeliveredAsync(group.Select(m => m.Id).ToList(), owner, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        if (marked < group.Count)
            logger.LogWarning("Only {Marked} of the {Count} notices sent together from {OutboxId} could be marked delivered (their claims ran out); the others may be sent again",
                marked, group.Count, group[0].Id);
        logger.LogDebug("Sent {Count} notices ({Kind}) in lane {Lane} as one message, from {OutboxId}", group.Count, group[0].Kind, group[0].Lane, group[0].Id);
    }
}
