using System.Net;
using JitBot.Hosting;
using JitBot.IntegrationTests.Infrastructure;

namespace JitBot.IntegrationTests.Hosting;

/// <summary>
/// <c>GET /readyz</c> of the real host against the fake Slack: ready while Slack answers <c>auth.test</c>; 503 with a
/// sentence while Slack answers errors or is not there at all, and ready again once it answers; Slack is asked at most
/// once every 30 s however often the load balancer probes. (A store that goes away: PostgresFaultTests.)
/// </summary>
public sealed class ReadinessEndpointTests : IAsyncLifetime
{
    FakeSlack slack = null!;
    readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero));
    BotHost bot = null!;
    bool slackGone;

    public async Task InitializeAsync()
    {
        slack = await FakeSlack.StartAsync();
        bot = BotHost.Start(slack, clock);
    }

    public async Task DisposeAsync()
    {
        await bot.DisposeAsync();
        if (!slackGone) await slack.DisposeAsync();
    }

    async Task<(HttpStatusCode Status, string Body)> ReadyzAsync()
    {
        var response = await bot.Client.GetAsync("/readyz");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    int ReadinessChecks => slack.CallsTo("auth.test").Count;

    [Fact]
    public async Task SlackAnswering_IsReady_AndProbesDoNotHammerSlack()
    {
        await bot.WaitUntilReadyAsync();
        var asked = ReadinessChecks;
        for (var i = 0; i < 20; i++) Assert.Equal((HttpStatusCode.OK, "ready"), await ReadyzAsync());
        Assert.Equal(asked, ReadinessChecks);

        clock.Advance(SlackReachability.CheckEvery);
        Assert.Equal((HttpStatusCode.OK, "ready"), await ReadyzAsync());
        Assert.Equal(asked + 1, ReadinessChecks);
    }

    [Fact]
    public async Task SlackAnsweringErrors_FailsReadinessWithASentence_UntilItAnswersAgain()
    {
        await bot.WaitUntilReadyAsync();
        slack.Fail("auth.test", "service_unavailable");
        Assert.Equal(HttpStatusCode.OK, (await ReadyzAsync()).Status); // the last answer stands for 30 s

        clock.Advance(SlackReachability.CheckEvery);
        var (status, body) = await ReadyzAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Slack's Web API is not working for JitBot (auth.test answered service_unavailable); JitBot cannot post approvals or notices from here.", body);

        slack.Fail("auth.test", null);
        clock.Advance(SlackReachability.CheckEvery);
        Assert.Equal((HttpStatusCode.OK, "ready"), await ReadyzAsync());
    }

    [Fact]
    public async Task ARevokedBotToken_SaysToCheckTheToken()
    {
        await bot.WaitUntilReadyAsync();
        slack.Fail("auth.test", "token_revoked");
        clock.Advance(SlackReachability.CheckEvery);

        var (status, body) = await ReadyzAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.StartsWith("Slack refuses the bot token (auth.test answered token_revoked): check Slack:BotToken", body);
        Assert.DoesNotContain(FakeSlack.Token, body);
    }

    [Fact]
    public async Task SlackGone_FailsReadiness_WhileTheBotKeepsRunning()
    {
        await bot.WaitUntilReadyAsync();
        await slack.DisposeAsync();
        slackGone = true;
        clock.Advance(SlackReachability.CheckEvery);

        var (status, body) = await ReadyzAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("Slack cannot be reached (auth.test could not connect); JitBot cannot post approvals or notices from here.", body);
        Assert.Equal(HttpStatusCode.OK, (await bot.Client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task WithReadyRequiresSlackOff_SlackGone_IsNamed_ButTheReplicaStaysReady()
    {
        await bot.DisposeAsync();
        bot = BotHost.Start(slack, clock, settings: new Dictionary<string, string?> { ["Health:ReadyRequiresSlack"] = "false" });
        slack.Fail("auth.test", "service_unavailable");
        await bot.WaitUntilReadyAsync(); // the scheduler starts on real threads

        var (status, body) = await ReadyzAsync();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ready\nSlack's Web API is not working for JitBot (auth.test answered service_unavailable); JitBot cannot post approvals or notices from here.", body);
    }
}
