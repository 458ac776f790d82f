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

    readonly Channel<(string What, Func<IServiceProvider, CancellationToken, Task> Work)> queue =
        Channel.CreateUnbounded<(string, Func<IServiceProvider, CancellationToken, Task>)>();
    readonly SemaphoreSlim slots = new(Parallelism, Parallelism);
    readonly List<Task> running = [];

    public void Enqueue(string what, Func<IServiceProvider, CancellationToken, Task> work)
    {
        if (!queue.Writer.TryWrite((what, work)))
            logger.LogError("Could not queue {Work}: JitBot is shutting down", what);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var item in queue.Reader.ReadAllAsync(stoppingToken))
            {
                await slots.WaitAsync(stoppingToken);
                var task = RunAsync(item.What, item.Work);
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
        while (queue.Reader.TryRead(out var left)) await RunAsync(left.What, left.Work, acquired: false);
        Task[] inFlight;
        lock (running) inFlight = running.ToArray();
        await Task.WhenAll(inFlight);
    }

    async Task RunAsync(string what, Func<IServiceProvider, CancellationToken, Task> work, bool acquired = true)
    {
        await Task.Yield();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
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
