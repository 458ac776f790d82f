using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Tests.Storage;

/// <summary>Extending a grant, Revoke now and the expiry warning's marker: compare-and-swaps on the stored end.</summary>
public abstract partial class StoreContractTests
{
    async Task<bool> InTxAsync(Func<IAccessStoreTransaction, Task<bool>> work)
    {
        await using var tx = await Store.BeginAsync(Ct);
        var result = await work(tx);
        await tx.CommitAsync(Ct);
        return result;
    }

    [Fact]
    public async Task ExtendGrant_MovesTheEndFromTheExpectedOne_CountsIt_AndTheSweepSeesTheNewEnd()
    {
        var (_, grant) = await GrantedAsync(TimeSpan.FromMinutes(10));
        var id = grant.Grant.Id;
        var end = grant.Grant.ExpiresAt;
        Assert.Equal(0, (await Store.FindGrantAsync(id, Ct))!.Extensions);

        Assert.True(await InTxAsync(tx => tx.TryExtendGrantAsync(id, end, end.AddHours(1), Ct)));
        // A second move from the old end (a racing click) changes nothing.
        Assert.False(await InTxAsync(tx => tx.TryExtendGrantAsync(id, end, end.AddHours(2), Ct)));

        var stored = (await Store.FindGrantAsync(id, Ct))!;
        Assert.Equal(end.AddHours(1), stored.Grant.ExpiresAt);
        Assert.Equal(1, stored.Extensions);
        Time.Advance(TimeSpan.FromMinutes(30));
        Assert.DoesNotContain(id, await Store.OverdueGrantsAsync(Time.GetUtcNow(), 10, Ct));
        Time.Advance(TimeSpan.FromMinutes(41));
        Assert.Contains(id, await Store.OverdueGrantsAsync(Time.GetUtcNow(), 10, Ct));
    }

    [Fact]
    public async Task ExtendGrant_RefusesAnEndedGrant_AndOneBeingRevoked()
    {
        var (_, ended) = await GrantedAsync(TimeSpan.FromMinutes(10));
        await CommitAsync(async tx => Assert.True(await tx.TryMoveGrantAsync(ended.Grant.Id, GrantState.Active, GrantState.Expired, Time.GetUtcNow(), Ct)));
        Assert.False(await InTxAsync(tx => tx.TryExtendGrantAsync(ended.Grant.Id, ended.Grant.ExpiresAt, ended.Grant.ExpiresAt.AddHours(1), Ct)));

        var (_, revoking) = await GrantedAsync(TimeSpan.FromMinutes(10));
        Assert.True(await InTxAsync(tx => tx.TryMarkRevokedByAsync(revoking.Grant.Id, "U0APPROVER", "done", Time.GetUtcNow(), Ct)));
        var now = (await Store.FindGrantAsync(revoking.Grant.Id, Ct))!.Grant.ExpiresAt;
        Assert.False(await InTxAsync(tx => tx.TryExtendGrantAsync(revoking.Grant.Id, now, now.AddHours(1), Ct)));
    }

    [Fact]
    public async Task MarkRevokedBy_Once_RecordsWhoAndWhy_AndBringsTheEndForward()
    {
        var (_, grant) = await GrantedAsync(TimeSpan.FromHours(1));
        var now = Time.GetUtcNow();

        Assert.True(await InTxAsync(tx => tx.TryMarkRevokedByAsync(grant.Grant.Id, "U0APPROVER", "incident over", now, Ct)));
        Assert.False(await InTxAsync(tx => tx.TryMarkRevokedByAsync(grant.Grant.Id, "U0OTHER", null, now, Ct)));

        var stored = (await Store.FindGrantAsync(grant.Grant.Id, Ct))!;
        Assert.Equal("U0APPROVER", stored.RevokedBy);
        Assert.Equal("incident over", stored.RevokeReason);
        Assert.Equal(now, stored.Grant.ExpiresAt);
        Assert.Contains(grant.Grant.Id, await Store.OverdueGrantsAsync(now, 10, Ct));

        var (_, ended) = await GrantedAsync(TimeSpan.FromHours(1));
        await CommitAsync(async tx => Assert.True(await tx.TryMoveGrantAsync(ended.Grant.Id, GrantState.Active, GrantState.Expired, now, Ct)));
        Assert.False(await InTxAsync(tx => tx.TryMarkRevokedByAsync(ended.Grant.Id, "U0APPROVER", null, now, Ct)));
        Assert.Null((await Store.FindGrantAsync(ended.Grant.Id, Ct))!.RevokedBy);
    }

