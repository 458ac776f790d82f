using JitBot.Common;
using JitBot.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JitBot.Requests;

/// <summary>
/// Measures the outbox every <see cref="NotificationOptions.BacklogCheckSeconds"/>: how many notices are
/// undelivered and how long the oldest has waited. The figures go to the <c>JitBot</c> meter
/// (<see cref="JitBotMetrics"/>); past either threshold a warning is logged (once per check while it lasts), and
/// one line says when the backlog is back below both. With several replicas each measures the shared outbox.
/// </summary>
public sealed class OutboxBacklogMonitor(
    IOutboxStore store,
    JitBotMetrics metrics,
    TimeProvider time,
    IOptions<NotificationOptions> options,
    ILogger<OutboxBacklogMonitor> logger) : BackgroundService
{
    readonly NotificationOptions _settings = options.Value.Checked();
    bool _behind;

    /// <summary>How often the outbox is measured.</summary>
    public TimeSpan Interval => TimeSpan.FromSeconds(_settings.BacklogCheckSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CheckAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("The outbox backlog could not be measured: {Error}", LogText.Safe(e.Message));
            }
            await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>Measures once: records the figures, and logs when the backlog is past a threshold or has just recovered.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        var backlog = await store.OutboxBacklogAsync(cancellationToken).ConfigureAwait(false);
        var age = backlog.OldestQueuedAt is { } oldest && time.GetUtcNow() > oldest ? time.GetUtcNow() - oldest : TimeSpan.Zero;
        metrics.RecordOutboxBacklog(backlog.Undelivered, age);

        var behind = backlog.Undelivered > _settings.BacklogWarnCount || age > TimeSpan.FromSeconds(_settings.BacklogWarnSeconds);
        if (behind)
            logger.LogWarning(
                "Notices are falling behind: {Undelivered} undelivered, the oldest waiting {AgeSeconds:0} s (warning above {WarnCount} notices or {WarnSeconds} s; Notifications:BacklogWarnCount, Notifications:BacklogWarnSeconds)",
                backlog.Undelivered, age.TotalSeconds, _settings.BacklogWarnCount, _settings.BacklogWarnSeconds);
        else if (_behind)
            logger.LogInformation("Notices have caught up: {Undelivered} undelivered, the oldest waiting {AgeSeconds:0} s", backlog.Undelivered, age.TotalSeconds);
        _behind = behind;
    }
}
