using JitBot.Requests;
using Quartz;

namespace JitBot.Grants;

/// <summary>
/// Wakes the revoker when a grant expires and the lifecycle when a pending request times out. A missed
/// wake-up is caught by <see cref="ExpirySweeper"/>: the grants and requests tables are the source of truth.
/// </summary>
public interface IGrantScheduler
{
    Task ScheduleRevokeAsync(GrantId id, DateTimeOffset at, CancellationToken cancellationToken);
    Task UnscheduleRevokeAsync(GrantId id, CancellationToken cancellationToken);
    Task ScheduleTimeoutAsync(RequestId id, DateTimeOffset at, CancellationToken cancellationToken);
    Task UnscheduleTimeoutAsync(RequestId id, CancellationToken cancellationToken);
}

/// <summary>
/// Revokes one grant when its trigger fires, through <see cref="RevocationBatcher"/> (so grants falling due together
/// are revoked together), and waits for it: a replica that dies mid-revocation leaves the job to be recovered by
/// another. Carries only the grant id. Two runs for one grant (a retry and a recovered trigger, in one replica or
/// two) take turns through the grant's revocation lease in the store, so Quartz is not asked to keep them apart:
/// that would make every firing round take Quartz's cluster-wide lock. The job is not durable and its trigger fires
/// once, so Quartz deletes both when the firing completes; the revoker does not delete them itself.
/// </summary>
public sealed class RevokeGrantJob(RevocationBatcher revocations) : IJob
{
    public const string Group = "grants";
    public const string GrantIdKey = "grantId";

    public static JobKey KeyFor(GrantId id) => new($"revoke-{id}", Group);
    public static TriggerKey TriggerKeyFor(GrantId id) => new($"revoke-{id}", Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var id = context.MergedJobDataMap.GetString(GrantIdKey)
                 ?? throw new JobExecutionException($"Job {context.JobDetail.Key} has no '{GrantIdKey}'.");
        await revocations.RevokeAsync(new GrantId(id), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Times out one pending request when its trigger fires. Carries only the request id.</summary>
public sealed class PendingTimeoutJob(IRequestTimeouts timeouts) : IJob
{
    public const string Group = "requests";
    public const string RequestIdKey = "requestId";

    public static JobKey KeyFor(RequestId id) => new($"timeout-{id}", Group);
    public static TriggerKey TriggerKeyFor(RequestId id) => new($"timeout-{id}", Group);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var id = context.MergedJobDataMap.GetString(RequestIdKey)
                 ?? throw new JobExecutionException($"Job {context.JobDetail.Key} has no '{RequestIdKey}'.");
        await timeouts.TimeOutAsync(new RequestId(id), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Times out pending requests (implemented by the request lifecycle).</summary>
public interface IRequestTimeouts
{
    /// <summary>Moves the request to TimedOut if it is still pending and past its timeout; true if it moved.</summary>
    Task<bool> TimeOutAsync(RequestId id, CancellationToken cancellationToken);
}

/// <summary>The Quartz implementation: one job per grant (<c>revoke-{grantId}</c> in <c>grants</c>) and per pending request.</summary>
public sealed class QuartzGrantScheduler(ISchedulerFactory factory) : IGrantScheduler
{
    public Task ScheduleRevokeAsync(GrantId id, DateTimeOffset at, CancellationToken cancellationToken) =>
        OneShotJobs.ScheduleAsync<RevokeGrantJob>(factory, RevokeGrantJob.KeyFor(id), RevokeGrantJob.TriggerKeyFor(id), RevokeGrantJob.GrantIdKey, id.Value, at, cancellationToken);

    public async Task UnscheduleRevokeAsync(GrantId id, CancellationToken cancellationToken)
    {
        var scheduler = await factory.GetScheduler(cancellationToken).ConfigureAwait(false);
        await scheduler.DeleteJob(RevokeGrantJob.KeyFor(id), cancellationToken).ConfigureAwait(false);
    }

    public Task ScheduleTimeoutAsync(RequestId id, DateTimeOffset at, CancellationToken cancellationToken) =>
        OneShotJobs.ScheduleAsync<PendingTimeoutJob>(factory, PendingTimeoutJob.KeyFor(id), PendingTimeoutJob.TriggerKeyFor(id), PendingTimeoutJob.RequestIdKey, id.Value, at, cancellationToken);

    public async Task UnscheduleTimeoutAsync(RequestId id, CancellationToken cancellationToken)
    {
        var scheduler = await factory.GetScheduler(cancellationToken).ConfigureAwait(false);
        await scheduler.DeleteJob(PendingTimeoutJob.KeyFor(id), cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// A job that fires once at a moment, carrying one id, asking for recovery (a replica that dies with it in hand
/// hands it on), and firing at once when the moment was missed while the bot was down. Scheduling it again
/// replaces it. Used for grant revocations, approval timeouts and incident ends.
/// </summary>
public static class OneShotJobs
{
    public static async Task ScheduleAsync<TJob>(ISchedulerFactory factory, JobKey jobKey, TriggerKey triggerKey, string dataKey, string value,
        DateTimeOffset at, CancellationToken cancellationToken) where TJob : IJob
    {
        var scheduler = await factory.GetScheduler(cancellationToken).ConfigureAwait(false);
        var job = JobBuilder.Create<TJob>()
            .WithIdentity(jobKey)
            .UsingJobData(dataKey, value)
            .RequestRecovery()
            .Build();
        var trigger = TriggerBuilder.Create()
            .WithIdentity(triggerKey)
            .ForJob(job)
            .StartAt(at)
            .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
            .Build();
        // The first try inserts: on a database that is a plain insert, without Quartz's scheduler-wide lock
        // (LockOnInsert is off, see QuartzCluster); only a job that exists already is replaced, under the lock.
        try
        {
            await scheduler.ScheduleJob(job, trigger, new ScheduleJobOptions(), cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectAlreadyExistsException)
        {
            await scheduler.ScheduleJob(job, [trigger], ScheduleJobOptions.Replacing, cancellationToken).ConfigureAwait(false);
        }
    }
}
