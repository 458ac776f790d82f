using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Tests.Storage;

/// <summary>
/// The store contract: notices sent together (<see cref="IOutboxGroupStore"/>). Behind a lane head its claimer
/// holds, the unbroken run of due notices of the head's kind is claimed too, in order, bounded; anything else ends
/// the run, and the lane keeps its order across replicas.
/// </summary>
public abstract partial class StoreContractTests
{
    const string Person = "@U0GROUPED";

    Task QueueInLaneAsync(NotificationKind kind, string request, string lane = Person) =>
        Store.EnqueueNoticeAsync(kind, new RequestId(request), lane, "", Time.GetUtcNow(), Ct);

    async Task<OutboxMessage> ClaimHeadOfAsync(string owner, string lane = Person) =>
        Assert.Single(await Store.ClaimNotificationsAsync(owner, Time.GetUtcNow(), Lease, 10, Ct), m => m.Lane == lane);

    [Fact]
    public async Task Group_TakesTheRunOfTheHeadsKindBehindIt_InOrder_AndStopsAtAnotherKind()
    {
        for (var i = 0; i < 5; i++) await QueueInLaneAsync(NotificationKind.GrantEnded, $"req_group{i:0000000}");
        await QueueInLaneAsync(NotificationKind.GrantStarted, "req_groupstart01");
        await QueueInLaneAsync(NotificationKind.GrantEnded, "req_groupafter01");

        var head = await ClaimHeadOfAsync("replica-a");
        var behind = await Store.ClaimFollowingAsync(head, "replica-a", Time.GetUtcNow(), Lease, 49, Ct);

        Assert.Equal(["req_group0000001", "req_group0000002", "req_group0000003", "req_group0000004"], behind.Select(m => m.RequestId.Value));
        Assert.All(behind, m => Assert.Equal((NotificationKind.GrantEnded, Person), (m.Kind, m.Lane)));
        Assert.True(behind.Select(m => m.Id).SequenceEqual(behind.Select(m => m.Id).Order()) && behind[0].Id > head.Id);
        // The lane is held by the group, in every replica, and nobody else can take the group's notices.
        Assert.Empty(await Store.ClaimNotificationsAsync("replica-b", Time.GetUtcNow(), Lease, 10, Ct));
        Assert.Empty(await Store.ClaimFollowingAsync(head, "replica-b", Time.GetUtcNow(), Lease, 49, Ct));

        Assert.Equal(5, await Store.MarkAllDeliveredAsync([head.Id, .. behind.Select(m => m.Id)], "replica-a", Time.GetUtcNow(), Ct));
        Assert.Equal(2, await Store.UndeliveredCountAsync(Ct));
        // The other kind comes next, alone: the run of a kind never reaches past another kind.
        var started = await ClaimHeadOfAsync("replica-b");
        Assert.Equal((NotificationKind.GrantStarted, "req_groupstart01"), (started.Kind, started.RequestId.Value));
        Assert.Empty(await Store.ClaimFollowingAsync(started, "replica-b", Time.GetUtcNow(), Lease, 49, Ct));
    }

    [Fact]
    public async Task Group_IsBounded_AndTheRestFollowsInTheNextGroup()
    {
        for (var i = 0; i < 7; i++) await QueueInLaneAsync(NotificationKind.GrantEnded, $"req_bound{i:0000000}");

        var head = await ClaimHeadOfAsync("replica-a");
        var behind = await Store.ClaimFollowingAsync(head, "replica-a", Time.GetUtcNow(), Lease, 3, Ct);
        Assert.Equal(["req_bound0000001", "req_bound0000002", "req_bound0000003"], behind.Select(m => m.RequestId.Value));
        Assert.Equal(4, await Store.MarkAllDeliveredAsync([head.Id, .. behind.Select(m => m.Id)], "replica-a", Time.GetUtcNow(), Ct));

        var next = await ClaimHeadOfAsync("replica-b");
        Assert.Equal("req_bound0000004", next.RequestId.Value);
        Assert.Equal(["req_bound0000005", "req_bound0000006"],
            (await Store.ClaimFollowingAsync(next, "replica-b", Time.GetUtcNow(), Lease, 49, Ct)).Select(m => m.RequestId.Value));
    }

