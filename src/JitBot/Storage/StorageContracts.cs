using JitBot.Audit;
using JitBot.Incidents;
using JitBot.Requests;

namespace JitBot.Storage;

/// <summary>
/// A grant as the store keeps it: the <see cref="Grant"/> everyone sees, plus what the provisioner and the
/// revoker need (which provider, the ledger key, when the provider confirmed it, how revocation has gone).
/// </summary>
public sealed record GrantRecord(
    Grant Grant,
    string ProviderType,
    string AccessKey,
    int RevokeAttempts = 0,
    DateTimeOffset? NextRevokeAt = null,
    string? LastError = null,
    DateTimeOffset? ProvisionedAt = null)
{
    /// <summary>How many times the grant was extended.</summary>
    public int Extensions { get; init; }

    /// <summary>The end the holder was last warned about (<see cref="Grants.ExpiryWarnings"/>); a warning is due again once the end moves.</summary>
    public DateTimeOffset? WarnedFor { get; init; }

    /// <summary>Who asked to end it early (Revoke now), if anyone: it then ends Revoked rather than Expired.</summary>
    public string? RevokedBy { get; init; }

    /// <summary>Why, when they said.</summary>
    public string? RevokeReason { get; init; }
}

/// <summary>
/// One approver's vote with the indexes of the <see cref="Policies.ApprovalPlan.Requirements"/> the approver
/// qualified for at the moment of the click.
/// </summary>
public sealed record VoteRecord(ApprovalVote Vote, IReadOnlyList<int> CountsFor);

/// <summary>What a notification in the outbox is about.</summary>
public enum NotificationKind
{
    ApprovalNeeded,
    ApprovalRecorded,
    RequestClosed,
    GrantStarted,
    GrantEnded,
    GrantFailed,
    /// <summary>A provider alert (<see cref="Requests.ProviderAlert"/> as JSON in the payload) for the team's and the admin channel.</summary>
    ProviderAlert,
    /// <summary>
    /// The answer to a slash command that was acknowledged with "still working on it" (<c>LateAnswer</c> as JSON
    /// in the payload). Queued outside a request's transaction with <see cref="IOutboxStore.EnqueueNoticeAsync"/>;
    /// its request id is a key of its own, so it waits for nothing but its lane.
    /// </summary>
    LateAnswer,
    /// <summary>
    /// The digest of an incident that ended, for its channel (the incident id in the payload). Queued with
    /// <see cref="IOutboxStore.EnqueueNoticeAsync"/> under a subject of its own (the incident id) in the channel's lane.
    /// </summary>
    IncidentDigest,
    /// <summary>A pending request's approvers were reminded: remind them in the approval thread, tell the requester.</summary>
    ApprovalReminder,
    /// <summary>A pending request was escalated: post it to the escalation's approvers with working buttons, tell the requester.</summary>
    ApprovalEscalated,
    /// <summary>The holder's warning that the grant ends soon, with Extend and Revoke-now buttons (the end warned about in the payload).</summary>
    GrantExpiring,
    /// <summary>The grant's end moved (the extension's request is the subject, the grant the grant id).</summary>
    GrantExtended,
    /// <summary>Someone ended the grant early: the holder, the one who did it, and the owning team's channel are told.</summary>
    GrantRevoked,
    /// <summary>The audit chain's head (<see cref="Audit.AuditCheckpoint"/> as JSON in the payload), for the admin channel.</summary>
    AuditAnchor,
    /// <summary>A policy version loaded or refused while the bot runs, for the admin channel (<c>Hosting.PolicyAnnouncement</c> as JSON in the payload).</summary>
    PolicyAnnouncement,
}

/// <summary>A notification waiting in the outbox (or being retried), as its claimer received it.</summary>
public sealed record OutboxMessage(
    long Id,
    NotificationKind Kind,
    RequestId RequestId,
    GrantId? GrantId,
    string? Payload,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset NextAttemptAt,
    string? LastError)
{
    /// <summary>The lane the notice travels in (<see cref="Requests.NoticeLanes"/>).</summary>
    public string Lane { get; init; } = "";
}

