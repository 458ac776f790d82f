using JitBot.Grants;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Tests.Fakes;

namespace JitBot.Tests.Grants;

public sealed class GrantProvisioningTests : IAsyncLifetime
{
    const string Requester = "U0REQUESTER";
    readonly CoreHarness h = new();
    CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync()
    {
        h.Policy.AutoApprove("staging-db", TimeSpan.FromHours(1));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    /// <summary>What is left when the process stops right after the approval committed, before the provider call.</summary>
    async Task<(AccessRequest Request, JitBot.Storage.GrantRecord Grant)> ApprovedButNeverProvisionedAsync()
    {
        var now = h.Time.GetUtcNow();
        var decision = h.Policy.Decide(new DecisionRequest(new Principal(Requester, []), "staging-db", null, "deploy", new RequestContext(now)));
        var request = new AccessRequest(RequestId.New(), Requester, "staging-db", null, "deploy", null, null, false,
            RequestState.Granted, now, now, "policy", decision, []);
        await using var tx = await h.Store.BeginAsync(Ct);
        await tx.InsertRequestAsync(request, null, Ct);
        var grant = await h.Provisioner.AddGrantAsync(tx, request, now, "policy", Ct);
        await tx.CommitAsync(Ct);
        return (request, grant);
    }

    [Fact]
    public async Task Sweep_FinishesAGrantWhoseProviderCallNeverHappened()
    {
        var (request, grant) = await ApprovedButNeverProvisionedAsync();
        h.Time.Advance(TimeSpan.FromMinutes(1));
        await using var restarted = h.Restart();
        Assert.Equal(0, (await restarted.Sweeper.SweepAsync(Ct)).Resumed);

        h.Time.Advance(ExpirySweeper.ProvisioningGrace);
        var sweep = await restarted.Sweeper.SweepAsync(Ct);

        Assert.Equal(1, sweep.Resumed);
        Assert.True(h.Provider.Granted.ContainsKey($"fake:default:staging-db:{Requester}"));
        var stored = (await restarted.Store.FindGrantAsync(grant.Grant.Id, Ct))!;
        Assert.Equal(h.Time.GetUtcNow(), stored.ProvisionedAt);
        Assert.Equal(grant.Grant.ExpiresAt, stored.Grant.ExpiresAt);
        Assert.Equal(grant.Grant.ExpiresAt, restarted.Scheduler.Revokes[grant.Grant.Id]);
        await restarted.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Equal(["GrantStarted"], h.Notifier.KindsFor(request.Id));
        Assert.Equal(0, (await restarted.Sweeper.SweepAsync(Ct)).Resumed);
    }

    [Fact]
    public async Task Sweep_LeavesAnExpiredUnprovisionedGrantToTheRevoker()
    {
        var (_, grant) = await ApprovedButNeverProvisionedAsync();
        h.Time.Advance(TimeSpan.FromHours(2));

        var sweep = await h.Sweeper.SweepAsync(Ct);

        Assert.Equal(0, sweep.Resumed);
        Assert.Equal(1, sweep.Revoked);
        Assert.Equal(GrantState.Expired, (await h.Store.FindGrantAsync(grant.Grant.Id, Ct))!.Grant.State);
        Assert.DoesNotContain(h.Provider.Log, l => l.StartsWith("grant ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Provision_Twice_SendsOneNotice()
    {
        var (request, grant) = await ApprovedButNeverProvisionedAsync();

        await Task.WhenAll(
            Task.Run(() => h.Provisioner.ProvisionAsync(request, grant, Ct)),
            Task.Run(() => h.Provisioner.ProvisionAsync(request, grant, Ct)));

        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Equal(["GrantStarted"], h.Notifier.KindsFor(request.Id));
        var audit = await h.Audit.ForRequestAsync(request.Id.Value, Ct);
        Assert.Single(audit, a => a.Event.Kind == "grant.provisioned");
    }

    [Fact]
    public async Task SubmittedGrant_IsMarkedProvisioned()
    {
        var outcome = await h.SubmitAsync(Requester, "staging-db");

        var stored = (await h.Store.FindGrantAsync(outcome.Grant!.Id, Ct))!;

        Assert.Equal(outcome.Grant.GrantedAt, stored.ProvisionedAt);
        h.Time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0, (await h.Sweeper.SweepAsync(Ct)).Resumed);
    }

    [Fact]
    public async Task Grant_GivesTheProviderTheInstanceParametersAndTheRequestersPolicyTags()
    {
        h.Policy.PeopleTags[Requester] = new Dictionary<string, IReadOnlyList<string>> { ["db_user"] = ["alice"] };

        await h.SubmitAsync(Requester, "staging-db");

        var given = Assert.Single(h.Provider.Granted.Values);
        Assert.Equal(["alice"], given.UserTags["db_user"]);
        Assert.Equal("default", given.Instance);
        Assert.Equal("staging-db_rw", given.Parameters["role"]);
    }
}