    [Fact]
    public async Task Group_OnlyForTheHeadsHolder_WhileItsLeaseRuns()
    {
        await QueueInLaneAsync(NotificationKind.GrantEnded, "req_holder000001");
        await QueueInLaneAsync(NotificationKind.GrantEnded, "req_holder000002");
        var head = await ClaimHeadOfAsync("replica-a");

        Assert.Empty(await Store.ClaimFollowingAsync(head, "replica-b", Time.GetUtcNow(), Lease, 49, Ct));
        Time.Advance(Lease);
        Assert.Empty(await Store.ClaimFollowingAsync(head, "replica-a", Time.GetUtcNow(), Lease, 49, Ct));

        // The lease ran out: another replica takes the head, and with it the run behind it.
        var again = await ClaimHeadOfAsync("replica-b");
        Assert.Equal(head.Id, again.Id);
        Assert.Equal(["req_holder000002"], (await Store.ClaimFollowingAsync(again, "replica-b", Time.GetUtcNow(), Lease, 49, Ct)).Select(m => m.RequestId.Value));
        Assert.Equal(0, await Store.MarkAllDeliveredAsync([head.Id], "replica-a", Time.GetUtcNow(), Ct));
    }

    [Fact]
    public async Task GroupGivenBack_IsDueAgainAsAWhole_AndFormsAgain()
    {
        for (var i = 0; i < 3; i++) await QueueInLaneAsync(NotificationKind.GrantEnded, $"req_again{i:0000000}");
        var head = await ClaimHeadOfAsync("replica-a");
        var behind = await Store.ClaimFollowingAsync(head, "replica-a", Time.GetUtcNow(), Lease, 49, Ct);
        var retryAt = Time.GetUtcNow().AddSeconds(5);
        Assert.Equal(0, await Store.MarkAllFailedAsync([(head.Id, 1)], "replica-b", retryAt, "not mine", Ct));
        Assert.Equal(3, await Store.MarkAllFailedAsync([.. new[] { head }.Concat(behind).Select(m => (m.Id, m.Attempts + 1))], "replica-a", retryAt, "Slack is down", Ct));

        Assert.Empty(await Store.ClaimNotificationsAsync("replica-b", Time.GetUtcNow(), Lease, 10, Ct));
        Time.Advance(TimeSpan.FromSeconds(5));
        var retry = await ClaimHeadOfAsync("replica-b");
        var group = await Store.ClaimFollowingAsync(retry, "replica-b", Time.GetUtcNow(), Lease, 49, Ct);

        Assert.Equal((head.Id, 1), (retry.Id, retry.Attempts));
        Assert.Equal(behind.Select(m => (m.Id, 1)), group.Select(m => (m.Id, m.Attempts)));
    }

    [Fact]
    public async Task Group_StopsAtANoticeThatIsNotDue()
    {
        for (var i = 0; i < 3; i++) await QueueInLaneAsync(NotificationKind.GrantEnded, $"req_notdue{i:000000}");
        var head = await ClaimHeadOfAsync("replica-a");
        var behind = await Store.ClaimFollowingAsync(head, "replica-a", Time.GetUtcNow(), Lease, 49, Ct);
        // The head is given back due now, the first behind it later: the run stops there, and so keeps the order.
        Assert.True(await Store.MarkDeliveryFailedAsync(head.Id, "replica-a", 1, Time.GetUtcNow(), "partly", Ct));
        Assert.True(await Store.MarkDeliveryFailedAsync(behind[0].Id, "replica-a", 1, Time.GetUtcNow().AddMinutes(1), "partly", Ct));
        Assert.True(await Store.MarkDeliveryFailedAsync(behind[1].Id, "replica-a", 1, Time.GetUtcNow(), "partly", Ct));

        var retry = await ClaimHeadOfAsync("replica-b");
        Assert.Empty(await Store.ClaimFollowingAsync(retry, "replica-b", Time.GetUtcNow(), Lease, 49, Ct));
    }

