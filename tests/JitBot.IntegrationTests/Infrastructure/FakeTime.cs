namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>The bot's clock in tests: it only moves when the test moves it.</summary>
public sealed class FakeTime(DateTimeOffset now) : TimeProvider
{
    readonly Lock gate = new();
    DateTimeOffset now = now;

    public override DateTimeOffset GetUtcNow()
    {
        lock (gate) return now;
    }

    public void Advance(TimeSpan by)
    {
        lock (gate) now += by;
    }

    public void Set(DateTimeOffset at)
    {
        lock (gate) now = at;
    }
}
