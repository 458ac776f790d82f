using JitBot.Grants;
using JitBot.Requests;
using JitBot.Tests.Fakes;

namespace JitBot.Tests.Grants;

/// <summary>
/// The batcher every production revocation goes through: grants due together are revoked together, side by side,
/// and one grant's provider — slow, failing or throwing — holds up or fails only that grant.
/// </summary>
public sealed class RevocationBatcherTests : StagingDbTests
{
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    async Task<List<Grant>> OverdueGrantsAsync(int count)
    {
        var grants = new List<Grant>();
        for (var i = 0; i < count; i++) grants.Add((await h.SubmitAsync($"U0PERSON{i:D3}", "staging-db")).Grant!);
        h.Time.Advance(OneHour);
        return grants;
    }

    async Task<GrantState> StateAsync(Grant grant) => (await h.Store.FindGrantAsync(grant.Id, Ct))!.Grant.State;

    [Fact]
    public async Task ASlowProvider_HoldsUpOnlyItsOwnGrant()
    {
        var grants = await OverdueGrantsAsync(3);
        var slow = grants[1];
        var release = new TaskCompletionSource();
        h.Provider.OnEveryRevoke = g => g.GrantId == slow.Id.Value ? release.Task : Task.CompletedTask;

        var revocations = grants.Select(g => h.Revocations.RevokeAsync(g.Id, Ct)).ToList();
        var others = await Task.WhenAll(revocations[0], revocations[2]).WaitAsync(Patience);

        Assert.Equal([RevokeResult.Revoked, RevokeResult.Revoked], others);
        Assert.Equal(GrantState.Expired, await StateAsync(grants[0]));
        Assert.Equal(GrantState.Expired, await StateAsync(grants[2]));
        Assert.False(revocations[1].IsCompleted);
        Assert.Equal(GrantState.Active, await StateAsync(slow));

        release.SetResult();

        Assert.Equal(RevokeResult.Revoked, await revocations[1].WaitAsync(Patience));
        Assert.Equal(GrantState.Expired, await StateAsync(slow));
        Assert.Equal(0, h.Revocations.Pending);
    }

    [Fact]
    public async Task AFailingProvider_FailsOnlyItsOwnGrant_AndItIsRetriedWithBackoff()
    {
        var grants = await OverdueGrantsAsync(4);
        var failing = grants[2];
        h.Provider.OnEveryRevoke = g => g.GrantId == failing.Id.Value ? throw new TimeoutException("The database did not answer (test).") : Task.CompletedTask;

        var results = await Task.WhenAll(grants.Select(g => h.Revocations.RevokeAsync(g.Id, Ct))).WaitAsync(Patience);

        Assert.Equal([RevokeResult.Revoked, RevokeResult.Revoked, RevokeResult.Failed, RevokeResult.Revoked], results);
        var stored = (await h.Store.FindGrantAsync(failing.Id, Ct))!;
        Assert.Equal((GrantState.Active, 1), (stored.Grant.State, stored.RevokeAttempts));
        Assert.Equal(h.Time.GetUtcNow() + RevokeBackoff.After(1), h.Scheduler.Revokes[failing.Id]);
        foreach (var grant in grants.Where(g => g != failing)) Assert.Equal(GrantState.Expired, await StateAsync(grant));

        h.Provider.OnEveryRevoke = null;
        h.Time.Advance(RevokeBackoff.After(1));
        Assert.Equal(RevokeResult.Revoked, await h.Revocations.RevokeAsync(failing.Id, Ct).WaitAsync(Patience)); // its lease was given back
    }

    [Fact]
    public async Task AGrantAskedForAgainWhileUnderWay_JoinsTheAttempt_AndTheProviderIsAskedOnce()
    {
        var grant = (await OverdueGrantsAsync(1))[0];
        var inside = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        h.Provider.OnEveryRevoke = async _ => { inside.TrySetResult(); await release.Task; };

        var byTrigger = h.Revocations.RevokeAsync(grant.Id, Ct);
        await inside.Task.WaitAsync(Patience);
        var bySweep = h.Sweeper.SweepAsync(Ct);
        var again = h.Revocations.RevokeAsync(grant.Id, Ct);
        release.SetResult();

        Assert.Equal(RevokeResult.Revoked, await byTrigger.WaitAsync(Patience));
        Assert.Equal(RevokeResult.Revoked, await again.WaitAsync(Patience));
        Assert.Equal(1, (await bySweep.WaitAsync(Patience)).Revoked);
        Assert.Equal(1, h.Provider.RevokeCalls);
        Assert.Equal(RevokeResult.NotActive, await h.Revocations.RevokeAsync(grant.Id, Ct).WaitAsync(Patience)); // a spent trigger firing later
    }

    [Fact]
    public async Task ManyGrantsEndedTogether_KeepTheAuditChainIntact_AndEachGetsItsNotice()
    {
        var grants = await OverdueGrantsAsync(40);
        var gate = new TaskCompletionSource();
        var arrived = 0;
        // Every provider call waits until all forty are under way, so they are answered, and ended, together.
        h.Provider.OnEveryRevoke = _ => Interlocked.Increment(ref arrived) == grants.Count ? Task.Run(gate.SetResult) : gate.Task;

        var results = await Task.WhenAll(grants.Select(g => h.Revocations.RevokeAsync(g.Id, Ct))).WaitAsync(Patience);

        Assert.All(results, r => Assert.Equal(RevokeResult.Revoked, r));
        Assert.Equal(grants.Count, h.Provider.RevokeCalls);
        var verification = await h.Audit.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Problem);
        var audit = await h.Store.ReadAuditAsync(0, 10_000, Ct);
        Assert.All(grants, g => Assert.Single(audit, a => a.Event.Kind == "grant.expired" && a.Event.GrantId == g.Id.Value));
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.All(grants, g => Assert.Single(h.Notifier.KindsFor(g.RequestId), k => k == "GrantEnded"));
    }

    [Fact]
    public async Task NoMoreThanTheConcurrencySetting_AreUnderWayAtOnce()
    {
        h.Options.RevokeConcurrency = 3;
        var grants = await OverdueGrantsAsync(7);
        var under = 0;
        var most = 0;
        var threeInside = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        h.Provider.OnEveryRevoke = async _ =>
        {
            var now = Interlocked.Increment(ref under);
            InterlockedMax(ref most, now);
            if (now == 3) threeInside.TrySetResult();
            await release.Task;
            Interlocked.Decrement(ref under);
        };

        var revocations = grants.Select(g => h.Revocations.RevokeAsync(g.Id, Ct)).ToList();
        await threeInside.Task.WaitAsync(Patience);
        Assert.Equal(3, h.Provider.RevokeCalls); // the other four wait their turn
        release.SetResult();
        var results = await Task.WhenAll(revocations).WaitAsync(Patience);

        Assert.All(results, r => Assert.Equal(RevokeResult.Revoked, r));
        Assert.Equal(3, most);
        Assert.Equal(7, h.Provider.RevokeCalls);
    }

    static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }
}
