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
/// people go out in parallel and each lane's in the order they happened, across replicas. Wakes at once when
/// something is queued or a sender finishes (<see cref="OutboxSignal"/>), retries failures with backoff (5 s,
/// 10 s, … up to 5 minutes, for ever) and tries a deferred notice (<see cref="NoticeDeferredException"/>) again
/// when Slack allows. A notice is only marked delivered after the notifier returned, so a crash or a throwing
/// notifier delays it but never loses it; notifiers therefore see a notice at least once.
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

    readonly int _senders = (options?.Value ?? new NotificationOptions()).Checked().Senders;
    readonly string _owner = LeaseOwner.New("outbox");
    readonly ConcurrentDictionary<long, Task> _inFlight = new();
    long _nextDeferredMs = long.MaxValue;
    int _claiming;

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
                while (_senders - _inFlight.Count is var free and > 0 &&
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
        using var slots = new SemaphoreSlim(_senders, _senders);
        await Task.WhenAll(due.Select(async message =>
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await DeliverAsync(message, cancellationToken).ConfigureAwait(false);
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
                        await DeliverAsync(message, cancellationToken).ConfigureAwait(false);
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
            if (message.Kind == NotificationKind.LateAnswer)
            {
                var answers = scope.ServiceProvider.GetService<ILateAnswers>()
                              ?? throw new InvalidOperationException("No ILateAnswers is registered, so late answers cannot be sent.");
                await answers.SendAsync(message.Payload ?? "", message.CreatedAt, cancellationToken).ConfigureAwait(false);
            }
            else if (message.Kind == NotificationKind.IncidentDigest)
            {
                var digests = scope.ServiceProvider.GetService<Incidents.IIncidentDigests>()
                              ?? throw new InvalidOperationException("No IIncidentDigests is registered, so incident digests cannot be sent.");
                await digests.SendAsync(new Incidents.IncidentId(message.Payload ?? ""), cancellationToken).ConfigureAwait(false);
            }
            else if (!await NotifyAsync(scope.ServiceProvider, message, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
            await store.MarkDeliveredAsync(message.Id, _owner, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (NoticeDeferredException deferred)
        {
            // Not a failure: Slack asked for a pause in this lane. Other lanes go on meanwhile.
            logger.LogDebug("Notification {OutboxId} ({Kind}) deferred until {RetryAt:O}: {Reason}", message.Id, message.Kind, deferred.RetryAt, deferred.Message);
            var retryAt = deferred.RetryAt > time.GetUtcNow() ? deferred.RetryAt : time.GetUtcNow();
            await store.MarkDeliveryFailedAsync(message.Id, _owner, message.Attempts, retryAt, "deferred: " + deferred.Message, CancellationToken.None).ConfigureAwait(false);
            var ms = retryAt.ToUnixTimeMilliseconds();
            long seen;
            while (ms < (seen = Interlocked.Read(ref _nextDeferredMs)) && Interlocked.CompareExchange(ref _nextDeferredMs, ms, seen) != seen)
            {
            }
        }
        catch (Exception e)
        {
            var attempts = message.Attempts + 1;
            var retryAt = time.GetUtcNow() + RetryDelay(attempts);
            var level = attempts >= 5 ? LogLevel.Error : LogLevel.Warning;
            logger.Log(level, e, "Notification {OutboxId} ({Kind}, request {RequestId}) failed on attempt {Attempt}; retrying at {RetryAt:O}",
                message.Id, message.Kind, message.RequestId, attempts, retryAt);
            await store.MarkDeliveryFailedAsync(message.Id, _owner, attempts, retryAt, $"{e.GetType().Name}: {e.Message}", CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Tells the notifier about a request's notice; false when the notice was dropped (and marked) instead.</summary>
    async Task<bool> NotifyAsync(IServiceProvider services, OutboxMessage message, CancellationToken cancellationToken)
    {
        var notifier = services.GetService<IAccessNotifier>()
                       ?? throw new InvalidOperationException("No IAccessNotifier is registered, so notices cannot be sent.");
        var request = await store.FindRequestAsync(message.RequestId, cancellationToken).ConfigureAwait(false);
        if (request is null)
        {
            logger.LogError("Notification {OutboxId} ({Kind}) is about request {RequestId}, which does not exist; dropping it", message.Id, message.Kind, message.RequestId);
            await store.MarkDeliveredAsync(message.Id, _owner, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            return false;
        }
        switch (message.Kind)
        {
            case NotificationKind.ApprovalNeeded:
                await notifier.ApprovalNeededAsync(request, cancellationToken).ConfigureAwait(false);
                break;
            case NotificationKind.ApprovalRecorded:
                var vote = System.Text.Json.JsonSerializer.Deserialize<ApprovalVote>(message.Payload ?? "null", DecisionJson.Options)
                           ?? throw new InvalidOperationException($"Notification {message.Id} has no vote.");
                await notifier.ApprovalRecordedAsync(request, vote, cancellationToken).ConfigureAwait(false);
                break;
            case NotificationKind.RequestClosed:
                await notifier.RequestClosedAsync(request, cancellationToken).ConfigureAwait(false);
                break;
            case NotificationKind.GrantStarted:
                await notifier.GrantStartedAsync(request, await GrantOfAsync(message, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                break;
            case NotificationKind.GrantEnded:
                await notifier.GrantEndedAsync(request, await GrantOfAsync(message, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                break;
            case NotificationKind.GrantFailed:
                await notifier.GrantFailedAsync(request, message.Payload ?? "The grant failed.", cancellationToken).ConfigureAwait(false);
                break;
            case NotificationKind.ApprovalReminder:
                await notifier.ApprovalReminderAsync(request, cancellationToken).ConfigureAwait(false);
                break;
            case NotificationKind.ApprovalEscalated:
                await notifier.ApprovalEscalatedAsync(request, cancellationToken).ConfigureAwait(false);
                break;
            case NotificationKind.ProviderAlert:
                var alerts = services.GetService<IProviderAlerts>()
                             ?? throw new InvalidOperationException("No IProviderAlerts is registered, so provider alerts cannot be sent.");
                var alert = System.Text.Json.JsonSerializer.Deserialize<ProviderAlert>(message.Payload ?? "null", DecisionJson.Options)
                            ?? throw new InvalidOperationException($"Notification {message.Id} has no alert.");
                await alerts.AlertAsync(request, alert, cancellationToken).ConfigureAwait(false);
                break;
            default:
                throw new InvalidOperationException($"Unknown notification kind {message.Kind}.");
        }
        return true;
    }

    async Task<Grant> GrantOfAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var record = message.GrantId is { } gid
            ? await store.FindGrantAsync(gid, cancellationToken).ConfigureAwait(false)
            : await store.FindGrantByRequestAsync(message.RequestId, cancellationToken).ConfigureAwait(false);
        return record?.Grant ?? throw new InvalidOperationException($"Notification {message.Id} names a grant that does not exist.");
    }
}
