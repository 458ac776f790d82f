namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>
/// Moves a fake clock on in small steps until something the bot does on that clock has happened, for waits the
/// test cannot line up with exactly (a retry whose timer the bot starts after an HTTP answer the test does not see).
/// </summary>
public static class ClockSteps
{
    /// <summary>
    /// Advances the clock by <paramref name="step"/> at a time until <paramref name="done"/> holds; fails once the
    /// clock has moved <paramref name="atMost"/> without it. Between steps the bot gets a moment of real time to act.
    /// </summary>
    public static async Task AdvanceUntilAsync(Action<TimeSpan> advance, Func<bool> done, TimeSpan step, TimeSpan atMost, string what)
    {
        for (var moved = TimeSpan.Zero; !done(); moved += step)
        {
            if (moved > atMost) Assert.Fail($"{what} did not happen while the bot's clock moved {atMost}.");
            advance(step);
            await Task.Delay(100);
        }
    }
}
