using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Tests.Storage;

/// <summary>Reminders and escalations are recorded once per pending request, across replicas; a denial keeps its reason.</summary>
public abstract partial class StoreContractTests
{
    [Fact]
    public async Task ApprovalStep_IsRecordedOnce_AndReadBack()
    {
        var request = NewRequest();
        await CommitAsync(tx => tx.InsertRequestAsync(request, request.CreatedAt.AddHours(1), Ct));
        var at = Time.GetUtcNow().AddMinutes(20);

        await CommitAsync(async tx =>
        {
            Assert.True(await tx.TryMarkApprovalStepAsync(request.Id, ApprovalStep.Remind, at, Ct));
            Assert.False(await tx.TryMarkApprovalStepAsync(request.Id, ApprovalStep.Remind, at.AddMinutes(1), Ct));
        });
        var back = await Store.FindRequestAsync(request.Id, Ct);
        Assert.Equal(at, back!.RemindedAt);
        Assert.Null(back.EscalatedAt);

        await CommitAsync(async tx => Assert.True(await tx.TryMarkApprovalStepAsync(request.Id, ApprovalStep.Escalate, at.AddMinutes(20), Ct)));
        var pending = Assert.Single(await Store.PendingRequestsAsync(10, Ct), r => r.Id == request.Id);
        Assert.Equal(at, pending.RemindedAt);
        Assert.Equal(at.AddMinutes(20), pending.EscalatedAt);
        Assert.Equal(at.AddMinutes(20), (await Store.FindRequestsAsync([request.Id], Ct)).Single().EscalatedAt);
    }

    [Fact]
    public async Task ApprovalStep_OfARequestThatIsNotPending_IsNotRecorded()
    {
        var request = NewRequest();
        await CommitAsync(tx => tx.InsertRequestAsync(request, request.CreatedAt.AddHours(1), Ct));
        await CommitAsync(async tx => Assert.True(await tx.TryMoveRequestAsync(request.Id, RequestState.Pending, RequestState.TimedOut, Time.GetUtcNow(), "jitbot", Ct)));

        await CommitAsync(async tx =>
        {
            Assert.False(await tx.TryMarkApprovalStepAsync(request.Id, ApprovalStep.Remind, Time.GetUtcNow(), Ct));
            Assert.False(await tx.TryMarkApprovalStepAsync(request.Id, ApprovalStep.Escalate, Time.GetUtcNow(), Ct));
            Assert.False(await tx.TryMarkApprovalStepAsync(RequestId.New(), ApprovalStep.Remind, Time.GetUtcNow(), Ct));
        });
        var back = await Store.FindRequestAsync(request.Id, Ct);
        Assert.Null(back!.RemindedAt);
        Assert.Null(back.EscalatedAt);
    }

    [Fact]
    public async Task ApprovalStep_RacedByTwoWriters_IsRecordedByOne()
    {
        var request = NewRequest();
        await CommitAsync(tx => tx.InsertRequestAsync(request, request.CreatedAt.AddHours(1), Ct));
        var second = Database.AllowsSeveralStores ? Database.Open(new OutboxSignal(), Time) : Store;
        try
        {
            async Task<bool> MarkAsync(IAccessStore store)
            {
                await using var tx = await store.BeginAsync(Ct);
                var won = await tx.TryMarkApprovalStepAsync(request.Id, ApprovalStep.Escalate, Time.GetUtcNow(), Ct);
                await tx.CommitAsync(Ct);
                return won;
            }

            var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => MarkAsync(i % 2 == 0 ? Store : second))));
            Assert.Equal(1, results.Count(won => won));
        }
        finally
        {
            if (!ReferenceEquals(second, Store)) Database.Close(second);
        }
    }

    [Fact]
    public async Task DenialReason_IsKeptWithTheRejection()
    {
        var request = NewRequest();
        await CommitAsync(tx => tx.InsertRequestAsync(request, request.CreatedAt.AddHours(1), Ct));
        const string reason = "Use the read-only replica <payments-db-ro> & ask \"again\" tomorrow\nthanks";

        await CommitAsync(async tx =>
        {
            Assert.True(await tx.TryMoveRequestAsync(request.Id, RequestState.Pending, RequestState.Rejected, Time.GetUtcNow(), "U0APPROVER", Ct));
            await tx.SetDenialReasonAsync(request.Id, reason, Ct);
        });

        Assert.Equal(reason, (await Store.FindRequestAsync(request.Id, Ct))!.DenialReason);
        Assert.Null((await Store.FindRequestAsync(request.Id, Ct))!.RemindedAt);
    }
}
