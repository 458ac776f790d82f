using System.Globalization;
using JitBot.Audit;
using JitBot.Common;
using JitBot.Storage;
using Microsoft.Extensions.Logging;

namespace JitBot.Requests;

/// <summary>
/// Takes a pending request's reminder and escalation when they are due (<see cref="ApprovalSchedule"/>). Each step is
/// a compare-and-swap on the request (<see cref="IAccessStoreTransaction.TryMarkApprovalStepAsync"/>) in the
/// transaction that writes its audit event and queues its notice, so a step happens once however many replicas, jobs
/// and sweeps try it. Woken by a Quartz job per pending request (<see cref="IApprovalStepScheduler"/>) and by
/// <see cref="ApprovalStepSweepService"/>, which catches the wake-ups missed while JitBot was down.
/// </summary>
public sealed class ApprovalSteps(IAccessStore store, IApprovalStepScheduler scheduler, TimeProvider time, ILogger<ApprovalSteps> logger)
{
    /// <summary>How many pending requests one sweep looks at.</summary>
    public const int SweepMax = 1000;

    /// <summary>Takes the steps of <paramref name="id"/> that are due now and schedules the next one; returns how many were taken.</summary>
    public async Task<int> RunDueAsync(RequestId id, CancellationToken cancellationToken)
    {
        var request = await store.FindRequestAsync(id, cancellationToken).ConfigureAwait(false);
        if (request is null || request.State != RequestState.Pending) return 0;
        var now = time.GetUtcNow();
        if (now >= RequestService.TimeoutAt(request)) return 0; // the timeout takes it from here
        var taken = 0;
        var due = ApprovalSchedule.Due(request, now);
        if (due.Count > 0)
        {
            await using var tx = await store.BeginAsync(cancellationToken).ConfigureAwait(false);
            foreach (var step in due)
            {
                if (!await tx.TryMarkApprovalStepAsync(id, step.Step, now, cancellationToken).ConfigureAwait(false)) continue;
                await tx.AppendAuditAsync(AuditOf(request, step, now), cancellationToken).ConfigureAwait(false);
                await tx.EnqueueAsync(step.Step == ApprovalStep.Remind ? NotificationKind.ApprovalReminder : NotificationKind.ApprovalEscalated,
                    id, null, null, now, cancellationToken).ConfigureAwait(false);
                taken++;
            }
            if (taken > 0) await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
            if (taken > 0) logger.LogInformation("Request {RequestId}: {Steps} taken", id, string.Join(", ", due.Select(d => d.Step)));
            request = await store.FindRequestAsync(id, cancellationToken).ConfigureAwait(false) ?? request;
        }
        if (ApprovalSchedule.Next(request) is { } next)
        {
            try
            {
                await scheduler.ScheduleAsync(id, next, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not schedule the next approval step of {RequestId}; the sweep covers it", id);
            }
        }
        return taken;
    }

    /// <summary>Takes every due step of every pending request (at most <see cref="SweepMax"/> requests, oldest first).</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var taken = 0;
        foreach (var request in await store.PendingRequestsAsync(SweepMax, cancellationToken).ConfigureAwait(false))
        {
            if (ApprovalSchedule.Due(request, now).Count == 0) continue;
            try
            {
                taken += await RunDueAsync(request.Id, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Taking the approval steps of {RequestId} failed; the next sweep tries again", request.Id);
            }
        }
        if (taken > 0) logger.LogInformation("Approval step sweep: {Taken} reminders and escalations taken", taken);
        return taken;
    }

    static AuditEvent AuditOf(AccessRequest request, DueStep step, DateTimeOffset now)
    {
        var plan = request.Decision.Approval!;
        var data = new Dictionary<string, string?>
        {
            ["dueAt"] = step.At.ToString("O", CultureInfo.InvariantCulture),
            ["approvers"] = string.Join(";", plan.Requirements.Select(r => $"{r.Count} of {r.Approvers.Name}")),
        };
        if (step.Step == ApprovalStep.Escalate && plan.Escalation is { } e)
        {
            data["escalatedTo"] = e.Approvers.Name;
            data["channel"] = e.Channel;
        }
        return new AuditEvent(step.Step == ApprovalStep.Remind ? AuditKinds.RequestReminded : AuditKinds.RequestEscalated,
            now, RequestService.SystemActor, request.Id.Value, null, data);
    }
}
