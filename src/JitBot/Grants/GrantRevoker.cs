using System.Globalization;
using JitBot.Audit;
using JitBot.Providers;
using JitBot.Requests;
using JitBot.Policies;
using JitBot.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JitBot.Grants;

/// <summary>What one revocation attempt did.</summary>
public enum RevokeResult
{
    /// <summary>The provider took the access back; the grant is Expired.</summary>
    Revoked,
    /// <summary>A longer grant of the same access is still active, so the provider was not called; the grant is Expired.</summary>
    CoveredByLongerGrant,
    /// <summary>The grant was not active (already ended, or never existed): nothing to do.</summary>
    NotActive,
    /// <summary>Not yet due: rescheduled for its expiry.</summary>
    NotDue,
    /// <summary>The provider failed; the grant stays Active and the attempt is retried with backoff.</summary>
    Failed,
    /// <summary>Another attempt (here or in another replica) holds the grant's revocation lease: nothing was done.</summary>
    InProgress,
}

/// <summary>
/// Takes expired access back. Idempotent: a grant moves Active→Expired once (compare-and-swap) and
/// providers tolerate revoking what is already gone. A failure is loud (error log + <c>grant.revoke_failed</c>
/// audit event) and the grant stays Active until a retry succeeds. After <see cref="GrantsOptions.RevokeAlertAfter"/>
/// failures, or at once when the provider says retrying cannot help, the owning team's channel and the admin channel
/// are told (once), and told again when the revocation finally succeeds.
/// </summary>
public sealed class GrantRevoker(
    IAccessStore store,
    GrantProviders providers,
    GrantAlerts alerts,
    IOptions<GrantsOptions> options,
    IGrantScheduler scheduler,
    TimeProvider time,
    ILogger<GrantRevoker> logger)
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

    public async Task<RevokeResult> RevokeAsync(GrantId id, CancellationToken cancellationToken)
    {
        var owner = LeaseOwner.New("revoke");
        var now = time.GetUtcNow();
        if (!await store.TryLeaseRevocationAsync(id, owner, now, Lease, cancellationToken).ConfigureAwait(false))
        {
            var record = await store.FindGrantAsync(id, cancellationToken).ConfigureAwait(false);
            if (record is null || record.Grant.State != GrantState.Active)
            {
                await TryUnscheduleAsync(id, cancellationToken).ConfigureAwait(false);
                return RevokeResult.NotActive;
            }
            // Someone else is revoking it; if they never finish, this wakes up again when their lease has run out.
            await TryScheduleAsync(id, now + Lease, cancellationToken).ConfigureAwait(false);
            return RevokeResult.InProgress;
        }
        try
        {
            return await RevokeOnceAsync(id, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            try { await store.ReleaseRevocationAsync(id, owner, CancellationToken.None).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not give back the revocation lease of grant {GrantId}; it runs out by itself in {Lease}", id, Lease);
            }
        }
    }

    async Task<RevokeResult> RevokeOnceAsync(GrantId id, CancellationToken cancellationToken)
    {
        var record = await store.FindGrantAsync(id, cancellationToken).ConfigureAwait(false);
        if (record is null || record.Grant.State != GrantState.Active)
        {
            await TryUnscheduleAsync(id, cancellationToken).ConfigureAwait(false);
            return RevokeResult.NotActive;
        }

        var now = time.GetUtcNow();
        var grant = record.Grant;
        if (grant.ExpiresAt - now > EarlyTolerance)
        {
            await TryScheduleAsync(id, grant.ExpiresAt, cancellationToken).ConfigureAwait(false);
            return RevokeResult.NotDue;
        }
        var due = record.NextRevokeAt;
        if (due is { } next && next - now > EarlyTolerance)
        {
            await TryScheduleAsync(id, next, cancellationToken).ConfigureAwait(false);
            return RevokeResult.NotDue;
        }

        // The ledger: a longer grant of the same access keeps it; ending this one must not take it away.
        await using (var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            var longer = (await tx.ActiveGrantsForKeyAsync(record.AccessKey, cancellationToken).ConfigureAwait(false))
                .Where(g => g.Grant.Id != id && g.Grant.ExpiresAt > grant.ExpiresAt)
                .OrderByDescending(g => g.Grant.ExpiresAt)
                .FirstOrDefault();
            if (longer is not null)
            {
                if (!await tx.TryMoveGrantAsync(id, GrantState.Active, GrantLifecycle.NextOrThrow(GrantState.Active, GrantTrigger.Expire), now, cancellationToken).ConfigureAwait(false))
                    return RevokeResult.NotActive;
                await tx.AppendAuditAsync(new AuditEvent(AuditKinds.GrantRevokeSkipped, now, "jitbot", grant.RequestId.Value, id.Value,
                    new Dictionary<string, string?>
                    {
                        ["accessKey"] = record.AccessKey,
                        ["coveredBy"] = longer.Grant.Id.Value,
                        ["coveredUntil"] = longer.Grant.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
                    }), cancellationToken).ConfigureAwait(false);
                await tx.AppendAuditAsync(ExpiredEvent(record, now, "covered by a longer grant"), cancellationToken).ConfigureAwait(false);
                await tx.EnqueueAsync(NotificationKind.GrantEnded, grant.RequestId, id, null, now, cancellationToken).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                logger.LogInformation("Grant {GrantId} ended; {AccessKey} stays granted by {LongerGrantId} until {Until:O}",
                    id, record.AccessKey, longer.Grant.Id, longer.Grant.ExpiresAt);
                await TryUnscheduleAsync(id, cancellationToken).ConfigureAwait(false);
                return RevokeResult.CoveredByLongerGrant;
            }
        }

        var (error, retryable, resource) = await CallProviderAsync(record, cancellationToken).ConfigureAwait(false);
        now = time.GetUtcNow();
        var alerted = record.RevokeAttempts > 0 && await AlertedAsync(grant, cancellationToken).ConfigureAwait(false);
        if (error is null)
        {
            CrashHooks.At(CrashHooks.BeforeRevokeCommit);
            IReadOnlyList<GrantRecord> survivors;
            await using (var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!await tx.TryMoveGrantAsync(id, GrantState.Active, GrantLifecycle.NextOrThrow(GrantState.Active, GrantTrigger.Expire), now, cancellationToken).ConfigureAwait(false))
                    return RevokeResult.NotActive;
                await tx.AppendAuditAsync(ExpiredEvent(record, now, "revoked by provider"), cancellationToken).ConfigureAwait(false);
                await tx.EnqueueAsync(NotificationKind.GrantEnded, grant.RequestId, id, null, now, cancellationToken).ConfigureAwait(false);
                if (alerted)
                    await alerts.RaiseAsync(tx, ProviderAlertKind.RevokeRecovered, grant, resource,
                        $"The access is now taken back, after {record.RevokeAttempts} failed attempts.", record.RevokeAttempts, now, cancellationToken).ConfigureAwait(false);
                survivors = (await tx.ActiveGrantsForKeyAsync(record.AccessKey, cancellationToken).ConfigureAwait(false))
                    .Where(g => g.Grant.Id != id && g.Grant.ExpiresAt > now).ToList();
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            logger.LogInformation("Grant {GrantId} expired and was revoked ({AccessKey})", id, record.AccessKey);
            await TryUnscheduleAsync(id, cancellationToken).ConfigureAwait(false);
            // A grant of the same access that started while this revocation was on its way must not lose it.
            foreach (var survivor in survivors)
                await ReassertAsync(survivor, id, cancellationToken).ConfigureAwait(false);
            return RevokeResult.Revoked;
        }

        var attempts = record.RevokeAttempts + 1;
        var retryAt = now + RevokeBackoff.After(attempts);
        await using (var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false))
        {
            await tx.RecordRevokeFailureAsync(id, attempts, retryAt, error, cancellationToken).ConfigureAwait(false);
            await tx.AppendAuditAsync(new AuditEvent(AuditKinds.GrantRevokeFailed, now, "jitbot", grant.RequestId.Value, id.Value,
                new Dictionary<string, string?>
                {
                    ["provider"] = record.ProviderType,
                    ["accessKey"] = record.AccessKey,
                    ["attempt"] = attempts.ToString(CultureInfo.InvariantCulture),
                    ["error"] = error,
                    ["retryAt"] = retryAt.ToString("O", CultureInfo.InvariantCulture),
                    ["retryable"] = retryable ? "true" : "false",
                }), cancellationToken).ConfigureAwait(false);
            if (!alerted && (attempts >= options.Value.RevokeAlertAfter || !retryable))
                await alerts.RaiseAsync(tx, ProviderAlertKind.RevokeFailing, grant, resource,
                    $"{error} JitBot keeps trying (next at {retryAt:u}); until then the access is still in place, so remove it by hand if it must end now.",
                    attempts, now, cancellationToken).ConfigureAwait(false);
            await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        logger.LogError("Revoking grant {GrantId} ({AccessKey}) failed on attempt {Attempt} ({Error}); the access is still in place, retrying at {RetryAt:O}",
            id, record.AccessKey, attempts, error, retryAt);
        await TryScheduleAsync(id, retryAt, cancellationToken).ConfigureAwait(false);
        return RevokeResult.Failed;
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

    /// <summary>Calls the provider; returns a null error on success, or the error and whether retrying can help.</summary>
    async Task<(string? Error, bool Retryable, ResourceInfo? Resource)> CallProviderAsync(GrantRecord record, CancellationToken cancellationToken)
    {
        var request = await store.FindRequestAsync(record.Grant.RequestId, cancellationToken).ConfigureAwait(false);
        var resource = request?.Decision.Resource;
        if (resource is null)
            return ($"The resource of grant {record.Grant.Id} is not known any more, so the provider cannot be called.", false, null);
        var (provider, missing) = providers.Find(resource);
        if (provider is null)
            return (missing + " Until then the access cannot be taken back automatically; revoke it by hand.", false, resource);
        try
        {
            var result = await provider.RevokeAsync(providers.ToProviderGrant(record.Grant, resource), cancellationToken).ConfigureAwait(false);
            CrashHooks.At(CrashHooks.AfterProviderRevoke);
            return (result.Succeeded ? null : result.Error ?? "The provider refused the revocation without saying why.", result.Retryable, resource);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return ($"{e.GetType().Name}: {e.Message}", true, resource);
        }
    }

    static AuditEvent ExpiredEvent(GrantRecord record, DateTimeOffset now, string how) =>
        new(AuditKinds.GrantExpired, now, "jitbot", record.Grant.RequestId.Value, record.Grant.Id.Value,
            new Dictionary<string, string?>
            {
                ["accessKey"] = record.AccessKey,
                ["expiresAt"] = record.Grant.ExpiresAt.ToString("O", CultureInfo.InvariantCulture),
                ["how"] = how,
            });

    async Task TryScheduleAsync(GrantId id, DateTimeOffset at, CancellationToken cancellationToken)
    {
        try { await scheduler.ScheduleRevokeAsync(id, at, cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not schedule revocation of grant {GrantId}; the periodic sweep will catch it", id);
        }
    }

    async Task TryUnscheduleAsync(GrantId id, CancellationToken cancellationToken)
    {
        try { await scheduler.UnscheduleRevokeAsync(id, cancellationToken).ConfigureAwait(false); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not remove the revocation job of grant {GrantId}; it will find the grant ended and do nothing", id);
        }
    }
}
