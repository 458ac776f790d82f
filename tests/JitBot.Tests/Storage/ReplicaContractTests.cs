using JitBot.Grants;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Tests.Fakes;

namespace JitBot.Tests.Storage;

/// <summary>
/// What the lifecycle relies on when several workers share one database: two replicas (or, on an embedded
/// database, two sets of services in one process) racing on the same request, the same notices and the same
/// grant still give one outcome. Every store runs it by deriving one class that names its <see cref="ITestDatabase"/>.
/// </summary>
public abstract class ReplicaContractTests : IAsyncLifetime
{
    const string Oncall = "S0ONCALL";
    ITestDatabase _database = null!;
    CoreHarness h = null!;
    static CancellationToken Ct => CancellationToken.None;

    protected abstract ITestDatabase CreateDatabase();

    public Task InitializeAsync()
    {
        _database = CreateDatabase();
        h = new CoreHarness(database: _database);
        h.Policy
            .AutoApprove("staging-db", TimeSpan.FromHours(1))
            .RequireApproval("card-vault", TimeSpan.FromHours(2), TimeSpan.FromHours(1), new ApprovalRequirement(FakePolicy.Group("@payments-oncall", Oncall), 2));
        h.Directory_.Add(Oncall, "U0ALICE", "U0BOB");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await h.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task TwoApproversOfATwoOfMRequest_ClickingAtOnce_AlwaysGrantIt()
    {
        await using var other = h.Beside();
        for (var round = 0; round < 10; round++)
        {
            var submitted = await h.SubmitAsync("U0REQUESTER", "card-vault");

            var outcomes = await Task.WhenAll(
                Task.Run(() => h.Requests.ApproveAsync(submitted.Request.Id, "U0ALICE", Ct)),
                Task.Run(() => other.Requests.ApproveAsync(submitted.Request.Id, "U0BOB", Ct)));

            Assert.Equal([ApprovalVerdict.Approved, ApprovalVerdict.Recorded], outcomes.Select(o => o.Verdict).Order());
            Assert.Equal(RequestState.Granted, (await h.Store.FindRequestAsync(submitted.Request.Id, Ct))!.State);
        }
        Assert.Equal(10, h.Provider.Log.Count(l => l.StartsWith("grant ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TwoDispatchers_OnOneDatabase_DeliverEachNoticeOnce()
    {
        await using var other = h.Beside();
        var requests = new List<RequestId>();
        for (var i = 0; i < 20; i++) requests.Add((await h.SubmitAsync($"U0REQUESTER{i}", "card-vault")).Request.Id);

        await Task.WhenAll(Task.Run(() => h.Dispatcher.WaitForIdleAsync(Ct)), Task.Run(() => other.Dispatcher.WaitForIdleAsync(Ct)));

        Assert.Equal(20, h.Notifier.Calls.Count);
        Assert.All(requests, id => Assert.Equal(["ApprovalNeeded"], h.Notifier.KindsFor(id)));
        Assert.Equal(0, await h.Store.UndeliveredCountAsync(Ct));
    }

    [Fact]
    public async Task TwoRevokers_OnOneDatabase_AskTheProviderOnce()
    {
        await using var other = h.Beside();
        var grant = (await h.SubmitAsync("U0REQUESTER", "staging-db")).Grant!;
        h.Time.Advance(TimeSpan.FromHours(1));
        var inside = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        h.Provider.BeforeRevoke = async _ => { inside.SetResult(); await release.Task; };

        var first = h.Revoker.RevokeAsync(grant.Id, Ct);
        await inside.Task;
        var second = await other.Revoker.RevokeAsync(grant.Id, Ct);
        release.SetResult();

        Assert.Equal(RevokeResult.InProgress, second);
        Assert.Equal(RevokeResult.Revoked, await first);
        Assert.Equal(1, h.Provider.RevokeCalls);
        Assert.Equal(h.Time.GetUtcNow() + GrantRevoker.Lease, other.Scheduler.Revokes[grant.Id]); // it looks again if the holder never finishes
        Assert.Equal(RevokeResult.NotActive, await other.Revoker.RevokeAsync(grant.Id, Ct));
    }

    [Fact]
    public async Task TwoReplicas_RevokingTheSameGrantsInBatches_AskTheProviderOncePerGrant()
    {
        await using var other = h.Beside();
        var grants = new List<Grant>();
        for (var i = 0; i < 30; i++) grants.Add((await h.SubmitAsync($"U0REQUESTER{i}", "staging-db")).Grant!);
        h.Time.Advance(TimeSpan.FromHours(1));

        var results = await Task.WhenAll(grants.SelectMany(g => new[] { h.Revocations.RevokeAsync(g.Id, Ct), other.Revocations.RevokeAsync(g.Id, Ct) }));

        Assert.Equal(grants.Count, results.Count(r => r == RevokeResult.Revoked));
        Assert.All(results, r => Assert.Contains(r, new[] { RevokeResult.Revoked, RevokeResult.InProgress, RevokeResult.NotActive }));
        Assert.Equal(grants.Count, h.Provider.RevokeCalls);
        Assert.Equal(grants.Count, h.Provider.Log.Where(l => l.StartsWith("revoke ", StringComparison.Ordinal)).Distinct().Count());
        foreach (var grant in grants)
            Assert.Equal(GrantState.Expired, (await h.Store.FindGrantAsync(grant.Id, Ct))!.Grant.State);
        var verification = await h.Audit.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Problem);
    }
}
