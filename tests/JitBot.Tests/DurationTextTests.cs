using JitBot.Common;

namespace JitBot.Tests;

public class DurationTextTests
{
    [Theory]
    [InlineData("30m", 30)]
    [InlineData("2h", 120)]
    [InlineData("1h30m", 90)]
    [InlineData("1h 30m", 90)]
    [InlineData("1d", 1440)]
    [InlineData("90 minutes", 90)]
    [InlineData("2 hours", 120)]
    [InlineData("1 hour 30 minutes", 90)]
    [InlineData("1 hour and 30 minutes", 90)]
    [InlineData("2 HOURS", 120)]
    [InlineData("1w", 10080)]
    public void TryParse_ReadsWhatPeopleType(string text, int minutes)
    {
        Assert.True(DurationText.TryParse(text, out var d, out var error), error);
        Assert.Equal(TimeSpan.FromMinutes(minutes), d);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("0m", "zero")]
    [InlineData("0h0m", "zero")]
    [InlineData("-2h", "negative")]
    [InlineData("2 fortnights", "not a duration")]
    [InlineData("h", "not a duration")]
    [InlineData("2", "not a duration")]
    [InlineData("366d", "more than a year")]
    [InlineData("999999999d", "more than a year")]
    [InlineData("999999999h999999999h999999999h", "more than a year")]
    public void TryParse_RefusesWithASentence(string text, string expected)
    {
        Assert.False(DurationText.TryParse(text, out _, out var error));
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("\u0661h")]          // Arabic-Indic one
    [InlineData("\uFF11h")]          // full-width one
    [InlineData("1\u0660m")]         // ASCII one, Arabic-Indic zero
    [InlineData("\u0967\u0966 minutes")] // Devanagari ten
    public void TryParse_NonAsciiDigits_AreRefusedWithASentence(string text)
    {
        Assert.False(DurationText.TryParse(text, out _, out var error));
        Assert.Contains("digits 0-9", error);
    }

    [Theory]
    [InlineData("20s")]
    [InlineData("59 seconds")]
    public void TryParse_UnderAMinute_IsRefused_AskingForAtLeastAMinute(string text)
    {
        Assert.False(DurationText.TryParse(text, out _, out var error));
        Assert.Contains("Ask for at least a minute", error);
    }

    [Fact]
    public void TryParse_PartMinutes_AreRefused_NamingAWholeMinuteDuration()
    {
        Assert.False(DurationText.TryParse("1m30s", out _, out var error));
        Assert.Contains("whole number of minutes", error);
        Assert.Contains("2m", error);
    }

    [Theory]
    [InlineData("60s", 1)]
    [InlineData("1h 120 seconds", 62)]
    public void TryParse_SecondsMakingWholeMinutes_AreRead(string text, int minutes)
    {
        Assert.True(DurationText.TryParse(text, out var d, out var error), error);
        Assert.Equal(TimeSpan.FromMinutes(minutes), d);
    }

    [Fact]
    public void Humanize_SaysHours() => Assert.Equal("2 hours", DurationText.Humanize(TimeSpan.FromHours(2)));

    [Fact]
    public void Format_IsCompact() => Assert.Equal("1h30m", DurationText.Format(TimeSpan.FromMinutes(90)));
}
