namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>
/// The bot's clock in tests: it only moves when the test moves it. Timers created from it (periodic sweeps,
/// delays by <see cref="TimeProvider"/>) fire when the clock is moved past their due time, never by themselves.
/// </summary>
public sealed class FakeTime(DateTimeOffset now) : TimeProvider
{
    readonly Lock gate = new();
    readonly List<FakeTimer> timers = [];
    DateTimeOffset now = now;

    public override DateTimeOffset GetUtcNow()
    {
        lock (gate) return now;
    }

    public void Advance(TimeSpan by) => Set(GetUtcNow() + by);

    public void Set(DateTimeOffset at)
    {
        List<FakeTimer> due;
        lock (gate)
        {
            now = at;
            due = timers.Where(t => t.Due is { } d && d <= at).ToList();
            foreach (var t in due) t.Due = t.Period is { } p && p > TimeSpan.Zero ? at + p : null;
        }
        foreach (var t in due) ThreadPool.QueueUserWorkItem(_ => t.Fire());
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    sealed class FakeTimer(FakeTime clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset? Due { get; set; }
        public TimeSpan? Period { get; set; }

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            bool fireNow;
            lock (clock.gate)
            {
                clock.timers.Remove(this);
                Period = period == Timeout.InfiniteTimeSpan ? null : period;
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : clock.now + dueTime;
                fireNow = dueTime == TimeSpan.Zero;
                if (fireNow) Due = Period is { } p && p > TimeSpan.Zero ? clock.now + p : null;
                clock.timers.Add(this);
            }
            if (fireNow) ThreadPool.QueueUserWorkItem(_ => Fire());
            return true;
        }

        public void Dispose()
        {
            lock (clock.gate) clock.timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
