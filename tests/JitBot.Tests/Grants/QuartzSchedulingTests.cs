using JitBot.Grants;
using JitBot.Requests;
using JitBot.Storage;
using JitBot.Tests.Fakes;
using NSubstitute;
using Microsoft.Extensions.Logging.Abstractions;
using Quartz;

namespace JitBot.Tests.Grants;

/// <summary>
/// Quartz fires on real time, so these tests check what Quartz holds (triggers, fire times, the jobs rebuilt
/// from the store at start-up) and the job's Execute path, not the firing itself.
/// </summary>
public sealed class QuartzSchedulingTests : IAsyncLifetime
{
    readonly CoreHarness h = new();
    readonly string _schedulerName = "jitbot-test-" + Guid.NewGuid().ToString("n")[..8];
    CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync()
    {
        h.Policy.AutoApprove("staging-db", TimeSpan.FromHours(1));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    StandaloneSchedulerFactory BuildFactory() =>
        QuartzSchedulerBuilder.Create(q =>
        {
            q.ConfigureScheduler(o => o.InstanceName = _schedulerName);
            q.UseInMemoryStore();
        }).Build();

    [Fact]
    public async Task ScheduleRevoke_StoresOneTriggerAtExpiry_AndUnscheduleRemovesIt()
    {
        var grant = new GrantId("grt_quartztest01");
        var expiresAt = DateTimeOffset.UtcNow.AddHours(3);
        expiresAt = DateTimeOffset.FromUnixTimeMilliseconds(expiresAt.ToUnixTimeMilliseconds());
        await using var factory = BuildFactory();
        var scheduler = await factory.GetScheduler(Ct);
        await scheduler.Start(Ct);
        await scheduler.Standby(Ct);
        var quartz = new QuartzGrantScheduler(factory);

        await quartz.ScheduleRevokeAsync(grant, expiresAt, Ct);
        await quartz.ScheduleRevokeAsync(grant, expiresAt, Ct); // idempotent: replaces, never duplicates

        var trigger = await scheduler.GetTrigger(RevokeGrantJob.TriggerKeyFor(grant), Ct);
        Assert.NotNull(trigger);
        Assert.Equal(expiresAt, trigger.NextFireTimeUtc);
        Assert.Equal(SimpleTriggerMisfireInstruction.FireNow, Assert.IsAssignableFrom<ISimpleTrigger>(trigger).MisfireInstruction);
        var job = await scheduler.GetJobDetail(RevokeGrantJob.KeyFor(grant), Ct);
        Assert.Equal(typeof(RevokeGrantJob), job!.JobType.Type);
        Assert.Equal([RevokeGrantJob.GrantIdKey], job.JobDataMap.Keys.ToArray());
        Assert.Equal(grant.Value, job.JobDataMap.GetString(RevokeGrantJob.GrantIdKey));
        Assert.Equal($"revoke-{grant}", job.Key.Name);
        Assert.Equal("grants", job.Key.Group);

        await quartz.UnscheduleRevokeAsync(grant, Ct);

        Assert.Null(await scheduler.GetTrigger(RevokeGrantJob.TriggerKeyFor(grant), Ct));
        Assert.False(await scheduler.Exists(RevokeGrantJob.KeyFor(grant), Ct));
        await scheduler.Shutdown(false, Ct);
    }

    [Fact]
    public async Task ScheduleRestore_RebuildsEveryRevocationAndTimeoutFromTheStore()
    {
        h.Policy.RequireApproval("payments-db", TimeSpan.FromHours(2), TimeSpan.FromHours(1),
            new JitBot.Policies.ApprovalRequirement(FakePolicy.Group("@payments-oncall", "S0ONCALL"), 1));
        var granted = (await h.SubmitAsync("U0REQUESTER", "staging-db")).Grant!;
        var failing = (await h.SubmitAsync("U0OTHER", "staging-db")).Grant!;
        var pending = await h.SubmitAsync("U0REQUESTER", "payments-db");
        var ended = (await h.SubmitAsync("U0THIRD", "staging-db")).Grant!;
        h.Time.Advance(TimeSpan.FromHours(1));
        h.Provider.RevokeFailuresLeft = 1;
        Assert.Equal(RevokeResult.Failed, await h.Revoker.RevokeAsync(failing.Id, Ct));
        Assert.Equal(RevokeResult.Revoked, await h.Revoker.RevokeAsync(ended.Id, Ct));
        var retryAt = (await h.Store.FindGrantAsync(failing.Id, Ct))!.NextRevokeAt!.Value;
        await using var factory = BuildFactory(); // a new process: the in-memory job store starts empty
        var scheduler = await factory.GetScheduler(Ct);

        await new ScheduleRestoreService(h.Store, new QuartzGrantScheduler(factory), NullLogger<ScheduleRestoreService>.Instance).StartAsync(Ct);

        Assert.Equal(granted.ExpiresAt, (await scheduler.GetTrigger(RevokeGrantJob.TriggerKeyFor(granted.Id), Ct))!.NextFireTimeUtc);
        Assert.Equal(retryAt, (await scheduler.GetTrigger(RevokeGrantJob.TriggerKeyFor(failing.Id), Ct))!.NextFireTimeUtc);
        Assert.Equal(RequestService.TimeoutAt(pending.Request),
            (await scheduler.GetTrigger(PendingTimeoutJob.TriggerKeyFor(pending.Request.Id), Ct))!.NextFireTimeUtc);
        Assert.Null(await scheduler.GetTrigger(RevokeGrantJob.TriggerKeyFor(ended.Id), Ct));
        Assert.Equal(3, (await scheduler.GetTriggerKeys(GroupMatcher<TriggerKey>.AnyGroup(), Ct)).Count);
        await scheduler.Shutdown(false, Ct);
    }

    [Fact]
    public async Task GrantLifecycle_WithQuartz_SchedulesAtExpiry_ReschedulesFailedRevokes_AndLeavesASpentTriggerToFindTheGrantEnded()
    {
        await using var factory = BuildFactory();
        var scheduler = await factory.GetScheduler(Ct);
        await scheduler.Start(Ct);
        await scheduler.Standby(Ct); // the fake clock's times are in the past of the real one: never fire here
        var quartz = new QuartzGrantScheduler(factory);
        var provisioner = new GrantProvisioner(h.Store, h.GrantProviders, h.Alerts, quartz, h.Credentials, h.Time, NullLogger<GrantProvisioner>.Instance);
        var revoker = new GrantRevoker(h.Store, h.GrantProviders, h.Alerts, Microsoft.Extensions.Options.Options.Create(h.Options), quartz, h.Lateness, h.Time, NullLogger<GrantRevoker>.Instance);
        var requests = new RequestService(h.Store, h.Directory_, h.Decider, provisioner, quartz, h.Time, NullLogger<RequestService>.Instance);

        var grant = (await (await requests.SubmitAsync(new NewAccessRequest("U0REQ", "staging-db", null, "deploy", null, null), Ct)).FinishedAsync()).Grant!;

        Assert.Equal(grant.ExpiresAt, (await scheduler.GetTrigger(RevokeGrantJob.TriggerKeyFor(grant.Id), Ct))!.NextFireTimeUtc);

        h.Time.Advance(TimeSpan.FromHours(1));
        h.Provider.RevokeFailuresLeft = 1;
        Assert.Equal(RevokeResult.Failed, await revoker.RevokeAsync(grant.Id, Ct));
        Assert.Equal(h.Time.GetUtcNow() + RevokeBackoff.After(1), (await scheduler.GetTrigger(RevokeGrantJob.TriggerKeyFor(grant.Id), Ct))!.NextFireTimeUtc);

        h.Time.Advance(RevokeBackoff.After(1));
        Assert.Equal(RevokeResult.Revoked, await revoker.RevokeAsync(grant.Id, Ct));

        // Revoked before its trigger fired (as the sweep may): the trigger is left to fire once, find the grant ended
        // and be removed by Quartz with its spent job; nothing is asked of the provider again.
        Assert.NotNull(await scheduler.GetTrigger(RevokeGrantJob.TriggerKeyFor(grant.Id), Ct));
        var context = Substitute.For<IJobExecutionContext>();
        context.MergedJobDataMap.Returns(new JobDataMap { [RevokeGrantJob.GrantIdKey] = grant.Id.Value });
        await new RevokeGrantJob(new RevocationBatcher(revoker, Microsoft.Extensions.Options.Options.Create(h.Options), NullLogger<RevocationBatcher>.Instance))
            .Execute(context, Ct);
        Assert.Equal(2, h.Provider.RevokeCalls);
        await scheduler.Shutdown(false, Ct);
    }

    [Fact]
    public async Task ScheduleTimeout_StoresTriggerAtTimeout()
    {
        var request = new RequestId("req_quartztest01");
        var at = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds());
        await using var factory = BuildFactory();
        var scheduler = await factory.GetScheduler(Ct);
        await scheduler.Start(Ct);
        await scheduler.Standby(Ct);
        var quartz = new QuartzGrantScheduler(factory);

        await quartz.ScheduleTimeoutAsync(request, at, Ct);
        var trigger = await scheduler.GetTrigger(PendingTimeoutJob.TriggerKeyFor(request), Ct);
        await quartz.UnscheduleTimeoutAsync(request, Ct);

        Assert.Equal(at, trigger!.NextFireTimeUtc);
        Assert.Null(await scheduler.GetTrigger(PendingTimeoutJob.TriggerKeyFor(request), Ct));
        await scheduler.Shutdown(false, Ct);
    }

