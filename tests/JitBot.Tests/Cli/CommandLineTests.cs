using JitBot.Cli;
using JitBot.Tests.Policies;
using static JitBot.Tests.Cli.CommandLine;

namespace JitBot.Tests.Cli;

/// <summary>The <c>jitbot</c> command line as a first-time user meets it: help, option forms, suggestions, and which arguments start the bot.</summary>
public class CommandLineTests
{
    [Theory]
    [InlineData]
    [InlineData("--Slack:BotToken=xoxb-1")]
    [InlineData("--urls", "http://+:8080")]
    [InlineData("/urls", "http://+:8080")]
    [InlineData("Policies:Path=examples/policies", "--Policies:ReloadSeconds", "0")]
    public void StartsTheBot_WithNoArgumentsOrOnlySettings(params string[] args)
    {
        Assert.True(JitBotCommandLine.StartsTheBot(args));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    [InlineData("--version")]
    [InlineData("policy", "validate", "examples/policies")]
    [InlineData("validate", "examples/policies")]
    [InlineData("--hlep")]
    [InlineData("--urls")]
    [InlineData("--urls", "http://+:8080", "stray")]
    public void StartsTheBot_NotForHelpCommandsOrStrayWords(params string[] args)
    {
        Assert.False(JitBotCommandLine.StartsTheBot(args));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public void Help_PrintsTheCommands_AndHowToRunTheBot(string flag)
    {
        var (code, output, error) = Run(flag);
        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.Contains("policy", output);
        Assert.Contains("it runs the bot", output);
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("test")]
    [InlineData("explain")]
    public void Help_ForEveryVerb_DescribesIt(string verb)
    {
        var (code, output, error) = Run("policy", verb, "--help");
        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.Contains($"jitbot policy {verb} <folder>", output);
    }

    [Fact]
    public void Help_ForExplain_ListsEveryOption()
    {
        var (_, output, _) = Run("policy", "explain", "--help");
        foreach (var option in new[] { "--user", "--resource", "--group", "--duration", "--reason", "--channel", "--incident", "--at" })
            Assert.Contains(option, output);
    }

    [Fact]
    public void Explain_AcceptsOptionsWrittenWithEquals()
    {
        var spaced = Run("policy", "explain", Policy.ExamplesDir, "--user", "U0PAY0001", "--resource", "ledger-db", "--duration", "3h", "--at", "2026-03-07T10:00:00Z");
        var equals = Run("policy", "explain", Policy.ExamplesDir, "--user=U0PAY0001", "--resource=ledger-db", "--duration=3h", "--at=2026-03-07T10:00:00Z");
        Assert.Equal(0, equals.Code);
        Assert.Equal(spaced.Out, equals.Out);
    }

    [Theory]
    [InlineData("valdate", "Did you mean `validate` instead of `valdate`?")]
    [InlineData("explian", "Did you mean `explain` instead of `explian`?")]
    public void AMistypedVerb_IsAUsageError_WithTheVerbSuggested(string typed, string suggestion)
    {
        var (code, _, error) = Run("policy", typed, Policy.ExamplesDir);
        Assert.Equal(2, code);
        Assert.Contains(suggestion, error);
        Assert.EndsWith("Run `jitbot policy --help` to see how to use it.", error.TrimEnd());
    }

    [Fact]
    public void AMistypedOption_IsAUsageError_WithTheOptionSuggested()
    {
        var (code, _, error) = Run("policy", "explain", Policy.ExamplesDir, "--user", "U0PAY0001", "--resouce", "ledger-db");
        Assert.Equal(2, code);
        Assert.Contains("Did you mean `--resource` instead of `--resouce`?", error);
    }

    [Fact]
    public void AVerbWithoutPolicy_PointsAtThePolicyCommand()
    {
        var (code, _, error) = Run("validate", Policy.ExamplesDir);
        Assert.Equal(2, code);
        Assert.Contains("did you mean `jitbot policy validate`?", error);
    }

    [Fact]
    public void AGroupHandle_IsNotReadAsAResponseFile()
    {
        var (code, output, error) = Run("policy", "explain", Policy.ExamplesDir, "--user", "U0PLT0001", "--resource", "vault-prod",
            "--group", "@platform-oncall", "--reason", "x", "--incident");
        Assert.Equal(0, code);
        Assert.Empty(error);
        Assert.Contains("Outcome:   auto_approved", output);
    }
}
