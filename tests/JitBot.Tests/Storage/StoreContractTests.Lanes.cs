using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Tests.Storage;

/// <summary>The store contract: notices travel in lanes (one per channel or person), late answers, the backlog.</summary>
public abstract partial class StoreContractTests
{
    static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    AccessRequest InChannel(string requester) => NewRequest() with { RequesterId = requester };

    AccessRequest AutoApproved(string requester) =>
        NewRequest() with { RequesterId = requester, Decision = DecisionJsonTests.RichDecision() with { Approval = null } };

    [Fact]
    public async Task Claim_HandsOutOneNoticePerLane_InTheOrderTheyHappened_AndLanesSideBySide()
    {
        var first = InChannel("U0ONE");
        var second = InChannel("U0TWO");
        var alone = AutoApproved("U0THREE");
        await CommitAsync(async tx =>
        {
            foreach (var r in new[] { first, second, alone }) await tx.InsertRequestAsync(r, null, Ct);
        });
        await CommitAsync(async tx =>
        {
            await tx.EnqueueAsync(NotificationKind.ApprovalNeeded, first.Id, null, null, Time.GetUtcNow(), Ct);
            await tx.EnqueueAsync(NotificationKind.ApprovalNeeded, second.Id, null, null, Time.GetUtcNow(), Ct);
            await tx.EnqueueAsync(NotificationKind.GrantStarted, alone.Id, null, null, Time.GetUtcNow(), Ct);
            await tx.EnqueueAsync(NotificationKind.RequestClosed, first.Id, null, null, Time.GetUtcNow(), Ct);
        });

        var a = await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), Lease, 10, Ct);
        Assert.Equal([(first.Id, "#C0PAYMENTS"), (alone.Id, "@U0THREE")], a.Select(m => (m.RequestId, m.Lane)));
        // The channel's next notice (another request's) waits for the one claimed before it, in every replica.
        Assert.Empty(await Store.ClaimNotificationsAsync("replica-b", Time.GetUtcNow(), Lease, 10, Ct));

        Assert.True(await Store.MarkDeliveredAsync(a[0].Id, "replica-a", Time.GetUtcNow(), Ct));
        var next = Assert.Single(await Store.ClaimNotificationsAsync("replica-b", Time.GetUtcNow(), Lease, 10, Ct));
        Assert.Equal((second.Id, NotificationKind.ApprovalNeeded), (next.RequestId, next.Kind));
        Assert.Empty(await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), Lease, 10, Ct));

        Assert.True(await Store.MarkDeliveredAsync(next.Id, "replica-b", Time.GetUtcNow(), Ct));
        var last = Assert.Single(await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), Lease, 10, Ct));
        Assert.Equal((first.Id, NotificationKind.RequestClosed), (last.RequestId, last.Kind));
    }

    [Fact]
    public async Task AFailedNotice_HoldsItsLane_UntilItIsDelivered_WhileOtherLanesGoOn()
    {
        var stuck = InChannel("U0ONE");
        var behind = InChannel("U0TWO");
        var elsewhere = AutoApproved("U0THREE");
        await CommitAsync(async tx =>
        {
            foreach (var r in new[] { stuck, behind, elsewhere }) await tx.InsertRequestAsync(r, null, Ct);
            await tx.EnqueueAsync(NotificationKind.ApprovalNeeded, stuck.Id, null, null, Time.GetUtcNow(), Ct);
            await tx.EnqueueAsync(NotificationKind.ApprovalNeeded, behind.Id, null, null, Time.GetUtcNow(), Ct);
        });
        var claimed = Assert.Single(await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), Lease, 10, Ct));
        Assert.True(await Store.MarkDeliveryFailedAsync(claimed.Id, "replica-a", 1, Time.GetUtcNow().AddSeconds(5), "Slack is down", Ct));
        await CommitAsync(tx => tx.EnqueueAsync(NotificationKind.GrantStarted, elsewhere.Id, null, null, Time.GetUtcNow(), Ct));

        var now = Assert.Single(await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), Lease, 10, Ct));
        Assert.Equal(elsewhere.Id, now.RequestId);

        Time.Advance(TimeSpan.FromSeconds(5));
        var retry = Assert.Single(await Store.ClaimNotificationsAsync("replica-b", Time.GetUtcNow(), Lease, 10, Ct));
        Assert.Equal((stuck.Id, 1), (retry.RequestId, retry.Attempts));
    }

    [Fact]
    public async Task NoticeOutsideATransaction_IsQueuedInItsLane_WithItsPayload_AndWakesTheDispatcher()
    {
        var signal = new OutboxSignal();
        Database.Close(Store);
        Store = Database.Open(signal, Time);
        var request = AutoApproved("U0ASKER");
        await CommitAsync(async tx =>
        {
            await tx.InsertRequestAsync(request, null, Ct);
            await tx.EnqueueAsync(NotificationKind.GrantStarted, request.Id, null, null, Time.GetUtcNow(), Ct);
        });
        await signal.WaitAsync(TimeSpan.FromHours(1), Time, Ct).WaitAsync(TimeSpan.FromSeconds(10)); // the commit's wake-up

        await Store.EnqueueNoticeAsync(NotificationKind.LateAnswer, new RequestId("answer_1"), NoticeLanes.DirectMessages("U0ASKER"), "{\"text\":\"hi\"}",
            Time.GetUtcNow(), Ct);
        // Queueing wakes the dispatcher: the fake clock never moves, so only the signal ends this wait.
        await signal.WaitAsync(TimeSpan.FromHours(1), Time, Ct).WaitAsync(TimeSpan.FromSeconds(10));

        var first = Assert.Single(await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), Lease, 10, Ct));
        Assert.Equal(NotificationKind.GrantStarted, first.Kind); // the person's lane keeps its order
        Assert.True(await Store.MarkDeliveredAsync(first.Id, "replica-a", Time.GetUtcNow(), Ct));
        var answer = Assert.Single(await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), Lease, 10, Ct));
        Assert.Equal((NotificationKind.LateAnswer, "answer_1", "@U0ASKER", "{\"text\":\"hi\"}"), (answer.Kind, answer.RequestId.Value, answer.Lane, answer.Payload));
    }

    [Fact]
    public async Task Backlog_CountsUndeliveredNotices_AndKnowsWhenTheOldestWasQueued()
    {
        Assert.Equal(new OutboxBacklog(0, null), await Store.OutboxBacklogAsync(Ct));
        var queued = Time.GetUtcNow();
        await CommitAsync(tx => tx.EnqueueAsync(NotificationKind.ApprovalNeeded, new RequestId("req_backlog00001"), null, null, queued, Ct));
        Time.Advance(TimeSpan.FromSeconds(30));
        await CommitAsync(tx => tx.EnqueueAsync(NotificationKind.ApprovalNeeded, new RequestId("req_backlog00002"), null, null, Time.GetUtcNow(), Ct));

        Assert.Equal(new OutboxBacklog(2, queued), await Store.OutboxBacklogAsync(Ct));

        var claimed = await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), Lease, 1, Ct);
        Assert.True(await Store.MarkDeliveredAsync(claimed[0].Id, "replica-a", Time.GetUtcNow(), Ct));
        Assert.Equal(new OutboxBacklog(1, queued.AddSeconds(30)), await Store.OutboxBacklogAsync(Ct));
    }
}
