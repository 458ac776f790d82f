using JitBot.Grants;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Tests.Fakes;

namespace JitBot.Tests.Grants;

public sealed class GrantExpiryTests : IAsyncLifetime
{
    const string Requester = "U0REQUESTER";
    static readonly TimeSpan OneHour = TimeSpan.FromHours(1);
    readonly CoreHarness h = new();
    CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync()
    {
        h.Policy.AutoApprove("staging-db", OneHour)
            .RequireApproval("payments-db", TimeSpan.FromHours(2), OneHour, new ApprovalRequirement(FakePolicy.Group("@payments-oncall", "S0ONCALL"), 1));
        h.Directory_.Add("S0ONCALL", "U0ALICE");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Fact]
    public async Task Revoke_AtExpiry_RevokesViaProviderAndEnqueuesNotice()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        h.Time.Advance(OneHour);

        var result = await h.Revoker.RevokeAsync(grant.Id, Ct);

        Assert.Equal(RevokeResult.Revoked, result);
        Assert.Empty(h.Provider.Granted);
        var stored = (await h.Store.FindGrantAsync(grant.Id, Ct))!.Grant;
        Assert.Equal(GrantState.Expired, stored.State);
        Assert.Equal(h.Time.GetUtcNow(), stored.EndedAt);
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Equal(["GrantStarted", "GrantEnded"], h.Notifier.KindsFor(grant.RequestId));
        var audit = await h.Audit.ForRequestAsync(grant.RequestId.Value, Ct);
        Assert.Contains(audit, a => a.Event.Kind == "grant.expired" && a.Event.GrantId == grant.Id.Value);
    }

    [Fact]
    public async Task Revoke_IsIdempotent()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        h.Time.Advance(OneHour);

        var first = await h.Revoker.RevokeAsync(grant.Id, Ct);
        var second = await h.Revoker.RevokeAsync(grant.Id, Ct);

        Assert.Equal(RevokeResult.Revoked, first);
        Assert.Equal(RevokeResult.NotActive, second);
        Assert.Equal(1, h.Provider.RevokeCalls);
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Single(h.Notifier.KindsFor(grant.RequestId), k => k == "GrantEnded");
    }

    [Fact]
    public async Task Revoke_FromTheJobAndTheSweepAtOnce_AsksTheProviderOnce()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        h.Time.Advance(OneHour);
        var inside = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        h.Provider.BeforeRevoke = async _ => { inside.SetResult(); await release.Task; };

        var job = h.Revoker.RevokeAsync(grant.Id, Ct);
        await inside.Task;
        var sweep = h.Sweeper.SweepAsync(Ct);
        release.SetResult();
        await Task.WhenAll(job, sweep);

        Assert.Equal(RevokeResult.Revoked, await job);
        Assert.Equal(1, h.Provider.RevokeCalls);
        Assert.Equal(GrantState.Expired, (await h.Store.FindGrantAsync(grant.Id, Ct))!.Grant.State);
    }

    [Fact]
    public async Task Revoke_BeforeExpiry_ReschedulesInsteadOfRevoking()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        h.Time.Advance(TimeSpan.FromMinutes(59));

        var result = await h.Revoker.RevokeAsync(grant.Id, Ct);

        Assert.Equal(RevokeResult.NotDue, result);
        Assert.Equal(0, h.Provider.RevokeCalls);
        Assert.Equal(grant.ExpiresAt, h.Scheduler.Revokes[grant.Id]);
    }

    [Fact]
    public async Task Sweep_RevokesOverdueGrantsSideBySide_NotOneAfterAnother()
    {
        await h.SubmitAsync("U0ALICE", "staging-db");
        await h.SubmitAsync("U0BOB", "staging-db");
        h.Time.Advance(TimeSpan.FromHours(2));
        var started = 0;
        var both = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Provider.OnEveryRevoke = async _ =>
        {
            // Each revocation waits inside the provider until the other has started beside it: one after the
            // other, the first would wait in vain.
            if (Interlocked.Increment(ref started) == 2) both.TrySetResult();
            await both.Task.WaitAsync(TimeSpan.FromSeconds(10));
        };

        var sweep = await h.Sweeper.SweepAsync(Ct);

        Assert.Equal((2, 0), (sweep.Revoked, sweep.RevokeFailed));
    }

    [Fact]
    public async Task Sweep_RevokesOverdueGrantsThatNoTriggerHandled()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        h.Time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(new SweepResult(0, 0, 0), await h.Sweeper.SweepAsync(Ct));

        h.Time.Advance(TimeSpan.FromMinutes(31));
        var sweep = await h.Sweeper.SweepAsync(Ct);

        Assert.Equal(1, sweep.Revoked);
        Assert.Equal(GrantState.Expired, (await h.Store.FindGrantAsync(grant.Id, Ct))!.Grant.State);
    }

    [Fact]
    public async Task Revoke_WhenProviderFails_StaysActiveAndRetriesWithBackoffUntilRevoked()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        h.Provider.RevokeFailuresLeft = 2;
        h.Time.Advance(OneHour);

        var first = await h.Sweeper.SweepAsync(Ct);

        Assert.Equal(1, first.RevokeFailed);
        var afterFirst = (await h.Store.FindGrantAsync(grant.Id, Ct))!;
        Assert.Equal(GrantState.Active, afterFirst.Grant.State);
        Assert.Equal(1, afterFirst.RevokeAttempts);
        Assert.Equal(h.Time.GetUtcNow() + RevokeBackoff.After(1), afterFirst.NextRevokeAt);
        Assert.Equal(afterFirst.NextRevokeAt, h.Scheduler.Revokes[grant.Id]);
        Assert.Contains("did not answer", afterFirst.LastError);
        var audit = await h.Audit.ForRequestAsync(grant.RequestId.Value, Ct);
        Assert.Contains(audit, a => a.Event.Kind == "grant.revoke_failed" && a.Event.Data!["attempt"] == "1");

        // Not due yet: the sweep leaves it to its backoff.
        await h.Sweeper.SweepAsync(Ct);
        Assert.Equal(1, h.Provider.RevokeCalls);

        h.Time.Advance(RevokeBackoff.After(1));
        Assert.Equal(RevokeResult.Failed, await h.Revoker.RevokeAsync(grant.Id, Ct));
        Assert.Equal(GrantState.Active, (await h.Store.FindGrantAsync(grant.Id, Ct))!.Grant.State);

        h.Time.Advance(RevokeBackoff.After(2));
        var last = await h.Sweeper.SweepAsync(Ct);

        Assert.Equal(1, last.Revoked);
        Assert.Equal(3, h.Provider.RevokeCalls);
        Assert.Equal(GrantState.Expired, (await h.Store.FindGrantAsync(grant.Id, Ct))!.Grant.State);
        Assert.Empty(h.Provider.Granted);
    }

    [Fact]
    public async Task Revoke_WhenProviderTypeIsNoLongerRegistered_FailsLoudlyAndKeepsTheGrant()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        await using var restarted = h.Restart(new FakeProvider("something-else"));
        h.Time.Advance(OneHour);

        var result = await restarted.Revoker.RevokeAsync(grant.Id, Ct);

        Assert.Equal(RevokeResult.Failed, result);
        var stored = (await restarted.Store.FindGrantAsync(grant.Id, Ct))!;
        Assert.Equal(GrantState.Active, stored.Grant.State);
        Assert.Contains("No fake provider instance 'default' is configured for staging-db.", stored.LastError);
    }

    [Fact]
    public async Task OverlappingGrants_DoNotRevokeEachOtherEarly()
    {
        var first = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        h.Time.Advance(TimeSpan.FromMinutes(40));
        var approved = await h.SubmitAsync(Requester, "payments-db");
        var second = (await h.Requests.ApproveAsync(approved.Request.Id, "U0ALICE", Ct)).Grant!;
        var overlapping = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        Assert.Equal(first.ExpiresAt + TimeSpan.FromMinutes(40), overlapping.ExpiresAt);

        h.Time.Advance(TimeSpan.FromMinutes(20));
        var atFirstExpiry = await h.Sweeper.SweepAsync(Ct);

        Assert.Equal(1, atFirstExpiry.Revoked);
        Assert.Equal(GrantState.Expired, (await h.Store.FindGrantAsync(first.Id, Ct))!.Grant.State);
        Assert.Equal(0, h.Provider.RevokeCalls);
        Assert.True(h.Provider.Granted.ContainsKey($"fake:default:staging-db:{Requester}"), "the longer grant keeps the access");
        var audit = await h.Audit.ForRequestAsync(first.RequestId.Value, Ct);
        Assert.Contains(audit, a => a.Event.Kind == "grant.revoke_skipped" && a.Event.Data!["coveredBy"] == overlapping.Id.Value);

        h.Time.Advance(TimeSpan.FromMinutes(40));
        await h.Sweeper.SweepAsync(Ct);

        Assert.Equal(GrantState.Expired, (await h.Store.FindGrantAsync(overlapping.Id, Ct))!.Grant.State);
        Assert.False(h.Provider.Granted.ContainsKey($"fake:default:staging-db:{Requester}"));
        Assert.Equal(GrantState.Active, (await h.Store.FindGrantAsync(second.Id, Ct))!.Grant.State);
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Contains("GrantEnded", h.Notifier.KindsFor(first.RequestId));
    }

    [Fact]
    public async Task GrantStartedDuringARevocation_IsGrantedAgainAfterIt()
    {
        var first = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        h.Time.Advance(OneHour);
        Grant? second = null;
        h.Provider.BeforeRevoke = async _ => second = (await h.SubmitAsync(Requester, "staging-db")).Grant;

        var result = await h.Revoker.RevokeAsync(first.Id, Ct);

        Assert.Equal(RevokeResult.Revoked, result);
        Assert.NotNull(second);
        Assert.True(h.Provider.Granted.TryGetValue($"fake:default:staging-db:{Requester}", out var held), "the newer grant must keep the access");
        Assert.Equal(second.Id.Value, held.GrantId);
        var audit = await h.Audit.ForRequestAsync(second.RequestId.Value, Ct);
        Assert.Contains(audit, a => a.Event.Kind == "grant.reasserted" && a.Event.Data!["afterRevokeOf"] == first.Id.Value);
    }

    [Fact]
    public async Task Sweep_AfterRestart_RevokesOverdueGrantsAndSendsNotice()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        await h.Dispatcher.WaitForIdleAsync(Ct);

        // The process stops; it comes back two hours later, long after the expiry.
        h.Time.Advance(TimeSpan.FromHours(2));
        await using var restarted = h.Restart();
        var sweep = await restarted.Sweeper.SweepAsync(Ct);

        Assert.Equal(1, sweep.Revoked);
        Assert.Empty(h.Provider.Granted);
        Assert.Equal(GrantState.Expired, (await restarted.Store.FindGrantAsync(grant.Id, Ct))!.Grant.State);
        await restarted.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Equal(["GrantStarted", "GrantEnded"], h.Notifier.KindsFor(grant.RequestId));
    }

    [Fact]
    public async Task Sweep_AfterRestart_TimesOutOverduePendingRequests()
    {
        var pending = await h.SubmitAsync(Requester, "payments-db");
        h.Time.Advance(TimeSpan.FromHours(3));
        await using var restarted = h.Restart();

        var sweep = await restarted.Sweeper.SweepAsync(Ct);

        Assert.Equal(1, sweep.TimedOut);
        Assert.Equal(RequestState.TimedOut, (await restarted.Requests.FindAsync(pending.Request.Id, Ct))!.State);
    }

    [Fact]
    public async Task SweepService_RunsAtStartAndEveryMinuteByTheClock()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        using var service = new ExpirySweepService(h.Sweeper, h.Time, Microsoft.Extensions.Logging.Abstractions.NullLogger<ExpirySweepService>.Instance);
        await service.StartAsync(Ct);
        try
        {
            h.Time.Advance(OneHour + TimeSpan.FromMinutes(1));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while ((await h.Store.FindGrantAsync(grant.Id, Ct))!.Grant.State == GrantState.Active && DateTime.UtcNow < deadline)
                await Task.Delay(20, Ct);
            Assert.Equal(GrantState.Expired, (await h.Store.FindGrantAsync(grant.Id, Ct))!.Grant.State);
        }
        finally
        {
            await service.StopAsync(Ct);
        }
    }
}
