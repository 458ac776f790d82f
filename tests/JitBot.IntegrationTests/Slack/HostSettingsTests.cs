using System.Net;
using JitBot.IntegrationTests.Infrastructure;

namespace JitBot.IntegrationTests.Slack;

/// <summary>The bot as people run it: its own process, configured by environment variables.</summary>
public sealed class HostSettingsTests
{
    static Dictionary<string, string?> Required(FakeSlack slack) => new()
    {
        ["Slack__BotToken"] = FakeSlack.Token,
        ["Slack__SigningSecret"] = BotHost.SigningSecret,
        ["Slack__ApiBaseUrl"] = slack.ApiBaseUrl.ToString(),
        ["Policies__Path"] = BotHost.PoliciesPath,
    };

    [Theory]
    [InlineData("Slack:BotToken")]
    [InlineData("Slack:SigningSecret")]
    [InlineData("Policies:Path")]
    public async Task MissingRequiredSetting_StopsStartUp_NamingTheKeyAndWhereItIsDocumented(string key)
    {
        await using var slack = await FakeSlack.StartAsync();
        var environment = Required(slack);
        var variable = key.Replace(":", "__");
        environment[variable] = null;

        await using var bot = BotProcess.Start(environment);
        var exitCode = await bot.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"The setting {key} is missing", bot.Output);
        Assert.Contains(variable, bot.Output);
        Assert.Contains("README.md#settings", bot.Output);
        Assert.DoesNotContain(FakeSlack.Token, bot.Output);
        Assert.DoesNotContain(BotHost.SigningSecret, bot.Output);
    }

    [Fact]
    public async Task WithOnlyTheRequiredSettings_ItServesHealthz_AndAnswersASignedAccessCommand()
    {
        await using var slack = await FakeSlack.StartAsync();
        await using var bot = BotProcess.Start(Required(slack));
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await bot.WaitUntilHealthyAsync(client, TimeSpan.FromSeconds(60));

        var signer = new SlackSigner(BotHost.SigningSecret, TimeProvider.System) { ResponseUrls = slack.NewResponseUrl };
        var help = signer.Command("U0SOMEONE", "help");
        help.RequestUri = new Uri(bot.BaseAddress, "/slack/commands");
        var helpResponse = await client.SendAsync(help);
        Assert.Equal(HttpStatusCode.OK, helpResponse.StatusCode);
        Assert.Contains("/access &lt;resource&gt;", await helpResponse.Content.ReadAsStringAsync());

        // A real request, decided by the example policies and stored in the default LiteDB file (answered at once,
        // or, when a busy machine runs out the acknowledgement budget, a moment later).
        var ask = signer.Command("U0PAY0001", "payments-db-dev for 1h because trying the bot");
        ask.RequestUri = new Uri(bot.BaseAddress, "/slack/commands");
        var answer = await slack.AnswerAsync(client, ask);
        Assert.Equal("ephemeral", answer.ResponseType);
        Assert.Contains("`payments-db-dev`", answer.Text);
        Assert.Contains("approved for 1 hour", answer.Text);

        Assert.DoesNotContain(FakeSlack.Token, bot.Output);
        Assert.DoesNotContain(BotHost.SigningSecret, bot.Output);
    }

    [Fact]
    public async Task StartUp_LogsOneJitBotLine_WithPolicyStoreAndAddress_AndQuartzStaysQuiet()
    {
        await using var slack = await FakeSlack.StartAsync();
        var environment = Required(slack);
        // As in the container: the bot's folder is the content root, so its appsettings.json applies.
        environment["ASPNETCORE_CONTENTROOT"] = AppContext.BaseDirectory;
        await using var bot = BotProcess.Start(environment);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await bot.WaitUntilHealthyAsync(client, TimeSpan.FromSeconds(60));
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!bot.Output.Contains("JitBot started") && DateTime.UtcNow < deadline) await Task.Delay(50);

        var output = bot.Output;
        var jitbotEntries = output.Split('\n').Where(l => l.Contains(": JitBot.", StringComparison.Ordinal)).ToList();
        Assert.True(jitbotEntries.Count == 1, "JitBot logged at start-up:\n" + output);
        Assert.Contains("JitBot.Hosting.StartupLog", jitbotEntries[0]);
        var line = output.Split('\n').Single(l => l.Contains("JitBot started", StringComparison.Ordinal));
        var policy = JitBot.Policies.PolicyLoader.Load(BotHost.PoliciesPath).Snapshot!;
        Assert.Contains($"policy {Path.GetFullPath(BotHost.PoliciesPath)} version {policy.Version}", line);
        Assert.Contains($"({policy.ResourceIds.Count} resources, {policy.RuleCount} rules, {policy.PeopleCount} people, {policy.TeamCount} teams)", line);
        Assert.Contains($"store LiteDB {Path.Combine(bot.WorkingDirectory, "data", "jitbot.db")}", line);
        Assert.Contains($"listening on {bot.BaseAddress.ToString().TrimEnd('/')}", line);
        Assert.DoesNotContain("Quartz", output);
        Assert.DoesNotContain(FakeSlack.Token, output);
        Assert.DoesNotContain(BotHost.SigningSecret, output);
    }
}
