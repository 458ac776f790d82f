using JitBot.Policies;
using JitBot.Requests;
using JitBot.Tests.Fakes;

namespace JitBot.Tests.Requests;

public sealed class RequestServiceTests : IAsyncLifetime
{
    const string Requester = "U0REQUESTER";
    const string Alice = "U0ALICE";
    const string Bob = "U0BOB";
    const string Carol = "U0CAROL";
    const string Oncall = "S0ONCALL";
    const string Dba = "S0DBA";
    static readonly TimeSpan TwoHours = TimeSpan.FromHours(2);
    static readonly TimeSpan OneHour = TimeSpan.FromHours(1);

    readonly CoreHarness h = new();
    CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync()
    {
        h.Policy
            .AutoApprove("staging-db", TwoHours)
            .Deny("prod-root")
            .RequireApproval("payments-db", TwoHours, OneHour, new ApprovalRequirement(FakePolicy.Group("@payments-oncall", Oncall), 1))
            .RequireApproval("card-vault", TwoHours, OneHour, new ApprovalRequirement(FakePolicy.Group("@payments-oncall", Oncall), 2))
            .RequireApproval("ledger", TwoHours, OneHour,
                new ApprovalRequirement(FakePolicy.Group("@payments-oncall", Oncall), 1),
                new ApprovalRequirement(FakePolicy.Group("@dba", Dba), 1));
        h.Directory_.Add(Oncall, Alice, Bob, Carol, Requester).Add(Dba, Carol);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Fact]
    public async Task Submit_AutoApproved_GrantsAtOnceWithClockStartingNow()
    {
        var now = h.Time.GetUtcNow();

        var outcome = await h.SubmitAsync(Requester, "staging-db", TwoHours);

        Assert.Equal(RequestState.Granted, outcome.Request.State);
        Assert.NotNull(outcome.Grant);
        Assert.Equal(now, outcome.Grant.GrantedAt);
        Assert.Equal(now + TwoHours, outcome.Grant.ExpiresAt);
        Assert.Equal(GrantState.Active, outcome.Grant.State);
        Assert.Single(h.Provider.Granted);
        Assert.Equal(outcome.Grant.ExpiresAt, h.Scheduler.Revokes[outcome.Grant.Id]);
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Equal(["GrantStarted"], h.Notifier.KindsFor(outcome.Request.Id));
    }

    [Fact]
    public async Task Submit_AutoApproved_AnswersOnceRecorded_BeforeTheProviderAnswers_ThenFinishes()
    {
        var provider = new TaskCompletionSource();
        h.Provider.BeforeGrant = _ => provider.Task;

        var recorded = await h.Requests.SubmitAsync(new NewAccessRequest(Requester, "staging-db", TwoHours, "INC-4312 payouts stuck", "C0REQUEST", "dev-help"), Ct);

        Assert.Equal(RequestState.Granted, recorded.Request.State);
        Assert.NotNull(recorded.Grant);
        Assert.NotNull(recorded.Provisioning);
        Assert.Empty(h.Provider.Granted);
        var stored = await h.Store.FindGrantAsync(recorded.Grant.Id, Ct);
        Assert.NotNull(stored);
        Assert.Null(stored.ProvisionedAt); // on record, not yet carried out

        provider.SetResult();
        var finished = await recorded.FinishedAsync();
        Assert.Null(finished.Provisioning);
        Assert.Equal(RequestState.Granted, finished.Request.State);
        Assert.Single(h.Provider.Granted);
        Assert.NotNull((await h.Store.FindGrantAsync(recorded.Grant.Id, Ct))!.ProvisionedAt);
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Equal(["GrantStarted"], h.Notifier.KindsFor(recorded.Request.Id));
    }

    [Fact]
    public async Task Submit_AutoApproved_ProviderFails_ProvisioningEndsFailed_AndSaysSo()
    {
        h.Provider.FailGrants = true;

        var recorded = await h.Requests.SubmitAsync(new NewAccessRequest(Requester, "staging-db", TwoHours, "INC-4312 payouts stuck", "C0REQUEST", "dev-help"), Ct);
        var finished = await recorded.FinishedAsync();

        Assert.Equal(RequestState.Granted, recorded.Request.State);
        Assert.Equal(RequestState.Failed, finished.Request.State);
        Assert.Equal(GrantState.Failed, finished.Grant!.State);
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Contains("GrantFailed", h.Notifier.KindsFor(recorded.Request.Id));
    }