    [Fact]
    public async Task Group_StopsAtANoticeWhoseRequestHasAnOlderNoticeInAnotherLane()
    {
        await QueueInLaneAsync(NotificationKind.GrantEnded, "req_elsewhere002", "#C0ELSEWHERE");
        await QueueInLaneAsync(NotificationKind.GrantEnded, "req_elsewhere001");
        await QueueInLaneAsync(NotificationKind.GrantEnded, "req_elsewhere002");
        await QueueInLaneAsync(NotificationKind.GrantEnded, "req_elsewhere003");

        var heads = await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), Lease, 10, Ct);
        var head = Assert.Single(heads, m => m.Lane == Person);
        Assert.Equal("req_elsewhere001", head.RequestId.Value);
        Assert.Empty(await Store.ClaimFollowingAsync(head, "replica-a", Time.GetUtcNow(), Lease, 49, Ct));

        var other = Assert.Single(heads, m => m.Lane == "#C0ELSEWHERE");
        Assert.True(await Store.MarkDeliveredAsync(other.Id, "replica-a", Time.GetUtcNow(), Ct));
        Assert.Equal(["req_elsewhere002", "req_elsewhere003"],
            (await Store.ClaimFollowingAsync(head, "replica-a", Time.GetUtcNow(), Lease, 49, Ct)).Select(m => m.RequestId.Value));
    }

    [Fact]
    public async Task GroupsOfSeveralReplicas_DeliverEveryNoticeOnce_AndEachLaneInOrder()
    {
        var lanes = Enumerable.Range(0, 4).Select(i => $"@U0RACE{i}").ToList();
        var queued = new Dictionary<string, List<string>>();
        for (var n = 0; n < 12; n++)
            foreach (var lane in lanes)
            {
                var request = $"req_race{lanes.IndexOf(lane)}{n:000000}";
                // Every fourth notice is another kind, which splits the runs.
                await QueueInLaneAsync(n % 4 == 3 ? NotificationKind.GrantStarted : NotificationKind.GrantEnded, request, lane);
                (queued.TryGetValue(lane, out var list) ? list : queued[lane] = []).Add(request);
            }

        var sent = new System.Collections.Concurrent.ConcurrentQueue<(string Lane, string Request, int Order)>();
        var order = 0;
        await Task.WhenAll(new[] { "replica-a", "replica-b", "replica-c" }.Select(owner => Task.Run(async () =>
        {
            while (await Store.ClaimNotificationsAsync(owner, Time.GetUtcNow(), Lease, 2, Ct) is { Count: > 0 } heads)
                foreach (var head in heads)
                {
                    var behind = await Store.ClaimFollowingAsync(head, owner, Time.GetUtcNow(), Lease, 3, Ct);
                    var group = new[] { head }.Concat(behind).ToList();
                    Assert.All(group, m => Assert.Equal((head.Kind, head.Lane), (m.Kind, m.Lane)));
                    foreach (var m in group) sent.Enqueue((m.Lane, m.RequestId.Value, Interlocked.Increment(ref order)));
                    Assert.Equal(group.Count, await Store.MarkAllDeliveredAsync(group.Select(m => m.Id).ToList(), owner, Time.GetUtcNow(), Ct));
                }
        })));

        Assert.Equal(48, sent.Count);
        Assert.Equal(0, await Store.UndeliveredCountAsync(Ct));
        foreach (var lane in lanes)
            Assert.Equal(queued[lane], sent.Where(s => s.Lane == lane).OrderBy(s => s.Order).Select(s => s.Request));
    }

    [Fact]
    public async Task MessageRefsSavedTogether_AreEachSetOnce_AndKeepWhatWasSavedBefore()
    {
        var told = new RequestId("req_refsall00001");
        var fresh = new RequestId("req_refsall00002");
        await Store.SaveAsync(new MessageRef(told, "dm.ended", "D0EARLIER", "1.1"), Ct);

        await Store.SaveAllAsync([new MessageRef(told, "dm.ended", "D0PERSON", "2.2"), new MessageRef(fresh, "dm.ended", "D0PERSON", "2.2")], Ct);
        await Store.SaveAllAsync([], Ct);

        Assert.Equal(new MessageRef(told, "dm.ended", "D0EARLIER", "1.1"), await Store.FindAsync(told, "dm.ended", Ct));
        Assert.Equal(new MessageRef(fresh, "dm.ended", "D0PERSON", "2.2"), await Store.FindAsync(fresh, "dm.ended", Ct));
    }
}
