using System.Collections.Concurrent;
using JitBot.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JitBot.Requests;

/// <summary>
/// Delivers the notification outbox through <see cref="IAccessNotifier"/>, after the state change that queued
/// them has committed, with a bounded pool of senders (<see cref="NotificationOptions.Senders"/>). The store hands
/// out at most one notice per lane at a time (<see cref="NoticeLanes"/>), so notices of different channels and
/// people go out in parallel and each lane's in the order they happened, across replicas; lanes holding a notice
/// about ended access are handed out first (<see cref="OutboxOrder"/>). Wakes at once when
/// something is queued or a sender finishes (<see cref="OutboxSignal"/>), retries failures with backoff (5 s,
/// 10 s, … up to 5 minutes, for ever) and tries a deferred notice (<see cref="NoticeDeferredException"/>) again
/// when Slack allows. A notice is only marked delivered after the notifier returned, so a crash or a throwing
/// notifier delays it but never loses it; notifiers therefore see a notice at least once. A lane head that may
/// lead a group (<see cref="NoticeGroups"/>) goes out with the notices of its kind queued right behind it as one
/// message (<see cref="NoticeGroupSender"/>), marked, retried and deferred as a whole. Which service delivers
/// each kind, and whether it refreshes App Home, is declared in <see cref="NoticeRoutes"/>.
/// </summary>
public sealed class NotificationDispatcher(
    IAccessStore store,
    OutboxSignal signal,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<NotificationDispatcher> logger,
    IOptions<NotificationOptions>? options = null) : BackgroundService
{
    const int Batch = 50;
    /// <summary>How often the dispatcher looks for retries that became due when nothing woke it.</summary>
    public static readonly TimeSpan RetryPoll = TimeSpan.FromSeconds(5);
    static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(5);
    static readonly TimeSpan MaxRetry = TimeSpan.FromMinutes(5);
    /// <summary>
    /// How long a claimed notice belongs to this dispatcher. Another replica may deliver it once the lease runs
    /// out (a dispatcher that died, or a notifier slower than this), which is why delivery is at least once.
    /// </summary>
    public static readonly TimeSpan ClaimLease = TimeSpan.FromMinutes(2);

    readonly NotificationOptions _options = (options?.Value ?? new NotificationOptions()).Checked();
    readonly string _owner = LeaseOwner.New("outbox");
    readonly ConcurrentDictionary<long, Task> _inFlight = new();
    long _nextDeferredMs = long.MaxValue;
    int _claiming;
    int _grouping = -1;
    NoticeGroupSender? _groupSender;

    public static TimeSpan RetryDelay(int failedAttempts)
    {
        var exponent = Math.Clamp(failedAttempts - 1, 0, 10);
        var delay = TimeSpan.FromTicks(FirstRetry.Ticks << exponent);
        return delay > MaxRetry ? MaxRetry : delay;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // Keep every sender busy while notices are claimable; a finishing sender signals, so the loop
                // claims the next notice of its lane (or another lane's) as soon as there is room.
                while (_options.Senders - _inFlight.Count is var free and > 0 &&
                       await StartDueAsync(free, stoppingToken).ConfigureAwait(false) == free)
                {
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Delivering notifications failed; trying again shortly");
            }
            await signal.WaitAsync(NextWake(), time, stoppingToken).ConfigureAwait(false);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // Senders under way finish (or give their notice back) before the host stops.
        await Task.WhenAll(_inFlight.Values).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Delivers everything that is due now, once, with the pool's parallelism, and returns when those are done.
    /// Returns how many notices it tried (delivered, failed or deferred).
    /// </summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        var due = await store.ClaimNotificationsAsync(_owner, time.GetUtcNow(), ClaimLease, Batch, cancellationToken).ConfigureAwait(false);
        using var slots = new SemaphoreSlim(_options.Senders, _options.Senders);
        await Task.WhenAll(due.Select(async message =>
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await DeliverFromHeadAsync(message, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
        })).ConfigureAwait(false);
        return due.Count;
    }

    /// <summary>
    /// Returns when nothing in the outbox is due any more and no sender is busy: everything queued so far was
    /// delivered, or failed (or was deferred) and waits for its retry time.
    /// </summary>
    public async Task WaitForIdleAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var busy = _inFlight.Values.ToArray();
            var claiming = Volatile.Read(ref _claiming) > 0;
            await Task.WhenAll(busy).ConfigureAwait(false);
            if (await DeliverDueAsync(cancellationToken).ConfigureAwait(false) == 0 && busy.Length == 0 && !claiming && _inFlight.IsEmpty) return;
            if (claiming) await Task.Yield();
        }
    }

    /// <summary>Claims up to <paramref name="max"/> due notices and starts a sender on each; returns how many.</summary>
    async Task<int> StartDueAsync(int max, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _claiming);
        try
        {
            var due = await store.ClaimNotificationsAsync(_owner, time.GetUtcNow(), ClaimLease, max, cancellationToken).ConfigureAwait(false);
            foreach (var message in due)
            {
                // Registered before it starts, so a sender that finishes at once is not left behind as busy.
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _inFlight[message.Id] = done.Task;
                _ = Task.Run(async () =>
                {
                    try
                    {
                        await DeliverFromHeadAsync(message, cancellationToken).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        // Stopping: the claim runs out and the notice is delivered after the restart.
                    }
                    catch (Exception e)
                    {
                        logger.LogError(e, "Notification {OutboxId} could not be marked; it is tried again when its claim runs out", message.Id);
                    }
                    finally
                    {
                        _inFlight.TryRemove(message.Id, out _);
                        done.SetResult();
                        signal.Notify();
                    }
                }, CancellationToken.None);
            }
            return due.Count;
        }
        finally
        {
            Interlocked.Decrement(ref _claiming);
        }
    }

    /// <summary>The longest the loop sleeps: until the earliest deferred notice may go, at most <see cref="RetryPoll"/>.</summary>
    TimeSpan NextWake()
    {
        var deferred = Interlocked.Exchange(ref _nextDeferredMs, long.MaxValue);
        if (deferred == long.MaxValue) return RetryPoll;
        var wait = DateTimeOffset.FromUnixTimeMilliseconds(deferred) - time.GetUtcNow();
        return wait <= TimeSpan.Zero ? TimeSpan.Zero : wait < RetryPoll ? wait : RetryPoll;
    }

    async Task DeliverAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var route = NoticeRoutes.For(message.Kind);
            var delivered = await route.Deliver(new NoticeDelivery(scope.ServiceProvider, store, message, logger), cancellationToken).ConfigureAwait(false);
            await store.MarkDeliveredAsync(message.Id, _owner, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            if (delivered && route.RefreshesAppHome)
                await RefreshAppHomesAsync(scope.ServiceProvider, message, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            await GiveBackAsync([message], e).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Delivers a claimed lane head: with the notices of its kind queued right behind it as one message when they
    /// may go together (<see cref="NoticeGroups"/>), otherwise alone.
    /// </summary>
    async Task DeliverFromHeadAsync(OutboxMessage head, CancellationToken cancellationToken)
    {
        IReadOnlyList<OutboxMessage> behind = [];
        if (_options.GroupNotices && NoticeGroups.CanLead(head) && Grouping())
        {
            try
            {
                behind = await store.ClaimFollowingAsync(head, _owner, time.GetUtcNow(), ClaimLease, NoticeGroups.MaxSize - 1, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One write that claimed nothing: the head goes alone, and the notices behind it follow as usual.
                logger.LogWarning(e, "Claiming the notices behind {OutboxId} failed; sending it alone", head.Id);
            }
        }
        if (behind.Count == 0)
        {
            await DeliverAsync(head, cancellationToken).ConfigureAwait(false);
            return;
        }
        IReadOnlyList<OutboxMessage> group = [head, .. behind];
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await (_groupSender ??= new NoticeGroupSender(store, _owner, time, logger)).SendAsync(scope.ServiceProvider, group, cancellationToken).ConfigureAwait(false);
            if (NoticeRoutes.For(head.Kind).RefreshesAppHome)
                await RefreshAppHomesAsync(scope.ServiceProvider, head, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            await GiveBackAsync(group, e).ConfigureAwait(false);
        }
    }

    /// <summary>Whether grouped notices can be sent: an <see cref="IGroupedGrantNotifier"/> is registered (looked up once).</summary>
    bool Grouping()
    {
        if (Volatile.Read(ref _grouping) is var known and >= 0) return known == 1;
        using var scope = scopes.CreateScope();
        var found = scope.ServiceProvider.GetService<IGroupedGrantNotifier>() is not null ? 1 : 0;
        Volatile.Write(ref _grouping, found);
        return found == 1;
    }

    /// <summary>
    /// Gives notices that were not delivered back to the outbox, all with the same next attempt: deferred by
    /// Slack's limits (not counted as a failed attempt) or failed (tried again with backoff). A group goes back
    /// whole, in one write, so it is tried again as one: the head forms the same group again (or a larger one).
    /// </summary>
    async Task GiveBackAsync(IReadOnlyList<OutboxMessage> notices, Exception e)
    {
        var first = notices[0];
        if (e is NoticeDeferredException deferred)
        {
            // Not a failure: Slack asked for a pause in this lane. Other lanes go on meanwhile.
            logger.LogDebug("Notification {OutboxId} ({Kind}, {Count} together) deferred until {RetryAt:O}: {Reason}",
                first.Id, first.Kind, notices.Count, deferred.RetryAt, deferred.Message);
            var retryAt = deferred.RetryAt > time.GetUtcNow() ? deferred.RetryAt : time.GetUtcNow();
            await ReleaseAsync(notices, n => n.Attempts, retryAt, "deferred: " + deferred.Message).ConfigureAwait(false);
            var ms = retryAt.ToUnixTimeMilliseconds();
            long seen;
            while (ms < (seen = Interlocked.Read(ref _nextDeferredMs)) && Interlocked.CompareExchange(ref _nextDeferredMs, ms, seen) != seen)
            {
            }
            return;
        }
        var attempts = first.Attempts + 1;
        var next = time.GetUtcNow() + RetryDelay(attempts);
        var level = attempts >= 5 ? LogLevel.Error : LogLevel.Warning;
        logger.Log(level, e, "Notification {OutboxId} ({Kind}, request {RequestId}, lane {Lane}, {Count} together) failed on attempt {Attempt}; retrying at {RetryAt:O}",
            first.Id, first.Kind, first.RequestId, first.Lane, notices.Count, attempts, next);
        await ReleaseAsync(notices, n => n.Attempts + 1, next, $"{e.GetType().Name}: {e.Message}").ConfigureAwait(false);
    }

    /// <summary>One notice back as before; a group in one write (<see cref="IOutboxGroupStore.MarkAllFailedAsync"/>).</summary>
    async Task ReleaseAsync(IReadOnlyList<OutboxMessage> notices, Func<OutboxMessage, int> attempts, DateTimeOffset next, string error)
    {
        if (notices.Count == 1)
            await store.MarkDeliveryFailedAsync(notices[0].Id, _owner, attempts(notices[0]), next, error, CancellationToken.None).ConfigureAwait(false);
        else
            await store.MarkAllFailedAsync(notices.Select(n => (n.Id, attempts(n))).ToList(), _owner, next, error, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// After a notice about a request or grant went out, the App Home pages that show it are brought up to date
    /// (<see cref="IAppHomeRefresher"/>, when one is registered). The notice is delivered whatever happens here.
    /// </summary>
    async Task RefreshAppHomesAsync(IServiceProvider services, OutboxMessage message, CancellationToken cancellationToken)
    {
        if (services.GetService<IAppHomeRefresher>() is not { } homes) return;
        try
        {
            await homes.RefreshForRequestAsync(message.RequestId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Refreshing App Home pages after notification {OutboxId} ({Kind}) failed", message.Id, message.Kind);
        }
    }
}