    [Fact]
    public async Task Submit_Denied_HasNothingToProvision()
    {
        var outcome = await h.Requests.SubmitAsync(new NewAccessRequest(Requester, "prod-root", TwoHours, "INC-4312 payouts stuck", "C0REQUEST", "dev-help"), Ct);
        Assert.Null(outcome.Provisioning);
        Assert.Equal(RequestState.Denied, outcome.Request.State);
        Assert.Same(outcome, await outcome.FinishedAsync());
    }

    [Fact]
    public async Task Submit_BuildsPrincipalFromPolicyGroupsAndIncidentContext()
    {
        await h.SubmitAsync(Requester, "staging-db", channelName: "inc-4312-payouts");

        var seen = Assert.Single(h.Policy.Seen);
        Assert.Equal(Requester, seen.Principal.SlackUserId);
        Assert.Equal([Oncall], seen.Principal.SlackUserGroupIds);
        Assert.True(seen.Context.Incident);
        Assert.Equal(h.Time.GetUtcNow(), seen.Context.At);
    }

    [Fact]
    public async Task Submit_Denied_IsStoredAsDeniedWithoutGrant()
    {
        var outcome = await h.SubmitAsync(Requester, "prod-root");

        Assert.Equal(RequestState.Denied, outcome.Request.State);
        Assert.Null(outcome.Grant);
        Assert.Empty(h.Provider.Log);
        var stored = await h.Requests.FindAsync(outcome.Request.Id, Ct);
        Assert.Equal(RequestState.Denied, stored!.State);
        Assert.Equal(DecisionOutcome.Denied, stored.Decision.Outcome);
    }

    [Fact]
    public async Task Submit_ApprovalRequired_IsPendingAsksApproversAndSchedulesTimeout()
    {
        var outcome = await h.SubmitAsync(Requester, "payments-db", TwoHours);

        Assert.Equal(RequestState.Pending, outcome.Request.State);
        Assert.Null(outcome.Grant);
        Assert.Equal(h.Time.GetUtcNow() + OneHour, h.Scheduler.Timeouts[outcome.Request.Id]);
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Equal(["ApprovalNeeded"], h.Notifier.KindsFor(outcome.Request.Id));
    }

    [Fact]
    public async Task Approve_ByGroupMember_GrantsWithClockStartingAtApproval()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db", TwoHours);
        h.Time.Advance(TimeSpan.FromMinutes(17));
        var approvedAt = h.Time.GetUtcNow();

        var outcome = await h.Requests.ApproveAsync(submitted.Request.Id, Alice, Ct);

