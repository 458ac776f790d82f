using JitBot.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JitBot.Grants;

/// <summary>
/// Rebuilds the scheduler's jobs from the store when the host starts, before the scheduler fires: a revocation
/// for every active grant (at its expiry, or at its next retry after a failed revocation) and a timeout for
/// every pending request. Used where the scheduler keeps its jobs in memory; the store stays the source of truth
/// and the sweep still runs.
/// </summary>
public sealed class ScheduleRestoreService(IAccessStore store, IGrantScheduler scheduler, ILogger<ScheduleRestoreService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var grants = await store.ActiveGrantsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var grant in grants)
        {
            var at = grant.NextRevokeAt is { } next && next > grant.Grant.ExpiresAt ? next : grant.Grant.ExpiresAt;
            await scheduler.ScheduleRevokeAsync(grant.Grant.Id, at, cancellationToken).ConfigureAwait(false);
        }
        var pending = await store.PendingTimeoutsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var request in pending)
            await scheduler.ScheduleTimeoutAsync(request.RequestId, request.TimeoutAt, cancellationToken).ConfigureAwait(false);
        if (grants.Count + pending.Count > 0)
            logger.LogInformation("Scheduled {Grants} revocations and {Requests} approval timeouts from the store", grants.Count, pending.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
