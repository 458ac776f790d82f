using System.Text.Json;
using JitBot.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JitBot.Requests;

/// <summary>
/// Delivers the notification outbox through <see cref="IAccessNotifier"/>, after the state change that queued
/// them has committed. Wakes at once when something is queued (<see cref="OutboxSignal"/>), retries failures
/// with backoff (5 s, 10 s, … up to 5 minutes, for ever), and marks what was delivered. A notice is only
/// marked delivered after the notifier returned, so a crash or a throwing notifier delays it but never loses
/// it; notifiers therefore see a notice at least once.
/// </summary>
public sealed class NotificationDispatcher(
    IAccessStore store,
    OutboxSignal signal,
    IServiceScopeFactory scopes,
    TimeProvider time,
    ILogger<NotificationDispatcher> logger) : BackgroundService
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

    readonly SemaphoreSlim _pass = new(1, 1);
    readonly string _owner = LeaseOwner.New("outbox");

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
                while (await DeliverDueAsync(stoppingToken).ConfigureAwait(false) > 0)
                {
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Delivering notifications failed; trying again shortly");
            }
            await signal.WaitAsync(RetryPoll, time, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Delivers everything that is due now, once. Returns how many notices it tried (delivered or failed).
    /// </summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        await _pass.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var due = await store.ClaimNotificationsAsync(_owner, time.GetUtcNow(), ClaimLease, Batch, cancellationToken).ConfigureAwait(false);
            foreach (var message in due)
                await DeliverAsync(message, cancellationToken).ConfigureAwait(false);
            return due.Count;
        }
        finally
        {
            _pass.Release();
        }
    }

    /// <summary>
    /// Returns when nothing in the outbox is due any more: everything queued so far was delivered, or failed
    /// and waits for its retry time.
    /// </summary>
    public async Task WaitForIdleAsync(CancellationToken cancellationToken)
    {
        while (await DeliverDueAsync(cancellationToken).ConfigureAwait(false) > 0)
        {
        }
    }

    async Task DeliverAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var notifier = scope.ServiceProvider.GetService<IAccessNotifier>()
                           ?? throw new InvalidOperationException("No IAccessNotifier is registered, so notices cannot be sent.");
            var request = await store.FindRequestAsync(message.RequestId, cancellationToken).ConfigureAwait(false);
            if (request is null)
            {
                logger.LogError("Notification {OutboxId} ({Kind}) is about request {RequestId}, which does not exist; dropping it", message.Id, message.Kind, message.RequestId);
                await store.MarkDeliveredAsync(message.Id, _owner, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
                return;
            }
            switch (message.Kind)
            {
                case NotificationKind.ApprovalNeeded:
                    await notifier.ApprovalNeededAsync(request, cancellationToken).ConfigureAwait(false);
                    break;
                case NotificationKind.ApprovalRecorded:
                    var vote = JsonSerializer.Deserialize<ApprovalVote>(message.Payload ?? "null", DecisionJson.Options)
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
                case NotificationKind.ProviderAlert:
                    var alerts = scope.ServiceProvider.GetService<IProviderAlerts>()
                                 ?? throw new InvalidOperationException("No IProviderAlerts is registered, so provider alerts cannot be sent.");
                    var alert = JsonSerializer.Deserialize<ProviderAlert>(message.Payload ?? "null", DecisionJson.Options)
                                ?? throw new InvalidOperationException($"Notification {message.Id} has no alert.");
                    await alerts.AlertAsync(request, alert, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    throw new InvalidOperationException($"Unknown notification kind {message.Kind}.");
            }
            await store.MarkDeliveredAsync(message.Id, _owner, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
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

    async Task<Grant> GrantOfAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var record = message.GrantId is { } gid
            ? await store.FindGrantAsync(gid, cancellationToken).ConfigureAwait(false)
            : await store.FindGrantByRequestAsync(message.RequestId, cancellationToken).ConfigureAwait(false);
        return record?.Grant ?? throw new InvalidOperationException($"Notification {message.Id} names a grant that does not exist.");
    }
}
