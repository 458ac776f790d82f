namespace JitBot.Storage;

/// <summary>
/// Notices sent together: behind a lane head its claimer holds, the notices queued right after it in the same
/// lane and of the same kind, which may be sent as one message (<see cref="Requests.NoticeGroups"/>). The lane's
/// order is kept: a group is the head and an unbroken run behind it; the first notice that does not fit (another
/// kind, not due, held by a claim, or waiting for an older notice of its request in another lane) ends it, and
/// it and everything behind it wait for the group as they would for the head alone.
/// </summary>
public interface IOutboxGroupStore
{
    /// <summary>
    /// Claims for <paramref name="owner"/>, until <paramref name="now"/> + <paramref name="lease"/>, up to
    /// <paramref name="max"/> notices queued right behind <paramref name="head"/> in its lane, in order, each of
    /// the head's kind and due, stopping at the first that is not. Nothing when <paramref name="owner"/> does not
    /// hold the head's claim (its lease ran out, or it was marked). The notices claimed are marked like any other
    /// (<see cref="IOutboxStore.MarkDeliveredAsync"/>, <see cref="MarkAllDeliveredAsync"/>,
    /// <see cref="IOutboxStore.MarkDeliveryFailedAsync"/>).
    /// </summary>
    Task<IReadOnlyList<OutboxMessage>> ClaimFollowingAsync(OutboxMessage head, string owner, DateTimeOffset now, TimeSpan lease, int max,
        CancellationToken cancellationToken);

    /// <summary>
    /// Marks the claimed notices <paramref name="outboxIds"/> delivered in one write; those <paramref name="owner"/>
    /// does not hold are left as they are. Returns how many were marked.
    /// </summary>
    Task<int> MarkAllDeliveredAsync(IReadOnlyList<long> outboxIds, string owner, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Gives claimed notices back in one write, each with its own count of attempts and all due again at
    /// <paramref name="nextAttemptAt"/> (<see cref="IOutboxStore.MarkDeliveryFailedAsync"/> for several); those
    /// <paramref name="owner"/> does not hold are left as they are. Returns how many were given back.
    /// </summary>
    Task<int> MarkAllFailedAsync(IReadOnlyList<(long Id, int Attempts)> notices, string owner, DateTimeOffset nextAttemptAt, string error,
        CancellationToken cancellationToken);
}
