using JitBot.Requests;
using JitBot.Storage;

namespace JitBot.Tests.Storage;

/// <summary>
/// The store contract: the order in which due notices are claimed (<see cref="OutboxOrder"/>). Lanes holding a notice
/// about ended access first, each lane in the order its notices happened; within each, the longest due first.
/// </summary>
public abstract partial class StoreContractTests
{
    Task QueueAsync(NotificationKind kind, string request, string lane) =>
        Store.EnqueueNoticeAsync(kind, new RequestId(request), lane, "", Time.GetUtcNow(), Ct);

    /// <summary>Claims up to <paramref name="max"/> notices; returns their subjects, in the order of the claim.</summary>
    async Task<List<string>> ClaimAllAsync(string owner, int max = 10)
    {
        var claimed = await Store.ClaimNotificationsAsync(owner, Time.GetUtcNow(), Lease, max, Ct);
        foreach (var m in claimed) _claimed[m.RequestId.Value] = m.Id;
        return claimed.Select(m => m.RequestId.Value).ToList();
    }

    /// <summary>The id of the notice about <paramref name="request"/> that <see cref="ClaimAllAsync"/> claimed last.</summary>
    long IdOf(string request) => _claimed[request];

    readonly Dictionary<string, long> _claimed = new(StringComparer.Ordinal);

    [Fact]
    public async Task Claim_TakesLanesWithEndedAccess_BeforeOlderNotices_InTheOrderOfTheClaim()
    {
        await QueueAsync(NotificationKind.LateAnswer, "answer_old1", "answer:answer_old1");
        Time.Advance(TimeSpan.FromSeconds(1));
        await QueueAsync(NotificationKind.ApprovalNeeded, "req_order_appr1", "#C0ORDER");
        Time.Advance(TimeSpan.FromSeconds(1));
        await QueueAsync(NotificationKind.GrantEnded, "req_order_ended", "@U0ENDED");
        Time.Advance(TimeSpan.FromSeconds(1));
        await QueueAsync(NotificationKind.GrantRevoked, "req_order_revok", "@U0REVOKED");

        // One at a time, as a busy dispatcher claims: ended access first, then the rest by age.
        Assert.Equal(["req_order_ended"], await ClaimAllAsync("replica-a", 1));
        Assert.Equal(["req_order_revok"], await ClaimAllAsync("replica-b", 1));
        Assert.Equal(["answer_old1", "req_order_appr1"], await ClaimAllAsync("replica-a"));
    }

    [Fact]
    public async Task Claim_ReturnsTheNoticesInTheOrderItTookThem()
    {
        await QueueAsync(NotificationKind.LateAnswer, "answer_first", "answer:answer_first");
        Time.Advance(TimeSpan.FromSeconds(1));
        await QueueAsync(NotificationKind.ApprovalNeeded, "req_ret_appr001", "#C0ORDER");
        Time.Advance(TimeSpan.FromSeconds(1));
        await QueueAsync(NotificationKind.GrantEnded, "req_ret_ended01", "@U0ENDED");

        Assert.Equal(["req_ret_ended01", "answer_first", "req_ret_appr001"], await ClaimAllAsync("replica-a"));
    }

