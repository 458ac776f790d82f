namespace JitBot.Common;

/// <summary>
/// A background sweep that runs at start-up and then every minute (by the injected <see cref="TimeProvider"/>). A
/// failed sweep is logged and the next one runs on time; only the host's stopping ends the loop.
/// </summary>
public abstract class MinuteSweepService(TimeProvider time, ILogger logger, string name) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>One pass of the sweep.</summary>
    protected abstract Task SweepAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "The {Sweep} failed; it runs again in {Interval}", name, Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }
}