        Assert.Equal(ApprovalVerdict.Approved, outcome.Verdict);
        Assert.Equal(RequestState.Granted, outcome.Request!.State);
        Assert.Equal(Alice, outcome.Request.DecidedBy);
        Assert.Equal(approvedAt, outcome.Grant!.GrantedAt);
        Assert.Equal(approvedAt + TwoHours, outcome.Grant.ExpiresAt);
        Assert.Single(h.Provider.Granted);
        Assert.False(h.Scheduler.Timeouts.ContainsKey(submitted.Request.Id));
        Assert.Equal(outcome.Grant, await h.Requests.FindGrantAsync(submitted.Request.Id, Ct));
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Equal(["ApprovalNeeded", "GrantStarted"], h.Notifier.KindsFor(submitted.Request.Id));
    }

    [Fact]
    public async Task Approve_BySameUserAsRequester_IsRefused()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db");

        var outcome = await h.Requests.ApproveAsync(submitted.Request.Id, Requester, Ct);

        Assert.Equal(ApprovalVerdict.RefusedSelf, outcome.Verdict);
        Assert.Equal(RequestState.Pending, (await h.Requests.FindAsync(submitted.Request.Id, Ct))!.State);
        Assert.Empty(h.Provider.Log);
    }

    [Fact]
    public async Task Deny_BySameUserAsRequester_IsRefused()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db");

        var outcome = await h.Requests.DenyAsync(submitted.Request.Id, Requester, Ct);

        Assert.Equal(ApprovalVerdict.RefusedSelf, outcome.Verdict);
        Assert.Equal(RequestState.Pending, (await h.Requests.FindAsync(submitted.Request.Id, Ct))!.State);
    }

    [Fact]
    public async Task Approve_ByNonMember_IsRefused()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db");

        var outcome = await h.Requests.ApproveAsync(submitted.Request.Id, "U0STRANGER", Ct);

        Assert.Equal(ApprovalVerdict.RefusedNotApprover, outcome.Verdict);
        Assert.Contains("@payments-oncall", outcome.Message);
        Assert.Equal(RequestState.Pending, (await h.Requests.FindAsync(submitted.Request.Id, Ct))!.State);
    }

    [Fact]
    public async Task Approve_ByUserRemovedFromGroupAfterRequest_IsRefused()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db");
        h.Directory_.Remove(Oncall, Alice);
        var checksBefore = h.Directory_.LiveChecks;

        var outcome = await h.Requests.ApproveAsync(submitted.Request.Id, Alice, Ct);

        Assert.Equal(ApprovalVerdict.RefusedNotApprover, outcome.Verdict);
        Assert.True(h.Directory_.LiveChecks > checksBefore, "membership must be checked at the click");
        Assert.Empty(h.Provider.Log);
    }

    [Fact]
    public async Task Approve_ByListedUserId_CountsWithoutGroup()
    {
        h.Policy.RequireApproval("billing-admin", TwoHours, OneHour, new ApprovalRequirement(FakePolicy.Users("the billing leads", "U0LEAD"), 1));
        var submitted = await h.SubmitAsync(Requester, "billing-admin");

        var outcome = await h.Requests.ApproveAsync(submitted.Request.Id, "U0LEAD", Ct);

        Assert.Equal(ApprovalVerdict.Approved, outcome.Verdict);
    }

    [Fact]
    public async Task Approve_WhenMembershipCannotBeChecked_IsRefused()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db");
        h.Directory_.FailLiveChecks = true;

        var outcome = await h.Requests.ApproveAsync(submitted.Request.Id, Alice, Ct);

        Assert.Equal(ApprovalVerdict.RefusedNotApprover, outcome.Verdict);
        Assert.Contains("Try again", outcome.Message);
        Assert.Equal(RequestState.Pending, (await h.Requests.FindAsync(submitted.Request.Id, Ct))!.State);
    }

    [Fact]
    public async Task Approve_UnknownRequest_IsNotFound()
    {
        var outcome = await h.Requests.ApproveAsync(new RequestId("req_doesnotexist"), Alice, Ct);

        Assert.Equal(ApprovalVerdict.NotFound, outcome.Verdict);
    }

    [Fact]
    public async Task Approve_DoubleClick_GivesOneGrant()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db");

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => h.Requests.ApproveAsync(submitted.Request.Id, Alice, Ct))));

        Assert.Single(outcomes, o => o.Verdict == ApprovalVerdict.Approved);
        Assert.All(outcomes.Where(o => o.Verdict != ApprovalVerdict.Approved),
            o => Assert.Contains(o.Verdict, new[] { ApprovalVerdict.AlreadyDecided, ApprovalVerdict.AlreadyVoted }));
        Assert.Single(h.Provider.Log, l => l.StartsWith("grant ", StringComparison.Ordinal));
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Single(h.Notifier.KindsFor(submitted.Request.Id), k => k == "GrantStarted");
    }

    [Fact]
    public async Task Approve_RacingApprovers_GiveOneGrant()
    {
        var approvers = Enumerable.Range(0, 8).Select(i => $"U0RACER{i}").ToArray();
        h.Directory_.Add(Oncall, approvers);
        var submitted = await h.SubmitAsync(Requester, "payments-db");

        var outcomes = await Task.WhenAll(approvers.Select(a => Task.Run(() => h.Requests.ApproveAsync(submitted.Request.Id, a, Ct))));

        var winner = Assert.Single(outcomes, o => o.Verdict == ApprovalVerdict.Approved);
        Assert.All(outcomes.Where(o => o != winner), o => Assert.Equal(ApprovalVerdict.AlreadyDecided, o.Verdict));
        Assert.Single(h.Provider.Log, l => l.StartsWith("grant ", StringComparison.Ordinal));
        var stored = await h.Requests.FindAsync(submitted.Request.Id, Ct);
        Assert.Equal(winner.Request!.DecidedBy, stored!.DecidedBy);
    }

    [Fact]
    public async Task ApproveAndDeny_Racing_GiveExactlyOneOutcome()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db");

        var outcomes = await Task.WhenAll(
            Task.Run(() => h.Requests.ApproveAsync(submitted.Request.Id, Alice, Ct)),
            Task.Run(() => h.Requests.DenyAsync(submitted.Request.Id, Bob, Ct)),
            Task.Run(() => h.Requests.ApproveAsync(submitted.Request.Id, Carol, Ct)));

        Assert.Single(outcomes, o => o.Verdict is ApprovalVerdict.Approved or ApprovalVerdict.Rejected);
        var stored = await h.Requests.FindAsync(submitted.Request.Id, Ct);
        var grants = h.Provider.Log.Count(l => l.StartsWith("grant ", StringComparison.Ordinal));
        Assert.Equal(stored!.State == RequestState.Granted ? 1 : 0, grants);
    }

    [Fact]
    public async Task Approve_TwoOfN_NeedsTwoDistinctApprovers()
    {
        var submitted = await h.SubmitAsync(Requester, "card-vault");

        var first = await h.Requests.ApproveAsync(submitted.Request.Id, Alice, Ct);
        var again = await h.Requests.ApproveAsync(submitted.Request.Id, Alice, Ct);
        var self = await h.Requests.ApproveAsync(submitted.Request.Id, Requester, Ct);
        var second = await h.Requests.ApproveAsync(submitted.Request.Id, Bob, Ct);

        Assert.Equal(ApprovalVerdict.Recorded, first.Verdict);
        Assert.Contains("1 more from @payments-oncall", first.Message);
        Assert.Equal(ApprovalVerdict.AlreadyVoted, again.Verdict);
        Assert.Equal(ApprovalVerdict.RefusedSelf, self.Verdict);
        Assert.Equal(ApprovalVerdict.Approved, second.Verdict);
        Assert.Equal([Alice, Bob], second.Request!.Votes.Select(v => v.ApproverId).Order().ToArray());
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Equal(["ApprovalNeeded", "ApprovalRecorded", "GrantStarted"], h.Notifier.KindsFor(submitted.Request.Id));
    }

    [Fact]
    public async Task Approve_SeveralRequirements_EachNeedsItsOwnApprover()
    {
        var submitted = await h.SubmitAsync(Requester, "ledger");

        var alice = await h.Requests.ApproveAsync(submitted.Request.Id, Alice, Ct);
        var bob = await h.Requests.ApproveAsync(submitted.Request.Id, Bob, Ct);

        Assert.Equal(ApprovalVerdict.Recorded, alice.Verdict);
        Assert.Equal(ApprovalVerdict.Recorded, bob.Verdict);
        Assert.Contains("1 more from @dba", bob.Message);
    }

    [Fact]
    public async Task Approve_PersonInEveryApproverSet_CountsTowardsEachRequirement()
    {
        var submitted = await h.SubmitAsync(Requester, "ledger");

        var carol = await h.Requests.ApproveAsync(submitted.Request.Id, Carol, Ct);

        Assert.Equal(ApprovalVerdict.Approved, carol.Verdict);
    }

    [Fact]
    public async Task Deny_ByApprover_RejectsAndTellsRequester()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db");

        var outcome = await h.Requests.DenyAsync(submitted.Request.Id, Bob, Ct);

        Assert.Equal(ApprovalVerdict.Rejected, outcome.Verdict);
        Assert.Equal(RequestState.Rejected, outcome.Request!.State);
        Assert.Equal(Bob, outcome.Request.DecidedBy);
        Assert.Empty(h.Provider.Log);
        Assert.False(h.Scheduler.Timeouts.ContainsKey(submitted.Request.Id));
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Equal(["ApprovalNeeded", "RequestClosed"], h.Notifier.KindsFor(submitted.Request.Id));
    }

    [Fact]
    public async Task Deny_ByNonMember_IsRefused()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db");

        var outcome = await h.Requests.DenyAsync(submitted.Request.Id, "U0STRANGER", Ct);

        Assert.Equal(ApprovalVerdict.RefusedNotApprover, outcome.Verdict);
    }

    [Fact]
    public async Task Deny_AfterApproval_IsAlreadyDecided()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db");
        await h.Requests.ApproveAsync(submitted.Request.Id, Alice, Ct);

        var outcome = await h.Requests.DenyAsync(submitted.Request.Id, Bob, Ct);

        Assert.Equal(ApprovalVerdict.AlreadyDecided, outcome.Verdict);
        Assert.Equal(RequestState.Granted, outcome.Request!.State);
        Assert.NotNull(outcome.Grant);
        Assert.Equal(GrantState.Active, (await h.Requests.FindGrantAsync(submitted.Request.Id, Ct))!.State);
    }

    [Fact]
    public async Task Approve_AfterDeny_IsAlreadyDecided()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db");
        await h.Requests.DenyAsync(submitted.Request.Id, Bob, Ct);

        var outcome = await h.Requests.ApproveAsync(submitted.Request.Id, Alice, Ct);

        Assert.Equal(ApprovalVerdict.AlreadyDecided, outcome.Verdict);
        Assert.Empty(h.Provider.Log);
    }

    [Fact]
    public async Task Pending_PastItsTimeout_TimesOutOnSweepAndTellsRequester()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db");
        h.Time.Advance(OneHour - TimeSpan.FromSeconds(1));
        Assert.Equal(0, (await h.Sweeper.SweepAsync(Ct)).TimedOut);

        h.Time.Advance(TimeSpan.FromSeconds(1));
        var sweep = await h.Sweeper.SweepAsync(Ct);

        Assert.Equal(1, sweep.TimedOut);
        var stored = await h.Requests.FindAsync(submitted.Request.Id, Ct);
        Assert.Equal(RequestState.TimedOut, stored!.State);
        Assert.Equal(0, (await h.Sweeper.SweepAsync(Ct)).TimedOut);
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Equal(["ApprovalNeeded", "RequestClosed"], h.Notifier.KindsFor(submitted.Request.Id));
        Assert.Equal(ApprovalVerdict.AlreadyDecided, (await h.Requests.ApproveAsync(submitted.Request.Id, Alice, Ct)).Verdict);
    }

    [Fact]
    public async Task Approve_AfterTimeoutBeforeAnySweep_IsAlreadyDecided()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db");
        h.Time.Advance(OneHour + TimeSpan.FromMinutes(1));

        var outcome = await h.Requests.ApproveAsync(submitted.Request.Id, Alice, Ct);

        Assert.Equal(ApprovalVerdict.AlreadyDecided, outcome.Verdict);
        Assert.Equal(RequestState.TimedOut, outcome.Request!.State);
        Assert.Empty(h.Provider.Log);
    }

    [Fact]
    public async Task TimeOut_BeforeItsTime_DoesNothing()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db");
        h.Time.Advance(TimeSpan.FromMinutes(30));

        Assert.False(await h.Requests.TimeOutAsync(submitted.Request.Id, Ct));
        Assert.Equal(RequestState.Pending, (await h.Requests.FindAsync(submitted.Request.Id, Ct))!.State);
    }

    [Fact]
    public async Task Submit_UnknownProviderType_FailsTheGrantLoudly()
    {
        h.Policy.AutoApprove("mystery-db", TwoHours, providerType: "no-such-provider");

        var outcome = await h.SubmitAsync(Requester, "mystery-db");

        Assert.Equal(RequestState.Failed, outcome.Request.State);
        Assert.Equal(GrantState.Failed, outcome.Grant!.State);
        Assert.Equal(GrantState.Failed, (await h.Requests.FindGrantAsync(outcome.Request.Id, Ct))!.State);
        Assert.False(h.Scheduler.Revokes.ContainsKey(outcome.Grant.Id));
        await h.Dispatcher.WaitForIdleAsync(Ct);
        var notice = Assert.Single(h.Notifier.Calls, c => c.RequestId == outcome.Request.Id && c.Kind == "GrantFailed");
        Assert.Equal("GrantFailed", notice.Kind);
        Assert.Contains("no-such-provider", notice.Detail);
        var audit = await h.Audit.ForRequestAsync(outcome.Request.Id.Value, Ct);
        Assert.Contains(audit, a => a.Event.Kind == "grant.failed");
    }

    [Fact]
    public async Task Approve_WhenProviderRefuses_IsGrantFailed()
    {
        var submitted = await h.SubmitAsync(Requester, "payments-db");
        h.Provider.FailGrants = true;

        var outcome = await h.Requests.ApproveAsync(submitted.Request.Id, Alice, Ct);

        Assert.Equal(ApprovalVerdict.GrantFailed, outcome.Verdict);
        Assert.Equal(RequestState.Failed, outcome.Request!.State);
        Assert.Contains("refused the role", outcome.Message);
        Assert.Empty(h.Provider.Granted);
    }

    [Fact]
    public async Task Submit_WhenProviderThrows_FailsWithoutLeakingTheExceptionText()
    {
        h.Provider.GrantThrows = new InvalidOperationException("connection to db://admin:hunter2@payments failed");

        var outcome = await h.SubmitAsync(Requester, "staging-db");

        Assert.Equal(RequestState.Failed, outcome.Request.State);
        await h.Dispatcher.WaitForIdleAsync(Ct);
        var notice = Assert.Single(h.Notifier.Calls, c => c.RequestId == outcome.Request.Id && c.Kind == "GrantFailed");
        Assert.Equal("GrantFailed", notice.Kind);
        Assert.DoesNotContain("hunter2", notice.Detail);
        Assert.Contains("InvalidOperationException", notice.Detail);
    }

    [Fact]
    public async Task Submit_ApprovalRequiredWithoutApprovers_IsDeniedClosed()
    {
        h.Policy.RequireApproval("orphan-db", TwoHours, OneHour);

        var outcome = await h.SubmitAsync(Requester, "orphan-db");

        Assert.Equal(RequestState.Denied, outcome.Request.State);
        Assert.Contains("names no approvers", outcome.Request.Decision.Explanation);
    }
}
