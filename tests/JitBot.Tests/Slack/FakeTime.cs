namespace JitBot.Tests.Slack;

/// <summary>A clock that only moves when a test moves it.</summary>
public sealed class FakeTime(DateTimeOffset now) : TimeProvider
{
    DateTimeOffset now = now;
    public override DateTimeOffset GetUtcNow() => now;
    public void Advance(TimeSpan by) => now += by;
    public void Set(DateTimeOffset at) => now = at;
}
