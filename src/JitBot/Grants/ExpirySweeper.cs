using JitBot.Common;
using JitBot.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JitBot.Grants;

/// <summary>What one sweep did.</summary>
public sealed record SweepResult(int TimedOut, int Revoked, int RevokeFailed, int Resumed = 0);

/// <summary>
/// The safety net under Quartz: finds pending requests past their timeout and active grants past their
/// expiry (by the store, which is the source of truth) and handles them. Runs at start-up and every minute.
/// </summary>
public sealed class ExpirySweeper(
    IAccessStore store,
    RevocationBatcher revocations,
    IRequestTimeouts timeouts,
    GrantProvisioner provisioner,
    TimeProvider time,
    ILogger<ExpirySweeper> logger)
{
    const int Batch = 100;

    /// <summary>
    /// How many overdue grants one query reads: all of them are handed to the batcher together, so after an outage
    /// the batcher sees the whole backlog at once instead of a page at a time.
    /// </summary>
    const int GrantPage = 2000;

    /// <summary>How long a grant may wait for its provider's answer before the sweep carries it out again.</summary>
    public static readonly TimeSpan ProvisioningGrace = TimeSpan.FromMinutes(2);

    public async Task<SweepResult> SweepAsync(CancellationToken cancellationToken)
    {
        int timedOut = 0, revoked = 0, failed = 0, resumed = 0;
        var now = time.GetUtcNow();

        foreach (var id in await store.UnprovisionedGrantsAsync(now - ProvisioningGrace, now, Batch, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                if (await provisioner.ResumeAsync(id, cancellationToken).ConfigureAwait(false)) resumed++;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Finishing grant {GrantId} failed; the next sweep tries again", id);
            }
        }

        var seenRequests = new HashSet<Requests.RequestId>();
        while (true)
        {
            var ids = await store.OverduePendingAsync(now, Batch, cancellationToken).ConfigureAwait(false);
            var fresh = ids.Where(seenRequests.Add).ToList();
            foreach (var id in fresh)
            {
                try
                {
                    if (await timeouts.TimeOutAsync(id, cancellationToken).ConfigureAwait(false)) timedOut++;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Timing out request {RequestId} failed; the next sweep tries again", id);
                }
            }
            if (ids.Count < Batch || fresh.Count == 0) break;
        }

        var seenGrants = new HashSet<Requests.GrantId>();
        while (true)
        {
            var ids = await store.OverdueGrantsAsync(now, GrantPage, cancellationToken).ConfigureAwait(false);
            var fresh = ids.Where(seenGrants.Add).ToList();
            // All at once through the batcher: after an outage a thousand grants may be overdue; it revokes them in
            // batches, side by side up to its bound, and joins a grant whose trigger is revoking it already.
            await Task.WhenAll(fresh.Select(async id =>
            {
                try
                {
                    var result = await revocations.RevokeAsync(id, cancellationToken).ConfigureAwait(false);
                    if (result is RevokeResult.Revoked or RevokeResult.CoveredByLongerGrant) Interlocked.Increment(ref revoked);
                    else if (result is RevokeResult.Failed) Interlocked.Increment(ref failed);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Interlocked.Increment(ref failed);
                    logger.LogError(e, "Revoking grant {GrantId} failed; the next sweep tries again", id);
                }
            })).ConfigureAwait(false);
            if (ids.Count < GrantPage || fresh.Count == 0) break;
        }

        if (timedOut + revoked + failed + resumed > 0)
            logger.LogInformation("Sweep: {TimedOut} requests timed out, {Revoked} grants ended, {Failed} revocations failed, {Resumed} grants finished",
                timedOut, revoked, failed, resumed);
        return new SweepResult(timedOut, revoked, failed, resumed);
    }
}

/// <summary>Runs <see cref="ExpirySweeper"/> once at start-up and then every minute (by <see cref="TimeProvider"/>).</summary>
public sealed class ExpirySweepService(ExpirySweeper sweeper, TimeProvider time, ILogger<ExpirySweepService> logger)
    : MinuteSweepService(time, logger, "expiry sweep")
{
    protected override Task SweepAsync(CancellationToken cancellationToken) => sweeper.SweepAsync(cancellationToken);
}