    [Fact]
    public async Task RevokeGrantJob_Execute_RevokesTheGrantNamedInItsData()
    {
        var grant = (await h.SubmitAsync("U0REQUESTER", "staging-db")).Grant!;
        h.Time.Advance(TimeSpan.FromHours(1));
        var context = Substitute.For<IJobExecutionContext>();
        context.MergedJobDataMap.Returns(new JobDataMap { [RevokeGrantJob.GrantIdKey] = grant.Id.Value });

        await new RevokeGrantJob(h.Revocations).Execute(context, Ct);

        Assert.Equal(GrantState.Expired, (await h.Store.FindGrantAsync(grant.Id, Ct))!.Grant.State);
        Assert.Equal(1, h.Provider.RevokeCalls);
    }

    [Fact]
    public async Task PendingTimeoutJob_Execute_TimesOutTheRequest()
    {
        h.Policy.RequireApproval("payments-db", TimeSpan.FromHours(2), TimeSpan.FromHours(1),
            new JitBot.Policies.ApprovalRequirement(FakePolicy.Group("@payments-oncall", "S0ONCALL"), 1));
        var pending = await h.SubmitAsync("U0REQUESTER", "payments-db");
        h.Time.Advance(TimeSpan.FromHours(1));
        var context = Substitute.For<IJobExecutionContext>();
        context.MergedJobDataMap.Returns(new JobDataMap { [PendingTimeoutJob.RequestIdKey] = pending.Request.Id.Value });

        await new PendingTimeoutJob(h.Requests).Execute(context, Ct);

        Assert.Equal(RequestState.TimedOut, (await h.Requests.FindAsync(pending.Request.Id, Ct))!.State);
    }
}
