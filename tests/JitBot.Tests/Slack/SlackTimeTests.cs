using JitBot.SlackApp;

namespace JitBot.Tests.Slack;

public class SlackTimeTests
{
    static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void When_IsADateTokenWithAUtcFallback_ThenRelativeText()
    {
        var at = Now.AddHours(2);

        Assert.Equal($"<!date^{at.ToUnixTimeSeconds()}^{{date_short_pretty}} at {{time}}|2026-03-02 11:00 UTC> (in 2 hours)", SlackTime.When(at, Now));
    }

    [Theory]
    [InlineData(120 * 60 - 10, "in 2 hours")]          // rounded to the minute
    [InlineData(90 * 60, "in 1 hour, 30 minutes")]
    [InlineData(26 * 3600 + 60, "in 1 day, 2 hours, 1 minute")]
    [InlineData(20, "in under a minute")]
    [InlineData(0, "in under a minute")]
    [InlineData(-20, "just now")]
    [InlineData(-5 * 60, "5 minutes ago")]
    [InlineData(-3 * 86400, "3 days ago")]
    public void Relative_ReadsLikeASentence(int seconds, string expected)
    {
        Assert.Equal(expected, SlackTime.Relative(Now.AddSeconds(seconds), Now));
    }

    [Fact]
    public void Left_IsTimeLeftOrNone()
    {
        Assert.Equal("1 hour, 59 minutes", SlackTime.Left(Now.AddMinutes(119), Now));
        Assert.Equal("under a minute", SlackTime.Left(Now.AddSeconds(10), Now));
        Assert.Equal("none", SlackTime.Left(Now.AddSeconds(-1), Now));
    }
}
