using JitBot.Audit;
using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Tests.Storage;

/// <summary>
/// The store contract for writes a store may send later than they are made (with the transaction's next step, or
/// its commit): later reads of the transaction see them, they are made in the order they were made, and an error
/// they meet fails the transaction from its next call or its commit, leaving nothing of it stored.
/// </summary>
public abstract partial class StoreContractTests
{
    [Fact]
    public async Task AGrantInsertedAfterItsRequest_IsSeenByTheTransactionsLaterReadsAndChanges()
    {
        var request = NewRequest() with { State = RequestState.Granted, DecidedAt = Time.GetUtcNow(), DecidedBy = "policy" };
        var grant = new GrantRecord(
            new Grant(GrantId.New(), request.Id, request.RequesterId, request.ResourceId, Time.GetUtcNow(), Time.GetUtcNow().AddHours(1), GrantState.Active, null),
            "fake", "fake:payments-db:" + request.RequesterId);

        await CommitAsync(async tx =>
        {
            await tx.InsertRequestAsync(request, null, Ct);
            await tx.InsertGrantAsync(grant, Ct); // refers to the request inserted just before
            Assert.Equal(grant, await tx.FindGrantAsync(grant.Grant.Id, Ct));
            Assert.Equal([grant.Grant.Id], (await tx.ActiveGrantsForKeysAsync([grant.AccessKey], Ct)).Select(g => g.Grant.Id));
            await tx.MarkProvisionedAsync(grant.Grant.Id, Time.GetUtcNow(), Provisioned(grant), NotificationKind.GrantStarted, Ct);
        });

        Assert.Equal(Time.GetUtcNow(), (await Store.FindGrantAsync(grant.Grant.Id, Ct))!.ProvisionedAt);
        Assert.Equal(RequestState.Granted, (await Store.FindRequestAsync(request.Id, Ct))!.State);
    }

    [Fact]
    public async Task AKeyTakenForADeferredInsert_FailsTheTransactionsNextCall_AndNothingOfTheTransactionIsStored()
    {
        var (_, taken) = await GrantedAsync(TimeSpan.FromHours(1));
        var fresh = NewRequest();
        var auditBefore = (await Store.ReadAuditAsync(0, 100, Ct)).Count;

        var failed = await Record.ExceptionAsync(async () =>
        {
            await using var tx = await Store.BeginAsync(Ct);
            await tx.InsertRequestAsync(fresh, null, Ct);
            await tx.AppendAuditAsync(new AuditEvent("test.lost", Time.GetUtcNow(), "U0X", fresh.Id.Value), Ct);
            await tx.EnqueueAsync(NotificationKind.ApprovalNeeded, fresh.Id, null, null, Time.GetUtcNow(), Ct);
            await tx.InsertGrantAsync(taken, Ct); // its id (and its request's one grant) are taken
            await tx.FindGrantAsync(taken.Grant.Id, Ct); // fails here at the latest…
            await tx.CommitAsync(Ct); // …or here, if the store made the insert at once
        });

        Assert.NotNull(failed);
        Assert.Null(await Store.FindRequestAsync(fresh.Id, Ct));
        Assert.Equal(auditBefore, (await Store.ReadAuditAsync(0, 100, Ct)).Count);
        Assert.Equal(0, await Store.UndeliveredCountAsync(Ct));
        Assert.Equal(taken, await Store.FindGrantAsync(taken.Grant.Id, Ct));
    }

    [Fact]
    public async Task NoticesQueuedInATransaction_AreStoredInTheOrderQueued_EachInItsRequestsLane()
    {
        var earlier = AutoApproved("U0EARLIER"); // stored before, not read by the transaction
        await CommitAsync(tx => tx.InsertRequestAsync(earlier, null, Ct));
        var inserted = InChannel("U0INSERTED"); // inserted by the transaction
        var read = AutoApproved("U0READ"); // stored before and read by the transaction
        await CommitAsync(tx => tx.InsertRequestAsync(read, null, Ct));
        var nowhere = RequestId.New(); // never stored

        await CommitAsync(async tx =>
        {
            await tx.EnqueueAsync(NotificationKind.GrantStarted, earlier.Id, null, null, Time.GetUtcNow(), Ct);
            await tx.InsertRequestAsync(inserted, null, Ct);
            await tx.EnqueueAsync(NotificationKind.ApprovalNeeded, inserted.Id, null, null, Time.GetUtcNow(), Ct);
            Assert.NotNull(await tx.FindRequestAsync(read.Id, Ct));
            await tx.EnqueueAsync(NotificationKind.GrantStarted, read.Id, null, null, Time.GetUtcNow(), Ct);
            await tx.EnqueueAsync(NotificationKind.RequestClosed, nowhere, null, null, Time.GetUtcNow(), Ct);
        });

        var claimed = (await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), Lease, 10, Ct)).OrderBy(m => m.Id).ToList();
        Assert.Equal([(earlier.Id, "@U0EARLIER"), (inserted.Id, "#C0PAYMENTS"), (read.Id, "@U0READ"), (nowhere, "request:" + nowhere.Value)],
            claimed.Select(m => (m.RequestId, m.Lane)));
    }
}