/// <summary>How far behind the outbox is: how many notices are undelivered, and when the oldest was queued.</summary>
public sealed record OutboxBacklog(int Undelivered, DateTimeOffset? OldestQueuedAt);

/// <summary>A pending request and the moment it stops waiting for approvers.</summary>
public sealed record PendingTimeout(RequestId RequestId, DateTimeOffset TimeoutAt);

/// <summary>
/// Requests (with their votes) and grants: reads outside a transaction, and every change inside an
/// <see cref="IAccessStoreTransaction"/> as a compare-and-swap on the current state.
/// </summary>
public interface IRequestGrantStore
{
    /// <summary>Starts a write transaction. Dispose without <c>CommitAsync</c> to roll back.</summary>
    Task<IAccessStoreTransaction> BeginAsync(CancellationToken cancellationToken);

    Task<AccessRequest?> FindRequestAsync(RequestId id, CancellationToken cancellationToken);

    Task<GrantRecord?> FindGrantAsync(GrantId id, CancellationToken cancellationToken);

    Task<GrantRecord?> FindGrantByRequestAsync(RequestId id, CancellationToken cancellationToken);

    /// <summary>Pending requests whose approval timeout is at or before <paramref name="now"/>.</summary>
    Task<IReadOnlyList<RequestId>> OverduePendingAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>Every pending request with its approval timeout, soonest first.</summary>
    Task<IReadOnlyList<PendingTimeout>> PendingTimeoutsAsync(CancellationToken cancellationToken);

    /// <summary>Active grants past expiry whose next revoke attempt is due.</summary>
    Task<IReadOnlyList<GrantId>> OverdueGrantsAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>Every active grant, soonest expiry first.</summary>
    Task<IReadOnlyList<GrantRecord>> ActiveGrantsAsync(CancellationToken cancellationToken);

    /// <summary>How many grants are active (the <c>jitbot.grants.active</c> gauge): an index count, no rows read.</summary>
    Task<int> ActiveGrantCountAsync(CancellationToken cancellationToken);

