using JitBot.IntegrationTests.Infrastructure;

namespace JitBot.IntegrationTests.Cli;

/// <summary>The built program with arguments: help and mistakes are answered, not taken as a reason to start the bot.</summary>
public class CommandLineProcessTests
{
    // No settings at all: a bot started by mistake would stop saying that Slack:BotToken is missing.
    static readonly Dictionary<string, string?> NoSettings = [];

    [Theory]
    [InlineData("--help")]
    [InlineData("help")]
    public async Task Help_IsPrinted_AndTheBotIsNotStarted(string help)
    {
        await using var process = BotProcess.Start(NoSettings, help);
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, exitCode);
        Assert.Contains("jitbot [command] [options]", process.Output);
        Assert.DoesNotContain("is missing", process.Output);
    }

    [Fact]
    public async Task AVerbWithoutPolicy_IsAUsageError_AndTheBotIsNotStarted()
    {
        await using var process = BotProcess.Start(NoSettings, "validate", "examples/policies");
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, exitCode);
        Assert.Contains("did you mean `jitbot policy validate`?", process.Output);
        Assert.DoesNotContain("is missing", process.Output);
    }
}
