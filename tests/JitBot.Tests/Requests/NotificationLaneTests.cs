using System.Collections.Concurrent;
using JitBot.Requests;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace JitBot.Tests.Requests;

/// <summary>
/// The dispatcher's senders: lanes in parallel, each lane in order, a held or deferred lane never holding the
/// others. Requests for <c>payments-db</c> share the approval channel's lane; each person asking for the
/// auto-approved <c>staging-db</c> has a lane of their own.
/// </summary>
public sealed class NotificationLaneTests : IAsyncLifetime
{
    readonly CoreHarness h = new();
    static CancellationToken Ct => CancellationToken.None;

    public Task InitializeAsync()
    {
        NotificationDispatcherTests.Policy(h);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await h.DisposeAsync();

    NotificationDispatcher Dispatcher(int senders)
    {
        var services = new ServiceCollection().AddSingleton<IAccessNotifier>(h.Notifier).BuildServiceProvider();
        return new NotificationDispatcher(h.Store, h.Signal, services.GetRequiredService<IServiceScopeFactory>(), h.Time,
            NullLogger<NotificationDispatcher>.Instance, Microsoft.Extensions.Options.Options.Create(new NotificationOptions { Senders = senders }));
    }

    [Fact]
    public async Task ANoticeHeldInOneLane_DoesNotHoldTheOtherLanes()
    {
        var release = new TaskCompletionSource();
        var held = await h.SubmitAsync("U0REQ", "payments-db");
        h.Notifier.Before = (_, request) => request.Id == held.Request.Id ? release.Task : Task.CompletedTask;
        var others = new List<SubmitOutcome>();
        for (var i = 0; i < 5; i++) others.Add(await h.SubmitAsync($"U0OTHER{i}", "staging-db"));

        var delivering = h.Dispatcher.DeliverDueAsync(Ct);
        await WaitUntil(() => others.All(o => h.Notifier.KindsFor(o.Request.Id).Count == 1));
        Assert.Empty(h.Notifier.KindsFor(held.Request.Id));

        release.SetResult();
        await delivering;
        Assert.Equal(["ApprovalNeeded"], h.Notifier.KindsFor(held.Request.Id));
    }

    [Fact]
    public async Task EachChannelsNotices_GoOutInTheOrderTheyHappened_WhileLanesRunInParallel()
    {
        var inChannel = new List<RequestId>();
        var alone = new List<RequestId>();
        for (var i = 0; i < 12; i++)
        {
            inChannel.Add((await h.SubmitAsync($"U0REQ{i}", "payments-db")).Request.Id);
            alone.Add((await h.SubmitAsync($"U0SOLO{i}", "staging-db")).Request.Id);
        }
        var running = 0;
        var most = 0;
        h.Notifier.Before = async (_, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            for (var y = Random.Shared.Next(20); y > 0; y--) await Task.Yield();
            Interlocked.Decrement(ref running);
        };
        var dispatcher = Dispatcher(senders: 4);

        await dispatcher.StartAsync(Ct);
        try
        {
            await WaitUntil(() => h.Notifier.Calls.Count == 24);
        }
        finally
        {
            await dispatcher.StopAsync(Ct);
        }

        var channelOrder = h.Notifier.Calls.Select(c => c.RequestId).Where(inChannel.Contains).ToList();
        Assert.Equal(inChannel, channelOrder);
        Assert.Equal(alone.Select(r => r.Value).Order(), h.Notifier.Calls.Select(c => c.RequestId).Where(alone.Contains).Select(r => r.Value).Order());
        Assert.InRange(most, 1, 4);
    }

    [Fact]
    public async Task TheSenders_AreBounded()
    {
        var gate = new TaskCompletionSource();
        var running = 0;
        var most = 0;
        h.Notifier.Before = async (_, _) =>
        {
            InterlockedMax(ref most, Interlocked.Increment(ref running));
            await gate.Task;
            Interlocked.Decrement(ref running);
        };
        for (var i = 0; i < 6; i++) await h.SubmitAsync($"U0SOLO{i}", "staging-db");
        var dispatcher = Dispatcher(senders: 3);

        var delivering = dispatcher.DeliverDueAsync(Ct);
        await WaitUntil(() => Volatile.Read(ref running) == 3);
        gate.SetResult();
        Assert.Equal(6, await delivering);

        Assert.Equal(3, most);
        Assert.Equal(6, h.Notifier.Calls.Count);
    }

    [Fact]
    public async Task ADeferredNotice_IsTriedAgainWhenSlackAllows_WithoutCountingAsAFailure_AndItsLaneWaitsForIt()
    {
        var first = await h.SubmitAsync("U0REQ1", "payments-db");
        var second = await h.SubmitAsync("U0REQ2", "payments-db");
        var elsewhere = await h.SubmitAsync("U0SOLO", "staging-db");
        var deferrals = 0;
        h.Notifier.Before = (_, request) => request.Id == first.Request.Id && Interlocked.Increment(ref deferrals) <= 2
            ? throw new NoticeDeferredException(h.Time.GetUtcNow().AddSeconds(1.5), "Slack's limits hold chat.postMessage back")
            : Task.CompletedTask;

        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Equal(["GrantStarted"], h.Notifier.KindsFor(elsewhere.Request.Id));
        Assert.Empty(h.Notifier.KindsFor(first.Request.Id));
        Assert.Empty(h.Notifier.KindsFor(second.Request.Id)); // the channel's order holds

        h.Time.Advance(TimeSpan.FromSeconds(1.5));
        await h.Dispatcher.WaitForIdleAsync(Ct);
        Assert.Empty(h.Notifier.KindsFor(first.Request.Id));
        h.Time.Advance(TimeSpan.FromSeconds(1.5)); // well before the first failure's retry (5 s) would be due
        await h.Dispatcher.WaitForIdleAsync(Ct);

        Assert.Equal(
            [first.Request.Id, second.Request.Id],
            h.Notifier.Calls.Select(c => c.RequestId).Where(id => id == first.Request.Id || id == second.Request.Id));
        Assert.Equal(0, await h.Store.UndeliveredCountAsync(Ct));
    }

    [Fact]
    public async Task EndedAccess_GoesOutBeforeOlderNotices_WithWhatItsLaneHeldBeforeIt()
    {
        var ends = await h.SubmitAsync("U0ENDS", "staging-db"); // an hour's access
        h.Time.Advance(TimeSpan.FromMinutes(30));
        var others = new List<RequestId>();
        for (var i = 0; i < 3; i++)
        {
            others.Add((await h.SubmitAsync($"U0REQ{i}", "payments-db")).Request.Id);
            others.Add((await h.SubmitAsync($"U0SOLO{i}", "staging-db")).Request.Id);
        }
        h.Time.Advance(TimeSpan.FromMinutes(30));
        var swept = await h.Sweeper.SweepAsync(Ct); // the first grant ends: its notice is the newest of all
        Assert.Equal(1, swept.Revoked);
        var dispatcher = Dispatcher(senders: 1); // one notice at a time, each claimed when the last is done

        await dispatcher.StartAsync(Ct);
        try
        {
            await WaitUntil(() => h.Notifier.Calls.Count == 8);
        }
        finally
        {
            await dispatcher.StopAsync(Ct);
        }

        // The person's lane first, in its order (the start it still held, then the end), then the others by age.
        Assert.Equal([(ends.Request.Id, "GrantStarted"), (ends.Request.Id, "GrantEnded")], h.Notifier.Calls.Take(2).Select(c => (c.RequestId, c.Kind)));
        Assert.Equal(others.ToHashSet(), h.Notifier.Calls.Skip(2).Select(c => c.RequestId).ToHashSet());
    }

    static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while (value > (seen = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    /// <summary>Waits for something other threads do (not for time to pass): fails after a generous bound.</summary>
    static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The condition did not come true.");
            await Task.Delay(5);
        }
    }
}
