using JitBot.Grants;
using JitBot.Requests;
using JitBot.Tests.Fakes;

namespace JitBot.Tests.Grants;

/// <summary>Reconciliation asks the providers whether the real system agrees with the grants, removes leftovers and reports drift.</summary>
public sealed class ReconcileTests : StagingDbTests
{
    const string Requester = "U0REQUESTER";

    [Fact]
    public async Task Reconcile_RemovesAccessStillThereAfterItsGrantEnded_AndReportsTheDrift()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        var held = h.Provider.Granted.Single();
        h.Time.Advance(OneHour);
        Assert.Equal(RevokeResult.Revoked, await h.Revoker.RevokeAsync(grant.Id, Ct));
        h.Provider.Granted[held.Key] = held.Value; // someone put it back by hand, or the revoke did not really take

        var report = await h.Reconciler.ReconcileAsync(Ct);

        Assert.Equal(1, report.LeftoversRemoved);
        Assert.Empty(h.Provider.Granted);
        await h.Dispatcher.WaitForIdleAsync(Ct);
        var alert = Assert.Single(h.Notifier.Alerts);
        Assert.Equal(ProviderAlertKind.Drift, alert.Kind);
        Assert.Contains("the access was still there. JitBot removed it.", alert.Detail);
        var audit = await h.Audit.ForRequestAsync(grant.RequestId.Value, Ct);
        Assert.Single(audit, a => a.Event.Kind == GrantAlerts.Drift);
        Assert.Equal(0, (await h.Reconciler.ReconcileAsync(Ct)).LeftoversRemoved);
    }

    [Fact]
    public async Task Reconcile_AccessPutBackAfterAPassFoundItGone_IsRemovedByALaterPass_UntilTheWindowEnds()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        var held = h.Provider.Granted.Single();
        h.Time.Advance(OneHour);
        Assert.Equal(RevokeResult.Revoked, await h.Revoker.RevokeAsync(grant.Id, Ct));
        Assert.Equal(new ReconcileReport(1, 0, 0, 0), await h.Reconciler.ReconcileAsync(Ct)); // gone, as it should be

        h.Provider.Granted[held.Key] = held.Value; // put back by hand after that pass
        Assert.Equal(1, (await h.Reconciler.ReconcileAsync(Ct)).LeftoversRemoved);
        Assert.Empty(h.Provider.Granted);

        h.Time.Advance(GrantReconciler.Window + TimeSpan.FromMinutes(1));
        h.Provider.Granted[held.Key] = held.Value; // a day later it is no longer this grant's leftover
        Assert.Equal(new ReconcileReport(0, 0, 0, 0), await h.Reconciler.ReconcileAsync(Ct));
        Assert.Single(h.Provider.Granted);
    }

    [Fact]
    public async Task Reconcile_ReportsAnActiveGrantWhoseAccessIsMissing_OnceAndWithoutGrantingItAgain()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        h.Provider.Granted.Clear();

        var first = await h.Reconciler.ReconcileAsync(Ct);
        var second = await h.Reconciler.ReconcileAsync(Ct);

        Assert.Equal((1, 1), (first.Missing, second.Missing));
        Assert.Empty(h.Provider.Granted);
        await h.Dispatcher.WaitForIdleAsync(Ct);
        var alert = Assert.Single(h.Notifier.Alerts);
        Assert.Equal((ProviderAlertKind.Drift, grant.Id.Value), (alert.Kind, alert.GrantId));
        Assert.Contains("the provider says it is not there", alert.Detail);
    }

    [Fact]
    public async Task Reconcile_WhenEverythingAgrees_ReportsNothing()
    {
        var grant = (await h.SubmitAsync(Requester, "staging-db")).Grant!;
        h.Time.Advance(OneHour);
        await h.Revoker.RevokeAsync(grant.Id, Ct);
        await h.SubmitAsync(Requester, "staging-db");

        var report = await h.Reconciler.ReconcileAsync(Ct);

        Assert.Equal(new ReconcileReport(1, 0, 0, 0), report);
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Empty(h.Notifier.Alerts);
    }
}
