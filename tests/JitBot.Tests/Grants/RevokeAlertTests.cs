using JitBot.Grants;
using JitBot.Providers;
using JitBot.Requests;
using JitBot.Tests.Fakes;

namespace JitBot.Tests.Grants;

/// <summary>A revocation that keeps failing is told to the owning team and the operators, once, and again when it succeeds.</summary>
public sealed class RevokeAlertTests : StagingDbTests
{
    const string Requester = "U0REQUESTER";

    async Task<RevokeResult> RetryAsync(GrantId id)
    {
        var due = (await h.Store.FindGrantAsync(id, Ct))!.NextRevokeAt;
        if (due is { } at && at > h.Time.GetUtcNow()) h.Time.Advance(at - h.Time.GetUtcNow());
        return await h.Revoker.RevokeAsync(id, Ct);
    }

    IReadOnlyList<ProviderAlert> Alerts() => h.Notifier.Alerts.ToList();

    [Fact]
    public async Task FailingRevoke_IsAlertedOnceAfterTheSetNumberOfFailures_AndAgainWhenItSucceeds()
    {
        h.Options.RevokeAlertAfter = 3;
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        h.Provider.RevokeFailuresLeft = 5;
        h.Time.Advance(OneHour);

        Assert.Equal(RevokeResult.Failed, await h.Revoker.RevokeAsync(grant.Id, Ct));
        Assert.Equal(RevokeResult.Failed, await RetryAsync(grant.Id));
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Empty(Alerts());

        Assert.Equal(RevokeResult.Failed, await RetryAsync(grant.Id));
        Assert.Equal(RevokeResult.Failed, await RetryAsync(grant.Id));
        Assert.Equal(RevokeResult.Failed, await RetryAsync(grant.Id));
        await h.Dispatcher.WaitForIdleAsync(Ct);
        var failing = Assert.Single(Alerts());
        Assert.Equal((ProviderAlertKind.RevokeFailing, 3, "C0PAYMENTS"), (failing.Kind, failing.Attempts, failing.TeamChannel));
        Assert.StartsWith("TimeoutException: The database did not answer (test).", failing.Detail);
        Assert.Contains("remove it by hand", failing.Detail);

        Assert.Equal(RevokeResult.Revoked, await RetryAsync(grant.Id));
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Equal([ProviderAlertKind.RevokeFailing, ProviderAlertKind.RevokeRecovered], Alerts().Select(a => a.Kind));
        var audit = await h.Audit.ForRequestAsync(grant.RequestId.Value, Ct);
        Assert.Single(audit, a => a.Event.Kind == GrantAlerts.RevokeAlert);
        Assert.Single(audit, a => a.Event.Kind == GrantAlerts.RevokeRecovered);
    }

    [Fact]
    public async Task ARevokeFailureRetryingCannotFix_IsAlertedAtOnce()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        h.Provider.RevokeFailsForGood = "The role payments_rw does not exist.";
        h.Time.Advance(OneHour);

        Assert.Equal(RevokeResult.Failed, await h.Revoker.RevokeAsync(grant.Id, Ct));

        await h.Dispatcher.WaitForIdleAsync(Ct);
        var alert = Assert.Single(Alerts());
        Assert.Equal((ProviderAlertKind.RevokeFailing, 1), (alert.Kind, alert.Attempts));
        Assert.StartsWith("The role payments_rw does not exist.", alert.Detail);
    }

    [Fact]
    public async Task AFailedGrantApprovedByPolicy_IsToldInTheOwningTeamsChannel()
    {
        h.Provider.FailGrants = true;

        var outcome = await h.SubmitAsync(Requester, "staging-db");

        Assert.Equal(RequestState.Failed, outcome.Request.State);
        await h.Dispatcher.WaitForIdleAsync(Ct);
        var alert = Assert.Single(Alerts());
        Assert.Equal((ProviderAlertKind.GrantFailed, "C0PAYMENTS"), (alert.Kind, alert.TeamChannel));
        Assert.Contains("GrantFailed", h.Notifier.KindsFor(outcome.Request.Id));
        Assert.Empty(h.Provider.Granted);
    }
}
