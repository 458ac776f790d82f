using JitBot.Common;
using JitBot.Grants;
using JitBot.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;

namespace JitBot.Requests;

/// <summary>Wakes <see cref="ApprovalSteps"/> when a pending request's next reminder or escalation is due.</summary>
public interface IApprovalStepScheduler
{
    Task ScheduleAsync(RequestId id, DateTimeOffset at, CancellationToken cancellationToken);
    Task UnscheduleAsync(RequestId id, CancellationToken cancellationToken);
}

/// <summary>One Quartz job per pending request with a step to come (<c>approval-step-{requestId}</c> in <c>requests</c>).</summary>
public sealed class QuartzApprovalStepScheduler(ISchedulerFactory factory) : IApprovalStepScheduler
{
    public Task ScheduleAsync(RequestId id, DateTimeOffset at, CancellationToken cancellationToken) =>
        OneShotJobs.ScheduleAsync<ApprovalStepJob>(factory, ApprovalStepJob.KeyFor(id), ApprovalStepJob.TriggerKeyFor(id), ApprovalStepJob.RequestIdKey, id.Value, at, cancellationToken);

    public async Task UnscheduleAsync(RequestId id, CancellationToken cancellationToken)
    {
        var scheduler = await factory.GetScheduler(cancellationToken).ConfigureAwait(false);
        await scheduler.DeleteJob(ApprovalStepJob.KeyFor(id), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Takes the due approval steps of one request when its trigger fires (and schedules the next). Carries only the request id.</summary>
public sealed class ApprovalStepJob(ApprovalSteps steps) : IJob
{
    public const string Group = "requests";
    public const string RequestIdKey = "requestId";

    public static JobKey KeyFor(RequestId id) => new($"approval-step-{id}", Group);
    public static TriggerKey TriggerKeyFor(RequestId id) => new($"approval-step-{id}", Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var id = context.MergedJobDataMap.GetString(RequestIdKey)
                 ?? throw new JobExecutionException($"Job {context.JobDetail.Key} has no '{RequestIdKey}'.");
        await steps.RunDueAsync(new RequestId(id), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Runs <see cref="ApprovalSteps.SweepAsync"/> at start-up and then every minute (by <see cref="TimeProvider"/>).</summary>
public sealed class ApprovalStepSweepService(ApprovalSteps steps, TimeProvider time, ILogger<ApprovalStepSweepService> logger)
    : MinuteSweepService(time, logger, "approval step sweep")
{
    protected override Task SweepAsync(CancellationToken cancellationToken) => steps.SweepAsync(cancellationToken);
}

/// <summary>
/// Rebuilds the step job of every pending request with a reminder or escalation to come when the host starts, where
/// the scheduler keeps its jobs in memory (LiteDB), as <see cref="ScheduleRestoreService"/> does for revocations and
/// timeouts. A step already due fires at once; the sweep still runs.
/// </summary>
public sealed class ApprovalStepRestoreService(IAccessStore store, IApprovalStepScheduler scheduler, ILogger<ApprovalStepRestoreService> logger) : IHostedService
{
    /// <summary>The most pending requests read at start-up.</summary>
    public const int Max = 100_000;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var scheduled = 0;
        foreach (var request in await store.PendingRequestsAsync(Max, cancellationToken).ConfigureAwait(false))
        {
            if (ApprovalSchedule.Next(request) is not { } at) continue;
            await scheduler.ScheduleAsync(request.Id, at, cancellationToken).ConfigureAwait(false);
            scheduled++;
        }
        if (scheduled > 0) logger.LogInformation("Scheduled {Requests} approval reminders and escalations from the store", scheduled);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
