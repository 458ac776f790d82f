using JitBot.Audit;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Tests.Fakes;

namespace JitBot.Tests.Requests;

/// <summary>
/// Reminders and escalation through the lifecycle: the step is taken once (a second run, a sweep or a second replica
/// finds it taken), its audit event and notice go with it, the escalation's approvers may decide from then on, a
/// decided request takes no steps; and a denial keeps its reason.
/// </summary>
public sealed class ApprovalStepsTests : IAsyncLifetime
{
    const string Requester = "U0REQUESTER";
    const string Alice = "U0ALICE";
    const string Lead = "U0LEAD";
    const string Oncall = "S0ONCALL";
    const string Leads = "S0LEADS";
    static readonly TimeSpan TwoHours = TimeSpan.FromHours(2);

    readonly CoreHarness h = new();
    CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync()
    {
        h.Policy.RequireApproval("payments-db", TwoHours,
            new ApprovalPlan("C0PAYMENTS", [new ApprovalRequirement(FakePolicy.Group("@payments-oncall", Oncall), 1)], TimeSpan.FromHours(1))
            {
                RemindAfter = TimeSpan.FromMinutes(20),
                Escalation = new ApprovalEscalation(TimeSpan.FromMinutes(40), FakePolicy.Group("@payments-leads", Leads), "C0LEADS"),
            });
        h.Directory_.Add(Oncall, Alice).Add(Leads, Lead);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Fact]
    public async Task Submit_SchedulesTheReminder_ThenEachStepIsTakenOnce_WithItsNoticeAndAuditEvent()
    {
        var id = (await h.SubmitAsync(Requester, "payments-db")).Request.Id;
        Assert.Equal(CoreHarness.Start.AddMinutes(20), h.Scheduler.Steps[id]);

        Assert.Equal(0, await h.Steps.RunDueAsync(id, Ct)); // a job that fires early does nothing
        h.Time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(1, await h.Steps.RunDueAsync(id, Ct));
        Assert.Equal(0, await h.Steps.RunDueAsync(id, Ct));
        Assert.Equal(0, await h.Beside().Steps.SweepAsync(Ct));
        Assert.Equal(CoreHarness.Start.AddMinutes(40), h.Scheduler.Steps[id]);

        h.Time.Advance(TimeSpan.FromMinutes(20));
        Assert.Equal(1, await h.Steps.SweepAsync(Ct));
        Assert.Equal(0, await h.Steps.RunDueAsync(id, Ct));

        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Equal(["ApprovalNeeded", "ApprovalReminder", "ApprovalEscalated"], h.Notifier.KindsFor(id));
        var stored = await h.Requests.FindAsync(id, Ct);
        Assert.Equal(CoreHarness.Start.AddMinutes(20), stored!.RemindedAt);
        Assert.Equal(CoreHarness.Start.AddMinutes(40), stored.EscalatedAt);
        var audit = await h.Store.AuditForRequestAsync(id.Value, Ct);
        Assert.Single(audit, a => a.Event.Kind == AuditKinds.RequestReminded);
        var escalated = Assert.Single(audit, a => a.Event.Kind == AuditKinds.RequestEscalated);
        Assert.Equal("@payments-leads", escalated.Event.Data!["escalatedTo"]);
    }

    [Fact]
    public async Task AfterARestart_TheSweepTakesEveryMissedStep_AndTheTimeoutStillComes()
    {
        var id = (await h.SubmitAsync(Requester, "payments-db")).Request.Id;
        h.Time.Advance(TimeSpan.FromMinutes(50));
        await using var restarted = h.Restart();

        Assert.Equal(2, await restarted.Steps.SweepAsync(Ct));
        await restarted.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Equal(["ApprovalNeeded", "ApprovalReminder", "ApprovalEscalated"], h.Notifier.KindsFor(id));

        h.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0, await restarted.Steps.SweepAsync(Ct)); // past the timeout: the timeout's, not a step's
        Assert.True(await restarted.Requests.TimeOutAsync(id, Ct));
    }

    [Fact]
    public async Task TheEscalationsApprovers_MayDecideOnlyOnceItWasEscalated()
    {
        var id = (await h.SubmitAsync(Requester, "payments-db")).Request.Id;
        var early = await h.Requests.ApproveAsync(id, Lead, Ct);
        Assert.Equal(ApprovalVerdict.RefusedNotApprover, early.Verdict);

        h.Time.Advance(TimeSpan.FromMinutes(40));
        await h.Steps.RunDueAsync(id, Ct);
        var refused = await h.Requests.ApproveAsync(id, Requester, Ct);
        Assert.Equal(ApprovalVerdict.RefusedSelf, refused.Verdict);
        var approved = await h.Requests.ApproveAsync(id, Lead, Ct);

        Assert.Equal(ApprovalVerdict.Approved, approved.Verdict);
        Assert.False(h.Scheduler.Steps.ContainsKey(id));
        Assert.False(h.Scheduler.Timeouts.ContainsKey(id));
    }

    [Fact]
    public async Task ADecidedRequest_TakesNoSteps()
    {
        var id = (await h.SubmitAsync(Requester, "payments-db")).Request.Id;
        await h.Requests.ApproveAsync(id, Alice, Ct);
        h.Time.Advance(TimeSpan.FromMinutes(45));

        Assert.Equal(0, await h.Steps.RunDueAsync(id, Ct));
        Assert.Equal(0, await h.Steps.SweepAsync(Ct));
        var stored = await h.Requests.FindAsync(id, Ct);
        Assert.Null(stored!.RemindedAt);
        Assert.Null(stored.EscalatedAt);
    }

    [Fact]
    public async Task DenyWithAReason_KeepsIt_InTheRequestAndTheAuditEvent_AndASecondDenyChangesNothing()
    {
        var id = (await h.SubmitAsync(Requester, "payments-db")).Request.Id;
        IAccessRequests requests = h.Requests;

        var denied = await requests.DenyAsync(id, Alice, "  Use the read replica <ro> & retry  ", Ct);
        var again = await requests.DenyAsync(id, Alice, "another reason", Ct);

        Assert.Equal(ApprovalVerdict.Rejected, denied.Verdict);
        Assert.Equal(ApprovalVerdict.AlreadyDecided, again.Verdict);
        var stored = await h.Requests.FindAsync(id, Ct);
        Assert.Equal("Use the read replica <ro> & retry", stored!.DenialReason);
        var rejected = Assert.Single(await h.Store.AuditForRequestAsync(id.Value, Ct), a => a.Event.Kind == AuditKinds.RequestRejected);
        Assert.Equal("Use the read replica <ro> & retry", rejected.Event.Data!["reason"]);
    }

    [Fact]
    public async Task DenyWithAReason_ByTheRequesterOrAStranger_IsRefused_AndAVeryLongReasonIsCut()
    {
        var id = (await h.SubmitAsync(Requester, "payments-db")).Request.Id;
        IAccessRequests requests = h.Requests;

        Assert.Equal(ApprovalVerdict.RefusedSelf, (await requests.DenyAsync(id, Requester, "mine", Ct)).Verdict);
        Assert.Equal(ApprovalVerdict.RefusedNotApprover, (await requests.DenyAsync(id, "U0STRANGER", "no", Ct)).Verdict);
        Assert.Equal(RequestState.Pending, (await h.Requests.FindAsync(id, Ct))!.State);

        await requests.DenyAsync(id, Alice, new string('x', 700), Ct);
        Assert.Equal(RequestService.MaxDenialReason, (await h.Requests.FindAsync(id, Ct))!.DenialReason!.Length);
    }
}
