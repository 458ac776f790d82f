using JitBot.Common;
using JitBot.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JitBot.Grants;

/// <summary>
/// Counts the active grants in the store every <see cref="Interval"/> for the <c>jitbot.grants.active</c> gauge
/// (<see cref="GrantMetrics"/>): one index count, so a scrape of <c>/metrics</c> never waits on the store. With
/// several replicas each counts the shared store. A count that fails is logged at Debug (readiness reports a store
/// that cannot be read) and the gauge keeps its last value.
/// </summary>
public sealed class ActiveGrantsMonitor(IAccessStore store, GrantMetrics metrics, TimeProvider time, ILogger<ActiveGrantsMonitor> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await CountAsync(stoppingToken).ConfigureAwait(false);
            await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>Counts once; a failure leaves the gauge as it was.</summary>
    public async Task CountAsync(CancellationToken cancellationToken)
    {
        try
        {
            metrics.RecordActive(await store.ActiveGrantCountAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogDebug("The active grants could not be counted: {Error}", LogText.Safe(e.Message));
        }
    }
}
