using JitBot.Playground;

namespace JitBot.Tests.Cli;

/// <summary><c>jitbot playground</c>'s arguments: which ones make it the playground, its help, and a usage error.</summary>
public sealed class PlaygroundCommandTests
{
    [Theory]
    [InlineData(new[] { "playground" }, true)]
    [InlineData(new[] { "playground", "--policies", "examples/policies" }, true)]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "policy", "validate", "playground" }, false)]
    [InlineData(new[] { "--Policies:Path=playground" }, false)]
    public void IsPlayground_OnlyWhenItIsTheFirstWord(string[] args, bool expected) =>
        Assert.Equal(expected, PlaygroundCommand.IsPlayground(args));

    [Fact]
    public async Task Help_SaysWhatItDoes()
    {
        var stdout = new StringWriter();
        Assert.Equal(0, await PlaygroundCommand.RunAsync(["--help"], stdout, new StringWriter()));
        Assert.Contains("jitbot playground [--policies DIR] [--no-browser]", stdout.ToString());
        Assert.Contains("127.0.0.1 only", stdout.ToString());
    }

    [Theory]
    [InlineData("--policy")]
    [InlineData("--policies")]
    [InlineData("--port\u001b[31m")]
    public async Task UnknownOrIncompleteOption_IsAUsageError_PrintedSafely(string arg)
    {
        var stderr = new StringWriter();
        Assert.Equal(2, await PlaygroundCommand.RunAsync([arg], new StringWriter(), stderr));
        Assert.Contains("is not an option of the playground", stderr.ToString());
        Assert.False(stderr.ToString().Contains('\u001b'), "an escape character reached the terminal");
    }
}
