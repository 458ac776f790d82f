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

        var signer = new SlackSigner(BotHost.SigningSecret, TimeProvider.System);
        var help = signer.Command("U0SOMEONE", "help");
        help.RequestUri = new Uri(bot.BaseAddress, "/slack/commands");
        var helpResponse = await client.SendAsync(help);
        Assert.Equal(HttpStatusCode.OK, helpResponse.StatusCode);
        Assert.Contains("/access <resource>", await helpResponse.Content.ReadAsStringAsync());

        // A real request, decided by the example policies and stored in the default LiteDB file.
        var ask = signer.Command("U0PAY0001", "payments-db-dev for 1h because trying the bot");
        ask.RequestUri = new Uri(bot.BaseAddress, "/slack/commands");
        var response = await client.SendAsync(ask);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"response_type\":\"ephemeral\"", body);
        Assert.Contains("`payments-db-dev`", body);
        Assert.Contains("granted for 1 hour", body);

        Assert.DoesNotContain(FakeSlack.Token, bot.Output);
        Assert.DoesNotContain(BotHost.SigningSecret, bot.Output);
    }
}
