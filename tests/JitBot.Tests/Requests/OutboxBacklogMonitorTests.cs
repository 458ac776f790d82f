using System.Diagnostics.Metrics;
using JitBot.Common;
using JitBot.Requests;
using JitBot.Storage;
using JitBot.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JitBot.Tests.Requests;

public sealed class OutboxBacklogMonitorTests : IAsyncLifetime
{
    readonly CoreHarness h = new();
    readonly RecordingLogger<OutboxBacklogMonitor> log = new();
    readonly ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    OutboxBacklogMonitor monitor = null!;
    JitBotMetrics metrics = null!;

    public Task InitializeAsync()
    {
        metrics = new JitBotMetrics(services.GetRequiredService<IMeterFactory>());
        monitor = new OutboxBacklogMonitor(h.Store, metrics, h.Time,
            Microsoft.Extensions.Options.Options.Create(new NotificationOptions { BacklogWarnCount = 2, BacklogWarnSeconds = 60, BacklogCheckSeconds = 30 }), log);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await services.DisposeAsync();
        await h.DisposeAsync();
    }

    Task QueueAsync(string id) =>
        CommitAsync(tx => tx.EnqueueAsync(NotificationKind.ApprovalNeeded, new RequestId(id), null, null, h.Time.GetUtcNow(), CancellationToken.None));

    async Task CommitAsync(Func<IAccessStoreTransaction, Task> work)
    {
        await using var tx = await h.Store.BeginAsync(CancellationToken.None);
        await work(tx);
        await tx.CommitAsync(CancellationToken.None);
    }

    Dictionary<string, double> Gauges()
    {
        var values = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == metrics.Meter) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => values[i.Name] = v);
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => values[i.Name] = v);
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    [Fact]
    public async Task AnOldNotice_IsWarnedAbout_EachCheck_ThenOneLineSaysItCaughtUp()
    {
        await QueueAsync("req_backlog00001");
        await monitor.CheckAsync(CancellationToken.None);
        Assert.Empty(log.At(LogLevel.Warning));

        h.Time.Advance(TimeSpan.FromSeconds(61));
        await monitor.CheckAsync(CancellationToken.None);
        h.Time.Advance(monitor.Interval);
        await monitor.CheckAsync(CancellationToken.None);
        Assert.Equal(2, log.At(LogLevel.Warning).Count());
        Assert.Contains("the oldest waiting 91 s", log.At(LogLevel.Warning).Last());
        Assert.Equal(1, Gauges()["jitbot.outbox.depth"]);
        Assert.Equal(91, Gauges()["jitbot.outbox.oldest_age"]);

        var claimed = await h.Store.ClaimNotificationsAsync("test", h.Time.GetUtcNow(), TimeSpan.FromMinutes(1), 10, CancellationToken.None);
        Assert.True(await h.Store.MarkDeliveredAsync(Assert.Single(claimed).Id, "test", h.Time.GetUtcNow(), CancellationToken.None));
        await monitor.CheckAsync(CancellationToken.None);
        await monitor.CheckAsync(CancellationToken.None);

        Assert.Equal(2, log.At(LogLevel.Warning).Count());
        Assert.Single(log.At(LogLevel.Information), l => l.Contains("caught up"));
        Assert.Equal(0, Gauges()["jitbot.outbox.depth"]);
        Assert.Equal(0, Gauges()["jitbot.outbox.oldest_age"]);
    }

    [Fact]
    public async Task ManyNotices_AreWarnedAbout_EvenWhenTheyAreYoung()
    {
        for (var i = 0; i < 3; i++) await QueueAsync($"req_backlog0000{i}");

        await monitor.CheckAsync(CancellationToken.None);

        Assert.Contains("3 undelivered", Assert.Single(log.At(LogLevel.Warning)));
    }
}
