using System.Threading.Channels;

namespace JitBot.SlackApp;

/// <summary>
/// Work that must happen after Slack's 3-second acknowledgement (a click's state change, replies to the
/// clicker). Each item runs in its own DI scope; several run at once. On shutdown, queued and running items
/// are finished before the host stops.
/// </summary>
public sealed class SlackBackgroundWork(IServiceScopeFactory scopes, ILogger<SlackBackgroundWork> logger) : BackgroundService
{
    const int Parallelism = 8;

    /// <summary>How long one piece of work may run unless it says otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    readonly Channel<(string What, Func<IServiceProvider, CancellationToken, Task> Work, TimeSpan Timeout)> queue =
        Channel.CreateUnbounded<(string, Func<IServiceProvider, CancellationToken, Task>, TimeSpan)>();
    readonly SemaphoreSlim slots = new(Parallelism, Parallelism);
    readonly List<Task> running = [];

    public void Enqueue(string what, Func<IServiceProvider, CancellationToken, Task> work, TimeSpan? timeout = null)
    {
        if (!queue.Writer.TryWrite((what, work, timeout ?? DefaultTimeout)))
            logger.LogError("Could not queue {Work}: JitBot is shutting down", what);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var item in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await slots.WaitAsync(stoppingToken);
                var task = RunAsync(item.What, item.Work, item.Timeout);
                lock (running)
                {
                    running.RemoveAll(t => t.IsCompleted);
                    running.Add(task);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        queue.Writer.TryComplete();
        while (queue.Reader.TryRead(out var left)) await RunAsync(left.What, left.Work, left.Timeout, acquired: false);
        Task[] inFlight;
        lock (running) inFlight = running.ToArray();
        await Task.WhenAll(inFlight);
    }

    async Task RunAsync(string what, Func<IServiceProvider, CancellationToken, Task> work, TimeSpan limit, bool acquired = true)
    {
        await Task.Yield();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            using var timeout = new CancellationTokenSource(limit);
            await work(scope.ServiceProvider, timeout.Token);
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Work} failed", what);
        }
        finally
        {
            if (acquired) slots.Release();
        }
    }
}
