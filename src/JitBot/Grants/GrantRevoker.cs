using System.Globalization;
using JitBot.Audit;
using JitBot.Providers;
using JitBot.Requests;
using JitBot.Policies;
using JitBot.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JitBot.Grants;

/// <summary>
/// Takes expired access back, in three steps that work on many grants at once: <see cref="PrepareAsync"/> leases
/// the grants (one statement), settles those that need no provider (not active, held by another attempt, not due,
/// covered by a longer grant — the ledger is one query) and reads their requests (one query);
/// <see cref="CallProviderAsync"/> asks one grant's provider; <see cref="FinishAsync"/> ends every answered grant
/// in one transaction with its audit events and notices. <see cref="RevocationBatcher"/> runs the steps for
/// everything due; <see cref="RevokeAsync"/> runs them for one grant.
/// Idempotent: a grant moves Active→Expired once (compare-and-swap) and providers tolerate revoking what is
/// already gone. A failure is loud (error log + <c>grant.revoke_failed</c> audit event) and the grant stays Active
/// until a retry succeeds. After <see cref="GrantsOptions.RevokeAlertAfter"/> failures, or at once when the
/// provider says retrying cannot help, the owning team's channel and the admin channel are told (once), and told
/// again when the revocation finally succeeds. A revocation leaves its scheduler trigger alone: the trigger that
/// fired it is removed by the scheduler when its one firing completes, and any other finds the grant ended.
/// </summary>
public sealed class GrantRevoker(
    IAccessStore store,
    GrantProviders providers,
    GrantAlerts alerts,
    IOptions<GrantsOptions> options,
    IGrantScheduler scheduler,
    RevocationLateness lateness,
    TimeProvider time,
    ILogger<GrantRevoker> logger,
    GrantMetrics? metrics = null)
{
    /// <summary>A trigger may fire a little early by our clock; more than this and it is rescheduled instead.</summary>
    static readonly TimeSpan EarlyTolerance = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long one revocation attempt holds its grant. The Quartz job, a retry and the sweep, in this or another
    /// replica, can reach the same grant at once; the store lets one of them hold the grant's lease, so the
    /// provider is asked once and the others leave it. An attempt that dies with its process frees the grant
    /// when the lease runs out.
    /// </summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    /// <summary>Revokes one grant, all three steps in a row.</summary>
    public async Task<RevokeResult> RevokeAsync(GrantId id, CancellationToken cancellationToken)
    {
        var prepared = await PrepareAsync([id], cancellationToken).ConfigureAwait(false);
        if (prepared.Settled.Count > 0) return prepared.Settled[0].Result;
        var outcome = await CallProviderAsync(prepared.ToRevoke[0], cancellationToken).ConfigureAwait(false);
        return (await FinishAsync([outcome], cancellationToken).ConfigureAwait(false))[0].Result;
    }

    /// <summary>
    /// Leases the grants and settles every one that needs no provider call; returns those settled and those
    /// whose provider is to be asked (their leases held for <see cref="Lease"/>).
    /// </summary>
    public async Task<PreparedRevocations> PrepareAsync(IReadOnlyCollection<GrantId> ids, CancellationToken cancellationToken)
    {
        var owner = LeaseOwner.New("revoke");
        var now = time.GetUtcNow();
        var wanted = ids.Distinct().ToList();
        var leased = await store.LeaseRevocationsAsync(wanted, owner, now, Lease, cancellationToken).ConfigureAwait(false);
        var settled = new List<(GrantId, RevokeResult)>();
        var held = leased.Select(g => g.Grant.Id).ToHashSet();
        try
        {
            foreach (var id in wanted.Where(id => !held.Contains(id)))
            {
                var record = await store.FindGrantAsync(id, cancellationToken).ConfigureAwait(false);
                if (record is null || record.Grant.State != GrantState.Active)
                    settled.Add((id, RevokeResult.NotActive));
                else
                {
                    // Someone else is revoking it; if they never finish, this wakes up again when their lease has run out.
                    Reschedule(id, now + Lease);
                    settled.Add((id, RevokeResult.InProgress));
                }
            }

            var due = new List<GrantRecord>();
            var notDue = new List<GrantId>();
            foreach (var record in leased)
            {
                if (NotBefore(record, now) is { } later)
                {
                    Reschedule(record.Grant.Id, later);
                    notDue.Add(record.Grant.Id);
                    settled.Add((record.Grant.Id, RevokeResult.NotDue));
                }
                else due.Add(record);
            }
            await store.ReleaseRevocationsAsync(notDue, owner, cancellationToken).ConfigureAwait(false);
            held.ExceptWith(notDue);
            if (due.Count == 0) return new(settled, []);

            var toRevoke = await EndCoveredAsync(due, settled, cancellationToken).ConfigureAwait(false);
            held.IntersectWith(toRevoke.Select(g => g.Grant.Id));
            var resources = (await store.FindRequestsAsync(toRevoke.Select(g => g.Grant.RequestId).ToList(), cancellationToken).ConfigureAwait(false))
                .ToDictionary(r => r.Id, r => r.Decision.Resource);
            var revocations = new List<Revocation>();
            foreach (var record in toRevoke)
            {
                var alerted = record.RevokeAttempts > 0 && await AlertedAsync(record.Grant, cancellationToken).ConfigureAwait(false);
                revocations.Add(new(record, resources.GetValueOrDefault(record.Grant.RequestId), owner, alerted));
            }
            return new(settled, revocations);
        }
        catch (Exception)
        {
            await TryReleaseAsync(held, owner).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>When a leased grant may be revoked if not now: its expiry, or its next retry after a failure.</summary>
    static DateTimeOffset? NotBefore(GrantRecord record, DateTimeOffset now)
    {
        if (record.Grant.ExpiresAt - now > EarlyTolerance) return record.Grant.ExpiresAt;
        if (record.NextRevokeAt is { } next && next - now > EarlyTolerance) return next;
        return null;
    }

    /// <summary>
    /// The ledger, for every due grant in one query: a grant with a longer grant of the same access beside it ends
    /// without a provider call (that grant keeps the access). Returns the grants whose provider is to be asked.
    /// </summary>
    async Task<List<GrantRecord>> EndCoveredAsync(List<GrantRecord> due, List<(GrantId, RevokeResult)> settled, CancellationToken cancellationToken)
    {
        var toRevoke = new List<GrantRecord>();
        var covered = new List<(GrantRecord Record, GrantRecord Longer)>();
        await using var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false);
        var active = await tx.ActiveGrantsForKeysAsync(due.Select(g => g.AccessKey).ToList(), cancellationToken).ConfigureAwait(false);
        foreach (var record in due)
        {
            var longer = active
                .Where(g => g.AccessKey == record.AccessKey && g.Grant.Id != record.Grant.Id && g.Grant.ExpiresAt > record.Grant.ExpiresAt)
                .MaxBy(g => g.Grant.ExpiresAt);
            if (longer is null) toRevoke.Add(record);
            else covered.Add((record, longer));
        }
        if (covered.Count == 0) return toRevoke;

        var now = time.GetUtcNow();
        // Rows first, the audit chain head last (see PostgresTransaction); the notices are new rows and lock nothing.
        var moved = await MoveEndedAsync(tx, covered.Select(c => c.Record).ToList(), now, cancellationToken).ConfigureAwait(false);
        var ended = covered.Where(c => moved.Contains(c.Record.Grant.Id)).ToList();
        settled.AddRange(covered.Where(c => !moved.Contains(c.Record.Grant.Id)).Select(c => (c.Record.Grant.Id, RevokeResult.NotActive)));
        foreach (var (record, _) in ended)
            await tx.EnqueueAsync(EndedNotice(record), record.Grant.RequestId, record.Grant.Id, null, now, cancellationToken).ConfigureAwait(false);
        await tx.AppendAuditAsync(ended.SelectMany(c => new[]
        {
            new AuditEvent(AuditKinds.GrantRevokeSkipped, now, "jitbot", c.Record.Grant.RequestId.Value, c.Record.Grant.Id.Value,
                new Dictionary<string, string?>
                {
                    ["accessKey"] = c.Record.AccessKey,
                    ["coveredBy"] = c.Longer.Grant.Id.Value,
                    ["coveredUntil"] = c.Longer.Grant.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
                }),
            ExpiredEvent(c.Record, now, "covered by a longer grant"),
        }).ToList(), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (record, longer) in ended)
        {
            logger.LogInformation("Grant {GrantId} ended; {AccessKey} stays granted by {LongerGrantId} until {Until:O}",
                record.Grant.Id, record.AccessKey, longer.Grant.Id, longer.Grant.ExpiresAt);
            lateness.Record(record.Grant.Id, record.Grant.ExpiresAt, now);
            settled.Add((record.Grant.Id, RevokeResult.CoveredByLongerGrant));
        }
        return toRevoke;
    }

    /// <summary>Asks one grant's provider to take the access back. Never throws for the provider's sake: a failure is an outcome.</summary>
    public async Task<RevokeOutcome> CallProviderAsync(Revocation revocation, CancellationToken cancellationToken)
    {
        var resource = revocation.Resource;
        if (resource is null)
            return new(revocation, $"The resource of grant {revocation.Record.Grant.Id} is not known any more, so the provider cannot be called.", false);
        var (provider, missing) = providers.Find(resource);
        if (provider is null)
            return new(revocation, missing + " Until then the access cannot be taken back automatically; revoke it by hand.", false);
        try
        {
            var result = await provider.RevokeAsync(providers.ToProviderGrant(revocation.Record.Grant, resource), cancellationToken).ConfigureAwait(false);
            CrashHooks.At(CrashHooks.AfterProviderRevoke);
            return new(revocation, result.Succeeded ? null : result.Error ?? "The provider refused the revocation without saying why.", result.Retryable);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new(revocation, $"{e.GetType().Name}: {e.Message}", true);
        }
    }

    /// <summary>
    /// Records what the providers said, for all <paramref name="outcomes"/> in one transaction: a revoked grant
    /// moves Active→Expired with its <c>grant.expired</c> event and <c>GrantEnded</c> notice; a failed one stays
    /// Active with its <c>grant.revoke_failed</c> event and its next attempt scheduled with backoff. Then the
    /// leases of the failed ones are given back and grants of the same access that started meanwhile are granted
    /// again.
    /// </summary>
    public async Task<IReadOnlyList<(GrantId Id, RevokeResult Result)>> FinishAsync(IReadOnlyList<RevokeOutcome> outcomes, CancellationToken cancellationToken)
    {
        var results = new List<(GrantId, RevokeResult)>();
        var revoked = new List<Revocation>();
        var failed = new List<(RevokeOutcome Outcome, int Attempts, DateTimeOffset RetryAt)>();
        var survivors = new List<(GrantRecord Survivor, GrantId Revoked)>();
        if (outcomes.Any(o => o.Error is null)) CrashHooks.At(CrashHooks.BeforeRevokeCommit);
        var now = time.GetUtcNow();
        try
        {
            await using var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false);
            // Rows first, the audit chain head last (see PostgresTransaction); the notices are new rows and lock nothing.
            var answered = outcomes.Where(o => o.Error is null).Select(o => o.Revocation).ToList();
            var moved = await MoveEndedAsync(tx, answered.Select(r => r.Record).ToList(), now, cancellationToken).ConfigureAwait(false);
            revoked.AddRange(answered.Where(r => moved.Contains(r.Record.Grant.Id)));
            results.AddRange(answered.Where(r => !moved.Contains(r.Record.Grant.Id)).Select(r => (r.Record.Grant.Id, RevokeResult.NotActive)));
            foreach (var outcome in outcomes.Where(o => o.Error is not null))
            {
                var record = outcome.Revocation.Record;
                var attempts = record.RevokeAttempts + 1;
                var retryAt = now + RevokeBackoff.After(attempts);
                await tx.RecordRevokeFailureAsync(record.Grant.Id, attempts, retryAt, outcome.Error!, cancellationToken).ConfigureAwait(false);
                failed.Add((outcome, attempts, retryAt));
            }
            if (revoked.Count > 0)
            {
                var active = await tx.ActiveGrantsForKeysAsync(revoked.Select(r => r.Record.AccessKey).ToList(), cancellationToken).ConfigureAwait(false);
                foreach (var record in revoked.Select(r => r.Record))
                    survivors.AddRange(active.Where(g => g.AccessKey == record.AccessKey && g.Grant.ExpiresAt > now).Select(g => (g, record.Grant.Id)));
            }
            foreach (var record in revoked.Select(r => r.Record))
                await tx.EnqueueAsync(EndedNotice(record), record.Grant.RequestId, record.Grant.Id, null, now, cancellationToken).ConfigureAwait(false);
            await tx.AppendAuditAsync(revoked.Select(r => ExpiredEvent(r.Record, now, "revoked by provider"))
                .Concat(failed.Select(f => FailedEvent(f.Outcome, f.Attempts, f.RetryAt, now))).ToList(), cancellationToken).ConfigureAwait(false);
            foreach (var revocation in revoked.Where(r => r.Alerted))
                await alerts.RaiseAsync(tx, ProviderAlertKind.RevokeRecovered, revocation.Record.Grant, revocation.Resource,
                    $"The access is now taken back, after {revocation.Record.RevokeAttempts} failed attempts.", revocation.Record.RevokeAttempts, now, cancellationToken)
                    .ConfigureAwait(false);
            foreach (var (outcome, attempts, retryAt) in failed.Where(f => !f.Outcome.Revocation.Alerted && (f.Attempts >= options.Value.RevokeAlertAfter || !f.Outcome.Retryable)))
                await alerts.RaiseAsync(tx, ProviderAlertKind.RevokeFailing, outcome.Revocation.Record.Grant, outcome.Revocation.Resource,
                    $"{outcome.Error} JitBot keeps trying (next at {retryAt:u}); until then the access is still in place, so remove it by hand if it must end now.",
                    attempts, now, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception)
        {
            await TryReleaseAsync(outcomes).ConfigureAwait(false);
            throw;
        }

        foreach (var record in revoked.Select(r => r.Record))
        {
            logger.LogInformation("Grant {GrantId} expired and was revoked ({AccessKey})", record.Grant.Id, record.AccessKey);
            lateness.Record(record.Grant.Id, record.Grant.ExpiresAt, now);
            results.Add((record.Grant.Id, RevokeResult.Revoked));
        }
        foreach (var (outcome, attempts, retryAt) in failed)
        {
            var record = outcome.Revocation.Record;
            metrics?.RevokeFailed(record.ProviderType);
            logger.LogError("Revoking grant {GrantId} ({AccessKey}) failed on attempt {Attempt} ({Error}); the access is still in place, retrying at {RetryAt:O}",
                record.Grant.Id, record.AccessKey, attempts, outcome.Error, retryAt);
            Reschedule(record.Grant.Id, retryAt);
            results.Add((record.Grant.Id, RevokeResult.Failed));
        }
        await TryReleaseAsync(failed.Select(f => f.Outcome)).ConfigureAwait(false);
        // A grant of the same access that started while this revocation was on its way must not lose it.
        foreach (var (survivor, revokedId) in survivors)
            await ReassertAsync(survivor, revokedId, cancellationToken).ConfigureAwait(false);
        return results;
    }

    static AuditEvent FailedEvent(RevokeOutcome outcome, int attempts, DateTimeOffset retryAt, DateTimeOffset now)
    {
        var record = outcome.Revocation.Record;
        return new AuditEvent(AuditKinds.GrantRevokeFailed, now, "jitbot", record.Grant.RequestId.Value, record.Grant.Id.Value,
            new Dictionary<string, string?>
            {
                ["provider"] = record.ProviderType,
                ["accessKey"] = record.AccessKey,
                ["attempt"] = attempts.ToString(CultureInfo.InvariantCulture),
                ["error"] = outcome.Error,
                ["retryAt"] = retryAt.ToString("O", CultureInfo.InvariantCulture),
                ["retryable"] = outcome.Retryable ? "true" : "false",
            });
    }

    static readonly GrantState Expire = GrantLifecycle.NextOrThrow(GrantState.Active, GrantTrigger.Expire);

    /// <summary>Gives back the leases of these revocations (each attempt's owner its own); a lease that cannot be given back runs out by itself.</summary>
    Task TryReleaseAsync(IEnumerable<RevokeOutcome> outcomes) =>
        Task.WhenAll(outcomes.GroupBy(o => o.Revocation.Owner)
            .Select(g => TryReleaseAsync(g.Select(o => o.Revocation.Record.Grant.Id).ToList(), g.Key)));

    async Task TryReleaseAsync(IReadOnlyCollection<GrantId> ids, string owner)
    {
        if (ids.Count == 0) return;
        try { await store.ReleaseRevocationsAsync(ids, owner, CancellationToken.None).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not give back the revocation lease of {Count} grants; each runs out by itself in {Lease}", ids.Count, Lease);
        }
    }

    async Task ReassertAsync(GrantRecord survivor, GrantId revoked, CancellationToken cancellationToken)
    {
        var resource = (await store.FindRequestAsync(survivor.Grant.RequestId, cancellationToken).ConfigureAwait(false))?.Decision.Resource;
        var provider = resource is null ? null : providers.Find(resource).Provider;
        string? error = null;
        if (provider is null || resource is null) error = "The provider or the resource is not known any more.";
        else
        {
            try
            {
                var result = await provider.GrantAsync(providers.ToProviderGrant(survivor.Grant, resource), cancellationToken).ConfigureAwait(false);
                if (!result.Succeeded) error = result.Error ?? "The provider refused without saying why.";
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                error = $"{e.GetType().Name}: {e.Message}";
            }
        }
        var now = time.GetUtcNow();
        await using var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false);
        await tx.AppendAuditAsync(new AuditEvent(AuditKinds.GrantReasserted, now, "jitbot", survivor.Grant.RequestId.Value, survivor.Grant.Id.Value,
            new Dictionary<string, string?> { ["afterRevokeOf"] = revoked.Value, ["accessKey"] = survivor.AccessKey, ["error"] = error }), cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (error is not null)
            logger.LogError("Grant {GrantId} ({AccessKey}) could not be re-granted after grant {Revoked} was revoked: {Error}", survivor.Grant.Id, survivor.AccessKey, revoked, error);
    }

    /// <summary>Whether an alert about this grant's failing revocation was raised already (the audit log says).</summary>
    async Task<bool> AlertedAsync(Grant grant, CancellationToken cancellationToken) =>
        (await store.AuditForRequestAsync(grant.RequestId.Value, cancellationToken).ConfigureAwait(false))
        .Any(a => a.Event.Kind == GrantAlerts.RevokeAlert && a.Event.GrantId == grant.Id.Value);

    /// <summary>
    /// A grant someone asked to end early (<see cref="GrantRecord.RevokedBy"/>) ends Revoked, with its own event and notice;
    /// every other ends Expired. Both moves are compare-and-swaps from Active; returns the ids that moved.
    /// </summary>
    static async Task<HashSet<GrantId>> MoveEndedAsync(IAccessStoreTransaction tx, IReadOnlyList<GrantRecord> records, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var moved = new HashSet<GrantId>();
        var expiring = records.Where(r => r.RevokedBy is null).Select(r => r.Grant.Id).ToList();
        var revoking = records.Where(r => r.RevokedBy is not null).Select(r => r.Grant.Id).ToList();
        if (expiring.Count > 0)
            moved.UnionWith(await tx.TryMoveGrantsAsync(expiring, GrantState.Active, Expire, now, cancellationToken).ConfigureAwait(false));
        if (revoking.Count > 0)
            moved.UnionWith(await tx.TryMoveGrantsAsync(revoking, GrantState.Active, Revoke, now, cancellationToken).ConfigureAwait(false));
        return moved;
    }

    static NotificationKind EndedNotice(GrantRecord record) => record.RevokedBy is null ? NotificationKind.GrantEnded : NotificationKind.GrantRevoked;

    static AuditEvent ExpiredEvent(GrantRecord record, DateTimeOffset now, string how)
    {
        var data = new Dictionary<string, string?>
        {
            ["accessKey"] = record.AccessKey,
            ["expiresAt"] = record.Grant.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
            ["how"] = how,
        };
        if (record.RevokedBy is null)
            return new(AuditKinds.GrantExpired, now, "jitbot", record.Grant.RequestId.Value, record.Grant.Id.Value, data);
        data["reason"] = record.RevokeReason;
        return new(AuditKinds.GrantRevoked, now, record.RevokedBy, record.Grant.RequestId.Value, record.Grant.Id.Value, data);
    }

    static readonly GrantState Revoke = GrantLifecycle.NextOrThrow(GrantState.Active, GrantTrigger.Revoke);

    /// <summary>
    /// Puts the grant's trigger at <paramref name="at"/> without waiting for the scheduler: a scheduler busy with its
    /// own locks must not hold up the other grants of a batch. A trigger that is not written is made up for by the sweep.
    /// </summary>
    void Reschedule(GrantId id, DateTimeOffset at) => _ = TryScheduleAsync(id, at, CancellationToken.None);

    async Task TryScheduleAsync(GrantId id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        try { await scheduler.ScheduleRevokeAsync(id, at, cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not schedule revocation of grant {GrantId}; the periodic sweep will catch it", id);
        }
    }
}
