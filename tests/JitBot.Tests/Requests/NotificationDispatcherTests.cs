using JitBot.Policies;
using JitBot.Requests;
using JitBot.Tests.Fakes;

namespace JitBot.Tests.Requests;

public sealed class NotificationDispatcherTests : IAsyncLifetime
{
    readonly CoreHarness h = new();
    CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync()
    {
        Policy(h);
        return Task.CompletedTask;
    }

    /// <summary>
    /// <c>staging-db</c> is granted at once (its notices go to the requester's direct messages); <c>payments-db</c>
    /// needs one of <c>@payments-oncall</c> (U0ALICE), in the approval channel.
    /// </summary>
    internal static void Policy(CoreHarness h)
    {
        h.Policy.AutoApprove("staging-db", TimeSpan.FromHours(1))
            .RequireApproval("payments-db", TimeSpan.FromHours(2), TimeSpan.FromHours(1),
                new ApprovalRequirement(FakePolicy.Group("@payments-oncall", "S0ONCALL"), 1));
        h.Directory_.Add("S0ONCALL", "U0ALICE");
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Fact]
    public async Task Notices_SurviveAThrowingNotifier_AndAreDeliveredOnceItRecovers()
    {
        h.Notifier.FailNext(3);
        var submitted = await h.SubmitAsync("U0REQ", "payments-db");

        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Empty(h.Notifier.Calls);
        Assert.Equal(1, await h.Store.UndeliveredCountAsync(Ct));

        h.Time.Advance(NotificationDispatcher.RetryDelay(1));
        await h.Dispatcher.WaitForIdleAsync(Ct);
        h.Time.Advance(NotificationDispatcher.RetryDelay(2));
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Empty(h.Notifier.Calls);
        Assert.Equal(3, h.Notifier.Attempts);

        h.Time.Advance(NotificationDispatcher.RetryDelay(3));
        await h.Dispatcher.WaitForIdleAsync(Ct);

        Assert.Equal(["ApprovalNeeded"], h.Notifier.KindsFor(submitted.Request.Id));
        Assert.Equal(0, await h.Store.UndeliveredCountAsync(Ct));
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Single(h.Notifier.Calls);
    }

    [Fact]
    public async Task Notices_SurviveARestart()
    {
        var submitted = await h.SubmitAsync("U0REQ", "payments-db");

        await using var restarted = h.Restart();
        await restarted.Dispatcher.WaitForIdleAsync(Ct);

        Assert.Equal(["ApprovalNeeded"], h.Notifier.KindsFor(submitted.Request.Id));
    }

    [Fact]
    public async Task Notices_AreDeliveredInTheOrderTheyHappened()
    {
        var submitted = await h.SubmitAsync("U0REQ", "payments-db");
        await h.Requests.ApproveAsync(submitted.Request.Id, "U0ALICE", Ct);
        h.Time.Advance(TimeSpan.FromHours(2));
        await h.Sweeper.SweepAsync(Ct);

        await h.Dispatcher.WaitForIdleAsync(Ct);

        Assert.Equal(["ApprovalNeeded", "GrantStarted", "GrantEnded"], h.Notifier.KindsFor(submitted.Request.Id));
    }

    [Fact]
    public async Task ALaterNotice_WaitsForAnEarlierFailedNoticeOfTheSameRequest()
    {
        h.Notifier.FailNext(1);
        var submitted = await h.SubmitAsync("U0REQ", "payments-db");
        await h.Dispatcher.WaitForIdleAsync(Ct);
        await h.Requests.ApproveAsync(submitted.Request.Id, "U0ALICE", Ct);
        var other = await h.SubmitAsync("U0OTHER", "staging-db");

        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Empty(h.Notifier.KindsFor(submitted.Request.Id));
        Assert.Equal(["GrantStarted"], h.Notifier.KindsFor(other.Request.Id));

        h.Time.Advance(NotificationDispatcher.RetryDelay(1));
        await h.Dispatcher.WaitForIdleAsync(Ct);

        Assert.Equal(["ApprovalNeeded", "GrantStarted"], h.Notifier.KindsFor(submitted.Request.Id));
    }

    [Fact]
    public async Task RunningDispatcher_WakesWhenSomethingIsQueued()
    {
        await h.Dispatcher.StartAsync(Ct);
        try
        {
            var submitted = await h.SubmitAsync("U0REQ", "staging-db");

            // No clock moves: only the signal can wake the dispatcher.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (h.Notifier.Calls.IsEmpty && DateTime.UtcNow < deadline)
                await Task.Delay(10, Ct);

            Assert.Equal(["GrantStarted"], h.Notifier.KindsFor(submitted.Request.Id));
        }
        finally
        {
            await h.Dispatcher.StopAsync(Ct);
        }
    }

    [Fact]
    public void RetryDelay_BacksOffUpToFiveMinutes()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), NotificationDispatcher.RetryDelay(1));
        Assert.Equal(TimeSpan.FromSeconds(10), NotificationDispatcher.RetryDelay(2));
        Assert.Equal(TimeSpan.FromMinutes(5), NotificationDispatcher.RetryDelay(30));
    }
}