    [Fact]
    public async Task ALaneWithEndedAccess_GoesFirst_WithWhatIsQueuedAheadOfIt_InItsOrder()
    {
        await QueueAsync(NotificationKind.LateAnswer, "answer_older", "answer:answer_older");
        Time.Advance(TimeSpan.FromSeconds(1));
        await QueueAsync(NotificationKind.GrantStarted, "req_lane_start1", "@U0PERSON");
        Assert.Equal(["answer_older", "req_lane_start1"], await ClaimAllAsync("replica-a"));
        Assert.True(await Store.MarkDeliveryFailedAsync(IdOf("req_lane_start1"), "replica-a", 0, Time.GetUtcNow(), "given back", Ct));
        Assert.True(await Store.MarkDeliveryFailedAsync(IdOf("answer_older"), "replica-a", 0, Time.GetUtcNow(), "given back", Ct));

        // The person's access ends: their lane now goes first, its older "you have access" ahead of the end.
        Time.Advance(TimeSpan.FromSeconds(1));
        await QueueAsync(NotificationKind.GrantEnded, "req_lane_ended1", "@U0PERSON");
        var first = Assert.Single(await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), Lease, 1, Ct));
        Assert.Equal("req_lane_start1", first.RequestId.Value);
        Assert.True(await Store.MarkDeliveredAsync(first.Id, "replica-a", Time.GetUtcNow(), Ct));
        Assert.Equal(["req_lane_ended1"], await ClaimAllAsync("replica-b", 1));
        Assert.Equal(["answer_older"], await ClaimAllAsync("replica-b", 1));
    }

    [Fact]
    public async Task ALane_IsAnOrdinaryLaneAgain_OnceItsEndedAccessWasDelivered()
    {
        await QueueAsync(NotificationKind.GrantEnded, "req_again_ended", "@U0PERSON");
        Time.Advance(TimeSpan.FromSeconds(1));
        await QueueAsync(NotificationKind.ApprovalNeeded, "req_again_appr1", "#C0ORDER");
        Time.Advance(TimeSpan.FromSeconds(1));
        await QueueAsync(NotificationKind.LateAnswer, "answer_indm", "@U0PERSON");

        var ended = Assert.Single(await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), Lease, 1, Ct));
        Assert.Equal("req_again_ended", ended.RequestId.Value);
        Assert.True(await Store.MarkDeliveredAsync(ended.Id, "replica-a", Time.GetUtcNow(), Ct));

        // The answer behind it waits its turn by age: the channel's older notice goes first.
        Assert.Equal(["req_again_appr1"], await ClaimAllAsync("replica-a", 1));
        Assert.Equal(["answer_indm"], await ClaimAllAsync("replica-a", 1));
    }

    [Fact]
    public async Task EndedAccessThatIsDeferred_LetsTheOthersGo_AndGoesFirstAgainWhenDue()
    {
        await QueueAsync(NotificationKind.LateAnswer, "answer_waiting", "answer:answer_waiting");
        Time.Advance(TimeSpan.FromSeconds(1));
        await QueueAsync(NotificationKind.GrantEnded, "req_defer_ended", "@U0PERSON");
        var ended = Assert.Single(await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), Lease, 1, Ct));
        Assert.Equal("req_defer_ended", ended.RequestId.Value);
        // Slack's limit in the person's DMs: not before 3 s from now.
        Assert.True(await Store.MarkDeliveryFailedAsync(ended.Id, "replica-a", 0, Time.GetUtcNow().AddSeconds(3), "deferred", Ct));

        Time.Advance(TimeSpan.FromSeconds(1));
        await QueueAsync(NotificationKind.ApprovalNeeded, "req_defer_appr1", "#C0ORDER");
        Assert.Equal(["answer_waiting"], await ClaimAllAsync("replica-a", 1));

        Time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(["req_defer_ended", "req_defer_appr1"], await ClaimAllAsync("replica-b"));
    }

    [Fact]
    public async Task WithinEachKindOfLane_TheHeadDueLongestGoesFirst_NotTheOldest()
    {
        // Two lanes with ended access, two without; in each pair the older head failed and is due again later.
        await QueueAsync(NotificationKind.GrantEnded, "req_due_ended_a", "@U0ENDEDA");
        await QueueAsync(NotificationKind.ApprovalNeeded, "req_due_appr_a1", "#C0ORDERA");
        var first = await Store.ClaimNotificationsAsync("replica-a", Time.GetUtcNow(), Lease, 10, Ct);
        Assert.Equal(["req_due_ended_a", "req_due_appr_a1"], first.Select(m => m.RequestId.Value));
        foreach (var m in first)
            Assert.True(await Store.MarkDeliveryFailedAsync(m.Id, "replica-a", 1, Time.GetUtcNow().AddSeconds(5), "Slack is down", Ct));

        Time.Advance(TimeSpan.FromSeconds(1));
        await QueueAsync(NotificationKind.GrantEnded, "req_due_ended_b", "@U0ENDEDB");
        await QueueAsync(NotificationKind.ApprovalNeeded, "req_due_appr_b1", "#C0ORDERB");

        Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(["req_due_ended_b", "req_due_ended_a", "req_due_appr_b1", "req_due_appr_a1"], await ClaimAllAsync("replica-b"));
    }

    [Fact]
    public async Task EndedAccess_HeldByAnOlderNoticeOfItsRequest_WaitsForIt_WhileOtherLanesGo()
    {
        await QueueAsync(NotificationKind.ApprovalNeeded, "req_held_byreq1", "#C0ORDER");
        Time.Advance(TimeSpan.FromSeconds(1));
        await QueueAsync(NotificationKind.LateAnswer, "answer_free", "answer:answer_free");
        Time.Advance(TimeSpan.FromSeconds(1));
        // The same request's end, in another lane: it waits for the request's older notice.
        await QueueAsync(NotificationKind.GrantEnded, "req_held_byreq1", "@U0PERSON");

        Assert.Equal(["req_held_byreq1", "answer_free"], await ClaimAllAsync("replica-a"));
        var approval = IdOf("req_held_byreq1");
        Assert.True(await Store.MarkDeliveredAsync(approval, "replica-a", Time.GetUtcNow(), Ct));
        var ended = Assert.Single(await Store.ClaimNotificationsAsync("replica-b", Time.GetUtcNow(), Lease, 10, Ct));
        Assert.Equal((NotificationKind.GrantEnded, "@U0PERSON"), (ended.Kind, ended.Lane));
    }
}

/// <summary>The claim order's kinds, as PostgreSQL's index names them (its claim names them from <see cref="OutboxOrder"/>).</summary>
public sealed class OutboxOrderSchemaTests
{
    [Fact]
    public void ThePostgresIndexOfEndedAccess_NamesExactlyTheKindsOfTheClaimOrder()
    {
        var sql = Assert.Single(JitBot.Storage.Postgres.PostgresMigrations.All, m => m.Sql.Contains("outbox_undelivered_ended")).Sql;
        var named = System.Text.RegularExpressions.Regex.Matches(sql[sql.IndexOf("kind IN", StringComparison.Ordinal)..], "'([A-Za-z]+)'").Select(m => m.Groups[1].Value);

        Assert.Equal(OutboxOrder.EndedAccess.Select(k => k.ToString()).Order(), named.Order());
    }
}
