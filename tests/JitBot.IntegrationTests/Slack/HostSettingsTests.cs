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
        var request = signer.Command("U0SOMEONE", "help");
        request.RequestUri = new Uri(bot.BaseAddress, "/slack/commands");
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"response_type\":\"ephemeral\"", await response.Content.ReadAsStringAsync());
        Assert.DoesNotContain(FakeSlack.Token, bot.Output);
        Assert.DoesNotContain(BotHost.SigningSecret, bot.Output);
    }
}
