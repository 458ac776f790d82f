using JitBot.Requests;
using JitBot.Storage;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Tests.Requests;

/// <summary>
/// The dispatcher sends several notices of one kind waiting together in one person's lane as one message
/// (<see cref="NoticeGroups"/>): the group is formed from the lane's head and the notices of its kind behind it,
/// delivered together, given back together, and never reaches past a notice of another kind.
/// </summary>
public sealed class NoticeGroupTests : IAsyncLifetime
{
    readonly CoreHarness h = new();
    static CancellationToken Ct => CancellationToken.None;
    static readonly string[] Resources = ["dev-a", "dev-b", "dev-c", "dev-d", "dev-e"];

    public Task InitializeAsync()
    {
        NotificationDispatcherTests.Policy(h);
        foreach (var resource in Resources) h.Policy.AutoApprove(resource, TimeSpan.FromHours(1));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    NotificationDispatcher Dispatcher(bool group = true)
    {
        var services = new ServiceCollection().AddSingleton<IAccessNotifier>(h.Notifier).AddSingleton<IGroupedGrantNotifier>(h.Notifier)
            .BuildServiceProvider();
        return new NotificationDispatcher(h.Store, h.Signal, services.GetRequiredService<IServiceScopeFactory>(), h.Time,
            NullLogger<NotificationDispatcher>.Instance, Microsoft.Extensions.Options.Options.Create(new NotificationOptions { GroupNotices = group }));
    }

    async Task<List<RequestId>> GrantAsync(string requester, params string[] resources)
    {
        var ids = new List<RequestId>();
        foreach (var resource in resources) ids.Add((await h.SubmitAsync(requester, resource)).Request.Id);
        return ids;
    }

    async Task ExpireAsync(TimeSpan after)
    {
        h.Time.Advance(after);
        await h.Sweeper.SweepAsync(Ct);
    }

    [Fact]
    public async Task SeveralExpiriesOfOnePerson_GoOutAsOneMessage()
    {
        var dispatcher = Dispatcher();
        var granted = await GrantAsync("U0REQ", Resources);
        var other = await GrantAsync("U0OTHER", "dev-a");
        await dispatcher.WaitForIdleAsync(Ct);
        h.Notifier.Calls.Clear();
        h.Notifier.Groups.Clear();

        await ExpireAsync(TimeSpan.FromHours(1));
        await dispatcher.WaitForIdleAsync(Ct);

        var group = Assert.Single(h.Notifier.Groups);
        Assert.Equal("GrantEnded", group.Kind);
        // One message for all five, in the order their expiries were queued (the revocations ran side by side).
        Assert.Equal(granted.Select(r => r.Value).Order(), group.RequestIds.Select(r => r.Value).Order());
        // Someone else's expiry, alone in their lane, is a message of its own.
        Assert.Equal(["GrantEnded"], h.Notifier.KindsFor(other[0]));
        Assert.Equal(2, h.Notifier.Calls.Count);
        Assert.Equal(0, await h.Store.UndeliveredCountAsync(Ct));
    }

    [Fact]
    public async Task AFailedGroup_IsTriedAgainWhole_AndDeliveredOnce()
    {
        var dispatcher = Dispatcher();
        var granted = await GrantAsync("U0REQ", "dev-a", "dev-b", "dev-c");
        await dispatcher.WaitForIdleAsync(Ct);
        h.Notifier.Groups.Clear();
        await ExpireAsync(TimeSpan.FromHours(1));

        h.Notifier.FailNext(1);
        await dispatcher.WaitForIdleAsync(Ct);
        Assert.Empty(h.Notifier.Groups);
        Assert.Equal(3, await h.Store.UndeliveredCountAsync(Ct));

        h.Time.Advance(NotificationDispatcher.RetryDelay(1));
        await dispatcher.WaitForIdleAsync(Ct);

        Assert.Equal(granted.Select(r => r.Value).Order(), Assert.Single(h.Notifier.Groups).RequestIds.Select(r => r.Value).Order());
        Assert.Equal(0, await h.Store.UndeliveredCountAsync(Ct));
        h.Time.Advance(TimeSpan.FromMinutes(10));
        await dispatcher.WaitForIdleAsync(Ct);
        Assert.Single(h.Notifier.Groups);
    }

    [Fact]
    public async Task ADeferredGroup_WaitsWhole_WithoutCountingAFailure_AndTakesTheNoticesQueuedMeanwhile()
    {
        var dispatcher = Dispatcher();
        var first = await GrantAsync("U0REQ", "dev-a", "dev-b");
        var deferrals = 0;
        h.Notifier.Before = (_, _) => Interlocked.Increment(ref deferrals) == 1
            ? throw new NoticeDeferredException(h.Time.GetUtcNow().AddSeconds(1), "the channel posted its share")
            : Task.CompletedTask;
        await dispatcher.WaitForIdleAsync(Ct);
        Assert.Empty(h.Notifier.Groups);

        var later = await GrantAsync("U0REQ", "dev-c");
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await dispatcher.WaitForIdleAsync(Ct);

        var group = Assert.Single(h.Notifier.Groups);
        Assert.Equal("GrantStarted", group.Kind);
        Assert.Equal(first.Concat(later), group.RequestIds);
        Assert.Equal(0, await h.Store.UndeliveredCountAsync(Ct));
    }

    [Fact]
    public async Task ANoticeOfAnotherKind_SplitsTheGroups_AndTheLaneKeepsItsOrder()
    {
        var dispatcher = Dispatcher();
        var early = await GrantAsync("U0REQ", "dev-a", "dev-b");
        await ExpireAsync(TimeSpan.FromMinutes(30));
        var late = await GrantAsync("U0REQ", "dev-c", "dev-d");
        await ExpireAsync(TimeSpan.FromMinutes(31)); // dev-a and dev-b end
        var last = await GrantAsync("U0REQ", "dev-e");

        // Queued in the person's lane: started a, b, c, d; ended a, b; started e.
        await dispatcher.WaitForIdleAsync(Ct);

        Assert.Equal(["GrantStarted", "GrantEnded"], h.Notifier.Groups.Select(g => g.Kind));
        Assert.Equal(early.Concat(late), h.Notifier.Groups.First().RequestIds);
        Assert.Equal(early.Select(r => r.Value).Order(), h.Notifier.Groups.Last().RequestIds.Select(r => r.Value).Order());
        Assert.Equal(["Group.GrantStarted", "Group.GrantEnded", "GrantStarted"], h.Notifier.Calls.Select(c => c.Kind));
        Assert.Equal(last[0], h.Notifier.Calls.Last().RequestId);
    }

    [Fact]
    public async Task WithGroupingOff_OrWithoutAGroupedNotifier_EachNoticeIsAMessageOfItsOwn()
    {
        var granted = await GrantAsync("U0REQ", "dev-a", "dev-b", "dev-c");

        await Dispatcher(group: false).WaitForIdleAsync(Ct);
        await ExpireAsync(TimeSpan.FromHours(1));
        await h.Dispatcher.WaitForIdleAsync(Ct); // the harness registers no IGroupedGrantNotifier

        Assert.Empty(h.Notifier.Groups);
        Assert.All(granted, id => Assert.Equal(["GrantStarted", "GrantEnded"], h.Notifier.KindsFor(id)));
    }

    [Fact]
    public async Task NoticesInATeamChannelsLane_AreNotGrouped()
    {
        var dispatcher = Dispatcher();
        var first = await h.SubmitAsync("U0REQ1", "payments-db");
        var second = await h.SubmitAsync("U0REQ2", "payments-db");

        await dispatcher.WaitForIdleAsync(Ct);

        Assert.Empty(h.Notifier.Groups);
        Assert.Equal(["ApprovalNeeded"], h.Notifier.KindsFor(first.Request.Id));
        Assert.Equal(["ApprovalNeeded"], h.Notifier.KindsFor(second.Request.Id));
        Assert.False(NoticeGroups.CanLead(new OutboxMessage(1, NotificationKind.GrantEnded, first.Request.Id, null, null, 0, default, default, null) { Lane = "#C0PAYMENTS" }));
    }
}
