using JitBot.Policies;
using JitBot.Requests;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using Quartz;

namespace JitBot.Tests.Requests;

/// <summary>
/// The step job in Quartz (which fires on real time, so these tests check what Quartz holds and the job's Execute
/// path): one trigger per pending request at its next step, moved on by the job, removed by a decision, rebuilt from
/// the store at start-up.
/// </summary>
public sealed class ApprovalStepQuartzTests : IAsyncLifetime
{
    readonly CoreHarness h = new();
    readonly string _schedulerName = "jitbot-step-test-" + Guid.NewGuid().ToString("n")[..8];
    CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync()
    {
        h.Policy.RequireApproval("payments-db", TimeSpan.FromHours(2),
            new ApprovalPlan("C0PAYMENTS", [new ApprovalRequirement(FakePolicy.Group("@payments-oncall", "S0ONCALL"), 1)], TimeSpan.FromHours(1))
            {
                RemindAfter = TimeSpan.FromMinutes(20),
                Escalation = new ApprovalEscalation(TimeSpan.FromMinutes(40), FakePolicy.Group("@payments-leads", "S0LEADS"), "C0LEADS"),
            });
        h.Directory_.Add("S0ONCALL", "U0ALICE");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    async Task<(IScheduler Scheduler, QuartzApprovalStepScheduler Steps, StandaloneSchedulerFactory Factory)> QuartzAsync()
    {
        var factory = QuartzSchedulerBuilder.Create(q =>
        {
            q.ConfigureScheduler(o => o.InstanceName = _schedulerName);
            q.UseInMemoryStore();
        }).Build();
        var scheduler = await factory.GetScheduler(Ct);
        await scheduler.Start(Ct);
        await scheduler.Standby(Ct); // the fake clock's times are in the past of the real one: never fire here
        return (scheduler, new QuartzApprovalStepScheduler(factory), factory);
    }

    [Fact]
    public async Task TheJob_TakesTheDueStep_AndMovesItsTriggerToTheNext_AndADecisionRemovesIt()
    {
        var (scheduler, quartz, factory) = await QuartzAsync();
        await using var _ = factory;
        var requests = new RequestService(h.Store, h.Directory_, h.Decider, h.Provisioner, h.Scheduler, h.Time, NullLogger<RequestService>.Instance, quartz);
        var steps = new ApprovalSteps(h.Store, quartz, h.Time, NullLogger<ApprovalSteps>.Instance);

        var id = (await requests.SubmitAsync(new NewAccessRequest("U0REQ", "payments-db", null, "deploy", null, null), Ct)).Request.Id;
        var trigger = await scheduler.GetTrigger(ApprovalStepJob.TriggerKeyFor(id), Ct);
        Assert.Equal(CoreHarness.Start.AddMinutes(20), trigger!.NextFireTimeUtc);
        var job = await scheduler.GetJobDetail(ApprovalStepJob.KeyFor(id), Ct);
        Assert.Equal(($"approval-step-{id}", "requests", id.Value), (job!.Key.Name, job.Key.Group, job.JobDataMap.GetString(ApprovalStepJob.RequestIdKey)));

        h.Time.Advance(TimeSpan.FromMinutes(20));
        var context = Substitute.For<IJobExecutionContext>();
        context.MergedJobDataMap.Returns(new JobDataMap { [ApprovalStepJob.RequestIdKey] = id.Value });
        await new ApprovalStepJob(steps).Execute(context, Ct);

        Assert.NotNull((await h.Store.FindRequestAsync(id, Ct))!.RemindedAt);
        Assert.Equal(CoreHarness.Start.AddMinutes(40), (await scheduler.GetTrigger(ApprovalStepJob.TriggerKeyFor(id), Ct))!.NextFireTimeUtc);

        Assert.Equal(ApprovalVerdict.Approved, (await requests.ApproveAsync(id, "U0ALICE", Ct)).Verdict);
        Assert.False(await scheduler.Exists(ApprovalStepJob.KeyFor(id), Ct));
        await scheduler.Shutdown(false, Ct);
    }

    [Fact]
    public async Task AtStartUp_EveryPendingRequestWithAStepToCome_GetsItsJobBack()
    {
        var reminded = (await h.SubmitAsync("U0REQ", "payments-db")).Request.Id;
        h.Time.Advance(TimeSpan.FromMinutes(25));
        await h.Steps.RunDueAsync(reminded, Ct);
        var fresh = (await h.SubmitAsync("U0OTHER", "payments-db")).Request.Id;
        var decided = (await h.SubmitAsync("U0THIRD", "payments-db")).Request.Id;
        await h.Requests.ApproveAsync(decided, "U0ALICE", Ct);
        var (scheduler, quartz, factory) = await QuartzAsync();
        await using var _ = factory;

        await new ApprovalStepRestoreService(h.Store, quartz, NullLogger<ApprovalStepRestoreService>.Instance).StartAsync(Ct);

        Assert.Equal(CoreHarness.Start.AddMinutes(40), (await scheduler.GetTrigger(ApprovalStepJob.TriggerKeyFor(reminded), Ct))!.NextFireTimeUtc);
        Assert.Equal(h.Time.GetUtcNow().AddMinutes(20), (await scheduler.GetTrigger(ApprovalStepJob.TriggerKeyFor(fresh), Ct))!.NextFireTimeUtc);
        Assert.False(await scheduler.Exists(ApprovalStepJob.KeyFor(decided), Ct));
        await scheduler.Shutdown(false, Ct);
    }
}