    [Fact]
    public async Task Warnings_ListTheUnwarnedEndsInTheWindow_MarkOncePerEnd_AndAnExtensionArmsThemAgain()
    {
        var now = Time.GetUtcNow();
        var (_, soon) = await GrantedAsync(TimeSpan.FromMinutes(5));
        var (_, later) = await GrantedAsync(TimeSpan.FromMinutes(30));
        var (_, ended) = await GrantedAsync(TimeSpan.FromMinutes(3));
        await CommitAsync(async tx => Assert.True(await tx.TryMoveGrantAsync(ended.Grant.Id, GrantState.Active, GrantState.Expired, now, Ct)));

        Assert.Equal([soon.Grant.Id], (await Store.UnwarnedGrantsEndingAsync(now, now.AddMinutes(10), TimeSpan.Zero, 10, Ct)).Select(g => g.Grant.Id));
        Assert.Equal([soon.Grant.Id, later.Grant.Id], (await Store.UnwarnedGrantsEndingAsync(now, now.AddHours(1), TimeSpan.Zero, 10, Ct)).Select(g => g.Grant.Id));
        Assert.Single(await Store.UnwarnedGrantsEndingAsync(now, now.AddHours(1), TimeSpan.Zero, 1, Ct));
        // Grants that last no longer than the shortest window are left out (these started two hours ago).
        Assert.Empty(await Store.UnwarnedGrantsEndingAsync(now, now.AddHours(1), TimeSpan.FromHours(3), 10, Ct));
        Assert.Equal([later.Grant.Id], (await Store.UnwarnedGrantsEndingAsync(now, now.AddHours(1), TimeSpan.FromMinutes(2 * 60 + 10), 10, Ct)).Select(g => g.Grant.Id));

        Assert.True(await InTxAsync(tx => tx.TryMarkWarnedAsync(soon.Grant.Id, soon.Grant.ExpiresAt, Ct)));
        Assert.False(await InTxAsync(tx => tx.TryMarkWarnedAsync(soon.Grant.Id, soon.Grant.ExpiresAt, Ct)));
        // An end the grant does not have (it moved) is not marked.
        Assert.False(await InTxAsync(tx => tx.TryMarkWarnedAsync(later.Grant.Id, later.Grant.ExpiresAt.AddMinutes(1), Ct)));
        Assert.Equal(soon.Grant.ExpiresAt, (await Store.FindGrantAsync(soon.Grant.Id, Ct))!.WarnedFor);
        Assert.Empty(await Store.UnwarnedGrantsEndingAsync(now, now.AddMinutes(10), TimeSpan.Zero, 10, Ct));

        Assert.True(await InTxAsync(tx => tx.TryExtendGrantAsync(soon.Grant.Id, soon.Grant.ExpiresAt, soon.Grant.ExpiresAt.AddMinutes(20), Ct)));
        Assert.Equal([soon.Grant.Id, later.Grant.Id], (await Store.UnwarnedGrantsEndingAsync(now, now.AddHours(1), TimeSpan.Zero, 10, Ct)).Select(g => g.Grant.Id));
        Assert.True(await InTxAsync(tx => tx.TryMarkWarnedAsync(soon.Grant.Id, soon.Grant.ExpiresAt.AddMinutes(20), Ct)));
        Assert.Equal([later.Grant.Id], (await Store.UnwarnedGrantsEndingAsync(now, now.AddHours(1), TimeSpan.Zero, 10, Ct)).Select(g => g.Grant.Id));
    }

    [Fact]
    public async Task ExtensionRequest_KeepsTheGrantItExtends_AndTheEndItAsksFor()
    {
        var (_, grant) = await GrantedAsync(TimeSpan.FromHours(1));
        var to = grant.Grant.ExpiresAt.AddHours(1);
        var request = NewRequest() with { ExtendsGrant = grant.Grant.Id, ExtendsTo = to };
        await CommitAsync(tx => tx.InsertRequestAsync(request, request.CreatedAt.AddHours(1), Ct));

        var stored = (await Store.FindRequestAsync(request.Id, Ct))!;
        Assert.Equal(grant.Grant.Id, stored.ExtendsGrant);
        Assert.Equal(to, stored.ExtendsTo);
        Assert.Null((await Store.FindRequestAsync(grant.Grant.RequestId, Ct))!.ExtendsGrant);
    }
}
