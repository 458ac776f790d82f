using JitBot.Audit;
using JitBot.Requests;

namespace JitBot.Storage;

/// <summary>Settings under <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";
    public const string DefaultConnectionString = "Data Source=data/jitbot.db";

    /// <summary><c>Storage:ConnectionString</c>; a SQLite connection string. The folder is created if missing.</summary>
    public string ConnectionString { get; set; } = DefaultConnectionString;

    /// <summary>
    /// <c>Storage:DurableCommits</c>. False (the default): SQLite's <c>synchronous = NORMAL</c> in WAL mode —
    /// a committed change survives a crash of the process, and a power cut may lose the last few commits.
    /// True: <c>synchronous = FULL</c> — every commit is on disk before it returns, at several milliseconds
    /// per commit.
    /// </summary>
    public bool DurableCommits { get; set; }
}

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
    DateTimeOffset? ProvisionedAt = null);

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
}

/// <summary>A notification waiting in the outbox (or being retried).</summary>
public sealed record OutboxMessage(
    long Id,
    NotificationKind Kind,
    RequestId RequestId,
    GrantId? GrantId,
    string? Payload,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset NextAttemptAt,
    string? LastError);

/// <summary>
/// The one seam between JitBot and its database. SQLite implements it today; a PostgreSQL implementation
/// fills the same contract. Every state change happens inside an <see cref="IAccessStoreTransaction"/> and
/// is a compare-and-swap on the current state.
/// </summary>
public interface IAccessStore
{
    /// <summary>Creates the schema or brings it up to date. Safe to call more than once.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>Starts a write transaction. Dispose without <c>CommitAsync</c> to roll back.</summary>
    Task<IAccessStoreTransaction> BeginAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Starts a write transaction whose commit is on disk before it returns, whatever
    /// <see cref="StorageOptions.DurableCommits"/> says. Used where a provider acts on what was committed
    /// (a grant row written before the provider grants), so a power cut cannot leave access with no record.
    /// </summary>
    Task<IAccessStoreTransaction> BeginDurableAsync(CancellationToken cancellationToken) => BeginAsync(cancellationToken);

    Task<AccessRequest?> FindRequestAsync(RequestId id, CancellationToken cancellationToken);

    Task<GrantRecord?> FindGrantAsync(GrantId id, CancellationToken cancellationToken);

    Task<GrantRecord?> FindGrantByRequestAsync(RequestId id, CancellationToken cancellationToken);

    /// <summary>Pending requests whose approval timeout is at or before <paramref name="now"/>.</summary>
    Task<IReadOnlyList<RequestId>> OverduePendingAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>Active grants past expiry whose next revoke attempt is due.</summary>
    Task<IReadOnlyList<GrantId>> OverdueGrantsAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    Task<IReadOnlyList<GrantRecord>> ActiveGrantsAsync(CancellationToken cancellationToken);

    /// <summary>Active, unexpired grants the provider never confirmed, granted at or before <paramref name="grantedBefore"/>.</summary>
    Task<IReadOnlyList<GrantId>> UnprovisionedGrantsAsync(DateTimeOffset grantedBefore, DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Undelivered notifications that are due, oldest first. A notice waits while an older notice about the
    /// same request is still undelivered, so each request's notices arrive in the order they happened.
    /// </summary>
    Task<IReadOnlyList<OutboxMessage>> DueNotificationsAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>Undelivered notifications, due or not.</summary>
    Task<int> UndeliveredCountAsync(CancellationToken cancellationToken);

    Task MarkDeliveredAsync(long outboxId, DateTimeOffset at, CancellationToken cancellationToken);

    Task MarkDeliveryFailedAsync(long outboxId, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditRecord>> ReadAuditAsync(long afterSeq, int max, CancellationToken cancellationToken);

    Task<IReadOnlyList<AuditRecord>> AuditForRequestAsync(string requestId, CancellationToken cancellationToken);
}

/// <summary>A write transaction. Nothing is visible to others until <see cref="CommitAsync"/>.</summary>
public interface IAccessStoreTransaction : IAsyncDisposable
{
    Task<AccessRequest?> FindRequestAsync(RequestId id, CancellationToken cancellationToken);

    Task<IReadOnlyList<VoteRecord>> VotesAsync(RequestId id, CancellationToken cancellationToken);

    Task InsertRequestAsync(AccessRequest request, DateTimeOffset? timeoutAt, CancellationToken cancellationToken);

    /// <summary>Moves a request from <paramref name="expected"/> to <paramref name="next"/>; false when it was not in <paramref name="expected"/>.</summary>
    Task<bool> TryMoveRequestAsync(RequestId id, RequestState expected, RequestState next, DateTimeOffset at, string? decidedBy, CancellationToken cancellationToken);

    /// <summary>Adds a vote; false when this approver already voted on this request.</summary>
    Task<bool> TryAddVoteAsync(RequestId id, VoteRecord vote, CancellationToken cancellationToken);

    Task InsertGrantAsync(GrantRecord grant, CancellationToken cancellationToken);

    Task<GrantRecord?> FindGrantAsync(GrantId id, CancellationToken cancellationToken);

    /// <summary>Moves a grant from <paramref name="expected"/> to <paramref name="next"/>; false when it was not in <paramref name="expected"/>.</summary>
    Task<bool> TryMoveGrantAsync(GrantId id, GrantState expected, GrantState next, DateTimeOffset at, CancellationToken cancellationToken);

    Task RecordRevokeFailureAsync(GrantId id, int attempts, DateTimeOffset nextAttemptAt, string error, CancellationToken cancellationToken);

    /// <summary>Records that the provider carried the grant out; false when it was already recorded (or the grant is not Active).</summary>
    Task<bool> TryMarkProvisionedAsync(GrantId id, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Active grants for the same access (the grant ledger).</summary>
    Task<IReadOnlyList<GrantRecord>> ActiveGrantsForKeyAsync(string accessKey, CancellationToken cancellationToken);

    /// <summary>Queues a notification; it is delivered after commit.</summary>
    Task EnqueueAsync(NotificationKind kind, RequestId requestId, GrantId? grantId, string? payload, DateTimeOffset at, CancellationToken cancellationToken);

    /// <summary>Appends an event to the hash-chained audit log.</summary>
    Task<AuditRecord> AppendAuditAsync(AuditEvent auditEvent, CancellationToken cancellationToken);

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