    /// <summary>Active, unexpired grants the provider never confirmed, granted at or before <paramref name="grantedBefore"/>.</summary>
    Task<IReadOnlyList<GrantId>> UnprovisionedGrantsAsync(DateTimeOffset grantedBefore, DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>The requests among <paramref name="ids"/> that exist, with their votes, in no particular order.</summary>
    Task<IReadOnlyList<AccessRequest>> FindRequestsAsync(IReadOnlyCollection<RequestId> ids, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the revocation lease of every active grant among <paramref name="ids"/> whose lease is free (never
    /// taken, given back, or run out), for <paramref name="owner"/> until <paramref name="now"/> +
    /// <paramref name="lease"/>, in one step; returns the grants it leased, as stored. A grant that is not active
    /// or whose lease another attempt still holds is left out. Whoever holds a grant's lease is the only one, in
    /// any replica, that asks the provider to revoke it.
    /// </summary>
    Task<IReadOnlyList<GrantRecord>> LeaseRevocationsAsync(IReadOnlyCollection<GrantId> ids, string owner, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Gives back the revocation leases <paramref name="owner"/> holds among <paramref name="ids"/>; the others are left alone.</summary>
    Task ReleaseRevocationsAsync(IReadOnlyCollection<GrantId> ids, string owner, CancellationToken cancellationToken);

    /// <summary>
    /// The grants whose id starts with <paramref name="idPrefix"/> (the <c>grt_</c> prefix included, e.g. "grt_p3n8"),
    /// at most <paramref name="max"/>, in id order (ordinal), whatever their state. A prefix with characters that
    /// cannot be in an id finds nothing.
    /// </summary>
    Task<IReadOnlyList<GrantRecord>> FindGrantsByIdPrefixAsync(string idPrefix, int max, CancellationToken cancellationToken);

    /// <summary>The requests (with their votes) whose id starts with <paramref name="idPrefix"/> (<c>req_</c> included), at most <paramref name="max"/>, in id order.</summary>
    Task<IReadOnlyList<AccessRequest>> FindRequestsByIdPrefixAsync(string idPrefix, int max, CancellationToken cancellationToken);

    /// <summary>The requests <paramref name="userId"/> made at or after <paramref name="since"/>, with their votes, newest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<AccessRequest>> RequestsByRequesterAsync(string userId, DateTimeOffset since, int max, CancellationToken cancellationToken);

    /// <summary>
    /// <paramref name="userId"/>'s grants that are active, and those that ended at or after <paramref name="since"/>,
    /// at most <paramref name="max"/>: the active ones first, soonest-ending first, then the ended ones, the most
    /// recently ended first (<see cref="UserGrantOrder"/>), so a limit never hides an active grant behind old ones.
    /// </summary>
    Task<IReadOnlyList<GrantRecord>> GrantsForUserAsync(string userId, DateTimeOffset since, int max, CancellationToken cancellationToken);

    /// <summary>Every pending request, with its votes, oldest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<AccessRequest>> PendingRequestsAsync(int max, CancellationToken cancellationToken);

    /// <summary>
    /// Active grants that end after <paramref name="now"/> and at or before <paramref name="by"/> whose holder was not
    /// warned about that end yet (<see cref="GrantRecord.WarnedFor"/>) and that last longer than <paramref name="longerThan"/> in
    /// all (a grant no longer than every warning window is never warned), soonest first, at most <paramref name="max"/>.
    /// </summary>
    Task<IReadOnlyList<GrantRecord>> UnwarnedGrantsEndingAsync(DateTimeOffset now, DateTimeOffset by, TimeSpan longerThan, int max, CancellationToken cancellationToken);
}

/// <summary>
/// Incidents, read outside a transaction; they change inside an <see cref="IAccessStoreTransaction"/>
/// (<see cref="IAccessStoreTransaction.TryInsertIncidentAsync"/>, <see cref="IAccessStoreTransaction.TryMoveIncidentAsync"/>).
/// </summary>
public interface IIncidentStore
{
    Task<Incident?> FindIncidentAsync(IncidentId id, CancellationToken cancellationToken);

    /// <summary>The channel's incident that has not ended (Open or Ending), if any: there is at most one.</summary>
    Task<Incident?> CurrentIncidentAsync(string channelId, CancellationToken cancellationToken);

    /// <summary>Incidents whose end is due: every Ending one, and every Open one whose maximum length is reached by <paramref name="now"/>.</summary>
    Task<IReadOnlyList<Incident>> IncidentsToEndAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Every request made under the incident, with its votes, oldest first.</summary>
    Task<IReadOnlyList<AccessRequest>> IncidentRequestsAsync(IncidentId id, CancellationToken cancellationToken);

    /// <summary>Every grant of a request made under the incident, whatever its state, oldest first.</summary>
    Task<IReadOnlyList<GrantRecord>> IncidentGrantsAsync(IncidentId id, CancellationToken cancellationToken);
}

/// <summary>
/// The notification outbox. Notices are queued inside the transaction of the change they announce
/// (<see cref="IAccessStoreTransaction.EnqueueAsync"/>) and delivered under a lease: a claimed notice belongs
/// to its claimer until it is marked or the lease runs out, so exactly one replica delivers it at a time.
/// </summary>
public interface IOutboxStore
{
    /// <summary>
    /// Claims up to <paramref name="max"/> undelivered notices that are due and not leased by anyone, in
    /// <see cref="OutboxOrder"/> (lanes holding ended access first, then the longest due) and returned in that
    /// order, for <paramref name="owner"/> until <paramref name="now"/> + <paramref name="lease"/>. A notice
    /// waits while an older notice in the same lane (<see cref="OutboxMessage.Lane"/>) or about the same request
    /// is undelivered (claimed or not), so each lane's and each request's notices arrive in the order they
    /// happened, across every replica, and a claim holds at most one notice per lane.
    /// </summary>
    Task<IReadOnlyList<OutboxMessage>> ClaimNotificationsAsync(string owner, DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken);

    /// <summary>Undelivered notifications, due or not.</summary>
    Task<int> UndeliveredCountAsync(CancellationToken cancellationToken);

    /// <summary>How many notices are undelivered (due or not) and when the oldest of them was queued.</summary>
    Task<OutboxBacklog> OutboxBacklogAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Queues a notice that belongs to no state change (a late answer to a slash command), in its own
    /// one-statement write, in <paramref name="lane"/>; it is delivered like any other notice.
    /// </summary>
    Task EnqueueNoticeAsync(NotificationKind kind, RequestId subject, string lane, string payload, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Marks a claimed notice delivered; false (and nothing changes) unless <paramref name="owner"/> holds its claim.</summary>
    Task<bool> MarkDeliveredAsync(long outboxId, string owner, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Records a failed delivery and releases the claim, so the notice is due again at
    /// <paramref name="nextAttemptAt"/>; false (and nothing changes) unless <paramref name="owner"/> holds its claim.
    /// </summary>
    Task<bool> MarkDeliveryFailedAsync(long outboxId, string owner, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken);
}

/// <summary>
/// The audit log as stored. Appends happen inside write transactions
/// (<see cref="IAccessStoreTransaction.AppendAuditAsync"/>) and are serialized by the store, so the hash chain
/// stays one line however many writers there are.
/// </summary>
public interface IAuditStore
{
    Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(long afterSeq, int max, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditRecord>> AuditForRequestAsync(string requestId, CancellationToken cancellationToken);

    /// <summary>The highest sequence number stored (0 for an empty log): where reading newest first starts.</summary>
    Task<long> LastAuditSeqAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The sequence number of the newest event stamped before <paramref name="at"/> (to the millisecond), 0 when there
    /// is none: found reading back from the log's end, so it costs the events stamped since then, not the log's length.
    /// Stamps are not quite in sequence order (an event is stamped when its work starts, stored when its transaction
    /// commits, and replicas' clocks differ), so reading after this finds every event from a time on only when asked
    /// for an earlier time: <see cref="Audit.AuditStart"/>.
    /// </summary>
    Task<long> AuditSeqBeforeAsync(DateTimeOffset at, CancellationToken cancellationToken);
}

/// <summary>Keys that count once within a window, across every replica (redelivered Slack clicks, for one).</summary>
public interface ISeenKeyStore
{
    /// <summary>
    /// True the first time <paramref name="key"/> is seen, and again once <paramref name="keepFor"/> has passed
    /// since it was last counted; false for a repeat inside the window.
    /// </summary>
    Task<bool> FirstSeenAsync(string key, DateTimeOffset now, TimeSpan keepFor, CancellationToken cancellationToken);
}

/// <summary>
/// The one seam between JitBot and its database, split by aggregate. LiteDB implements it for one process;
/// a server database implements the same contract for several replicas, which is why every guarantee that
/// crosses transactions is a compare-and-swap or a lease with an owner and an expiry, never an in-process lock.
/// <c>tests/JitBot.Tests/Storage/StoreContractTests.cs</c> states the contract; every implementation runs it.
/// </summary>
public interface IAccessStore : IRequestGrantStore, IIncidentStore, IOutboxStore, IOutboxGroupStore, IAuditStore, IMessageRefStore, ISeenKeyStore
{
    /// <summary>
    /// Creates the schema or brings it up to date, under a database-wide lock: safe to call more than once
    /// and from several processes at the same time.
    /// </summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Answers once the database can be reached and read; throws (<see cref="StorageUnavailableException"/> with
    /// its sentence) when it cannot. Readiness asks this.
    /// </summary>
    Task PingAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Returns once every transaction committed before the call would survive a power cut, not only a stopped
    /// process. <see cref="Grants.GrantProvisioner.ProvisionAsync"/> calls it before a provider acts on a grant row, so a power
    /// cut cannot leave access with no record.
    /// </summary>
    Task FlushAsync(CancellationToken cancellationToken);
}

/// <summary>A write transaction. Nothing is visible to others until <see cref="CommitAsync"/>.</summary>
public interface IAccessStoreTransaction : IAsyncDisposable
{
    /// <summary>
    /// Reads the request and locks it until this transaction ends: another transaction that reads the same
    /// request waits, so votes are counted on a request nobody else is changing.
    /// </summary>
    Task<AccessRequest?> FindRequestAsync(RequestId id, CancellationToken cancellationToken);

    Task<IReadOnlyList<VoteRecord>> VotesAsync(RequestId id, CancellationToken cancellationToken);

    Task InsertRequestAsync(AccessRequest request, DateTimeOffset? timeoutAt, CancellationToken cancellationToken);

    /// <summary>Moves a request from <paramref name="expected"/> to <paramref name="next"/>; false when it was not in <paramref name="expected"/>.</summary>
    Task<bool> TryMoveRequestAsync(RequestId id, RequestState expected, RequestState next, DateTimeOffset at, string? decidedBy, CancellationToken cancellationToken);

    /// <summary>
    /// Records that <paramref name="step"/> was taken for a pending request; false (and nothing changes) when the
    /// request is not pending or the step was recorded already. Of two replicas racing on one step, one wins, so
    /// the step's notice is queued once.
    /// </summary>
    Task<bool> TryMarkApprovalStepAsync(RequestId id, ApprovalStep step, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Stores the reason the approver gave for denying the request (<see cref="AccessRequest.DenialReason"/>).</summary>
    Task SetDenialReasonAsync(RequestId id, string reason, CancellationToken cancellationToken);

    /// <summary>Adds a vote; false when this approver already voted on this request.</summary>
    Task<bool> TryAddVoteAsync(RequestId id, VoteRecord vote, CancellationToken cancellationToken);

    Task InsertGrantAsync(GrantRecord grant, CancellationToken cancellationToken);

    Task<GrantRecord?> FindGrantAsync(GrantId id, CancellationToken cancellationToken);

    /// <summary>Moves a grant from <paramref name="expected"/> to <paramref name="next"/>; false when it was not in <paramref name="expected"/>.</summary>
    Task<bool> TryMoveGrantAsync(GrantId id, GrantState expected, GrantState next, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Moves every grant among <paramref name="ids"/> that is in <paramref name="expected"/> to <paramref name="next"/>, in
    /// one step; returns the ids that moved (the others are left alone).
    /// </summary>
    Task<IReadOnlyList<GrantId>> TryMoveGrantsAsync(IReadOnlyCollection<GrantId> ids, GrantState expected, GrantState next, DateTimeOffset at, CancellationToken cancellationToken);

    Task RecordRevokeFailureAsync(GrantId id, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken);

    /// <summary>
    /// Records that the provider carried the grant out, with <paramref name="audit"/> and a <paramref name="notice"/> to
    /// the grant's request — the first time only, and only while the grant is Active; otherwise writes nothing, so
    /// a resumed provisioning racing the original one is recorded, and told, once. Nothing in the transaction reads it
    /// back, so a store may write it with the commit (LiteDB does: the transaction then reaches its writer in one go).
    /// </summary>
    Task MarkProvisionedAsync(GrantId id, DateTimeOffset at, AuditEvent audit, NotificationKind notice, CancellationToken cancellationToken);

    /// <summary>Active grants for any of these accesses (the grant ledger), soonest expiry first.</summary>
    Task<IReadOnlyList<GrantRecord>> ActiveGrantsForKeysAsync(IReadOnlyCollection<string> accessKeys, CancellationToken cancellationToken);

    /// <summary>
    /// Queues a notification; it is delivered after commit. Its lane is the request's
    /// (<see cref="Requests.NoticeLanes.For"/>), read by the store without locking the request.
    /// </summary>
    Task EnqueueAsync(NotificationKind kind, RequestId requestId, GrantId? grantId, string? payload, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Stores a new incident; false (and nothing changes) when its channel already has an incident that has not
    /// ended. Of two racing inserts for one channel, in any replica, one wins.
    /// </summary>
    Task<bool> TryInsertIncidentAsync(Incident incident, CancellationToken cancellationToken);

    /// <summary>
    /// Moves an incident from <paramref name="expected"/> to <paramref name="next"/>; false when it was not in
    /// <paramref name="expected"/>. The first move away from Open records when, by whom and why it ended.
    /// </summary>
    Task<bool> TryMoveIncidentAsync(IncidentId id, IncidentState expected, IncidentState next, DateTimeOffset at, string? by, string? reason, CancellationToken cancellationToken);

    /// <summary>
    /// Brings the expiry of every active grant among <paramref name="ids"/> that expires after <paramref name="at"/>
    /// forward to <paramref name="at"/> (its incident ended); returns the ids changed. The revoker then finds them due.
    /// </summary>
    Task<IReadOnlyList<GrantId>> CutGrantsShortAsync(IReadOnlyCollection<GrantId> ids, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Moves an active grant's end from <paramref name="expectedExpiresAt"/> to <paramref name="newExpiresAt"/> and counts
    /// one more extension; false (and nothing changes) when it is not active, is being revoked, or its end is not
    /// <paramref name="expectedExpiresAt"/> any more (someone else moved it first).
    /// </summary>
    Task<bool> TryExtendGrantAsync(GrantId id, DateTimeOffset expectedExpiresAt, DateTimeOffset newExpiresAt, CancellationToken cancellationToken);

    /// <summary>
    /// Marks an active grant as revoked by <paramref name="by"/> (with <paramref name="reason"/>) and brings its end forward
    /// to <paramref name="at"/>, so the revoker finds it due and ends it Revoked; false (and nothing changes) when it is not
    /// active or someone already asked for it to be revoked.
    /// </summary>
    Task<bool> TryMarkRevokedByAsync(GrantId id, string by, string? reason, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>
    /// Records that the holder was warned about the end <paramref name="expiresAt"/>; false (and nothing changes) when the
    /// grant is not active, its end is not <paramref name="expiresAt"/> any more, or that end was warned about already.
    /// </summary>
    Task<bool> TryMarkWarnedAsync(GrantId id, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>
    /// Appends an event to the hash-chained audit log, after this transaction's earlier events. A store may write
    /// the events when the transaction commits (PostgreSQL does, so that the chain's head is locked only for the
    /// commit itself); they are in the log once <see cref="CommitAsync"/> returned.
    /// </summary>
    Task AppendAuditAsync(AuditEvent auditEvent, CancellationToken cancellationToken);

    /// <summary>Appends several events to the hash-chained audit log, one after the other in the given order.</summary>
    Task AppendAuditAsync(IReadOnlyList<AuditEvent> auditEvents, CancellationToken cancellationToken);

    Task CommitAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Wakes the notification dispatcher when something was enqueued and committed: a signal, not polling.
/// </summary>
public sealed class OutboxSignal
{
    readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            if (_signal.CurrentCount == 0) _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: one wake-up is enough.
        }
    }

    /// <summary>Waits for a signal or until <paramref name="timeout"/> passes (by <paramref name="time"/>).</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(timeout, time, cts.Token);
        var wake = _signal.WaitAsync(cts.Token);
        await Task.WhenAny(delay, wake).ConfigureAwait(false);
        cts.Cancel();
        try { await Task.WhenAll(delay, wake).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        // A wake that raced with the delay still counts: if the semaphore was taken, the caller runs now anyway.
        cancellationToken.ThrowIfCancellationRequested();
    }
}
