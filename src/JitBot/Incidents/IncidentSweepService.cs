using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JitBot.Incidents;

/// <summary>
/// The safety net for incident ends, like the grants' expiry sweep: at start-up it puts every incident that has
/// not ended back on its trigger (LiteDB's Quartz keeps jobs in memory) and ends those that are due — past their
/// maximum length, or left Ending by a restart; then it ends the due ones every minute (by <see cref="TimeProvider"/>),
/// and every few minutes asks Slack whether an open incident's channel was archived unnoticed (<see cref="IncidentArchiveCheck"/>).
/// </summary>
public sealed class IncidentSweepService(
    IncidentEnder ender,
    Storage.IIncidentStore incidents,
    IIncidentScheduler scheduler,
    IncidentArchiveCheck archiveCheck,
    TimeProvider time,
    ILogger<IncidentSweepService> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            foreach (var incident in await incidents.IncidentsToEndAsync(DateTimeOffset.MaxValue, stoppingToken).ConfigureAwait(false))
                if (incident.State == IncidentState.Open && incident.EndsAt > time.GetUtcNow())
                    await scheduler.ScheduleEndAsync(incident.Id, incident.EndsAt, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Could not put the incidents' ends back on their triggers; the incident sweep ends them instead");
        }

        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                var ended = await ender.SweepAsync(stoppingToken).ConfigureAwait(false);
                if (ended > 0) logger.LogInformation("The incident sweep ended {Count} incident(s)", ended);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "The incident sweep failed; it runs again in {Interval}", Interval);
            }
            try
            {
                var archived = await archiveCheck.RunIfDueAsync(stoppingToken).ConfigureAwait(false);
                if (archived > 0) logger.LogInformation("The channel check ended {Count} incident(s) whose channel was archived or deleted", archived);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "The incident channel check failed; it runs again later");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
