using JitBot.IntegrationTests.EndToEnd;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.SlackApp.SocketMode;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace JitBot.IntegrationTests.SocketMode;

/// <summary>Socket Mode when things go wrong: Slack turns it off, its hello never comes, the app-level token is refused.</summary>
public sealed class SocketModeFaultTests
{
    [Fact]
    public async Task LinkDisabled_ClosesTheConnection_AndNeverReconnects()
    {
        await using var w = await SocketModeDriver.StartAsync();
        var server = await w.Slack.SocketModeAsync();
        var socket = await w.ConnectionAsync();

        await socket.DisconnectAsync("link_disabled");

        await socket.Closed.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(socket.ClosedByBot);
        w.Clock.Advance(TimeSpan.FromMinutes(10));
        await Task.Delay(300);
        Assert.Single(server.Connections);
        Assert.Single(w.Slack.CallsTo("apps.connections.open"));
        Assert.Contains(w.Logs.GetSnapshot(), l => l.Level == LogLevel.Error && l.Message.Contains("(link_disabled)"));
    }

    [Fact]
    public async Task HelloNeverArriving_ClosesTheConnection_AndRetriesWithGrowingWaits()
    {
        await using var bot = await SocketBot.StartAsync(FakeSlack.AppToken, withheldHellos: 2);
        var server = await bot.Slack.SocketModeAsync();
        await server.ConnectionAsync(1);

        await ClockSteps.AdvanceUntilAsync(bot.Clock.Advance, () => server.Connections.Count >= 3
            && bot.Logged("Connected to Slack over Socket Mode (connection 3)"), TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2),
            "a third connection with a hello");

        var (first, second, third) = (server.Connections[0], server.Connections[1], server.Connections[2]);
        Assert.True(first.ClosedByBot && second.ClosedByBot, string.Join(", ", server.Timeline));
        // The hello is awaited 10 s; then 1 s, then 2 s before the next try.
        Assert.True(second.OpenedAt - first.OpenedAt >= SocketModeClient.HelloTimeout + TimeSpan.FromSeconds(1), $"{second.OpenedAt - first.OpenedAt}");
        Assert.True(third.OpenedAt - second.OpenedAt >= SocketModeClient.HelloTimeout + TimeSpan.FromSeconds(2), $"{third.OpenedAt - second.OpenedAt}");
        Assert.Equal(2, bot.Logs.GetSnapshot().Count(l => l.Message.Contains("hello did not arrive within 10 s")));
    }

    [Theory]
    [InlineData("xapp-1-A0APP-1-mistyped-token", null, "invalid_auth")]
    [InlineData(FakeSlack.AppToken, "token_revoked", "token_revoked")]
    public async Task RefusedAppToken_IsReportedInOneSentence_AndRetriedOnlyEveryFiveMinutes(string token, string? slackSays, string error)
    {
        await using var bot = await SocketBot.StartAsync(token, refuse: slackSays);

        await bot.Slack.WaitForAsync(_ => bot.Logged($"Slack refused the app-level token in Slack:AppToken ({error})"), "the refusal logged");
        var line = bot.Logs.GetSnapshot().Single(l => l.Message.Contains("Slack refused the app-level token"));
        Assert.Equal(LogLevel.Error, line.Level);
        Assert.Contains("connections:write", line.Message);
        Assert.DoesNotContain(token, line.Message);

        bot.Clock.Advance(TimeSpan.FromMinutes(4));
        await Task.Delay(300);
        Assert.Single(bot.Slack.CallsTo("apps.connections.open"));
        await ClockSteps.AdvanceUntilAsync(bot.Clock.Advance, () => bot.Slack.CallsTo("apps.connections.open").Count >= 2,
            TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), "a second try");
        Assert.DoesNotContain(bot.Logs.GetSnapshot(), l => l.Message.Contains(token));
    }

    [Fact]
    public async Task RateLimitedConnectionsOpen_WaitsForRetryAfter()
    {
        await using var bot = await SocketBot.StartAsync(FakeSlack.AppToken, prepare: s => s.RateLimit("apps.connections.open", times: 1, retryAfterSeconds: 30));
        await bot.Slack.WaitForAsync(c => c.Any(x => x.Method == "apps.connections.open (429)"), "the 429");

        bot.Clock.Advance(TimeSpan.FromSeconds(20));
        await Task.Delay(300);
        Assert.Empty(bot.Slack.CallsTo("apps.connections.open"));
        await ClockSteps.AdvanceUntilAsync(bot.Clock.Advance, () => bot.Logged("Connected to Slack over Socket Mode (connection 1)"),
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), "the connection after Retry-After");
        Assert.Single(bot.Slack.CallsTo("apps.connections.open"));
    }

    [Fact]
    public async Task AsItsOwnProcess_WithTheAppTokenAndNoSigningSecret_ItStarts_ConnectsAndAnswers()
    {
        await using var slack = await FakeSlack.StartAsync();
        var server = await slack.SocketModeAsync();
        await using var process = BotProcess.Start(new Dictionary<string, string?>
        {
            ["Slack__BotToken"] = FakeSlack.Token,
            ["Slack__AppToken"] = FakeSlack.AppToken,
            ["Slack__ApiBaseUrl"] = slack.ApiBaseUrl.ToString(),
            ["Policies__Path"] = BotHost.PoliciesPath,
        });

        var socket = await server.ConnectionAsync(1, TimeSpan.FromSeconds(60));
        var payload = new System.Text.Json.Nodes.JsonObject();
        foreach (var (key, value) in JitBot.Slack.Payloads.FormBody.Parse(SlackSigner.CommandBody(People.Ana, "help"))!) payload[key] = value;
        var ack = await socket.AckAsync(await socket.SendEnvelopeAsync("slash_commands", payload), TimeSpan.FromSeconds(30));

        Assert.Contains("/access", SocketModeDriver.EphemeralText(ack));
        Assert.DoesNotContain(FakeSlack.AppToken, process.Output);
    }

    /// <summary>A bot in Socket Mode on a fake Slack prepared before it starts (for what must hold from its first connection).</summary>
    sealed class SocketBot : IAsyncDisposable
    {
        public required FakeSlack Slack { get; init; }
        public required FakeTimeProvider Clock { get; init; }
        public required BotHost Host { get; init; }
        public required FakeLogCollector Logs { get; init; }

        public bool Logged(string text) => Logs.GetSnapshot().Any(l => l.Message.Contains(text, StringComparison.Ordinal));

        public static async Task<SocketBot> StartAsync(string appToken, int withheldHellos = 0, string? refuse = null,
            Action<FakeSlack>? prepare = null)
        {
            var slack = await FakeSlack.StartAsync();
            if (refuse is not null) slack.Fail("apps.connections.open", refuse);
            prepare?.Invoke(slack);
            var clock = new FakeTimeProvider(Workspace.Start);
            slack.Clock = clock;
            (await slack.SocketModeAsync()).WithholdHello(withheldHellos);
            var logs = new FakeLogCollector();
            var host = BotHost.Start(slack, clock, services: s => s.AddSingleton<ILoggerProvider>(new FakeLoggerProvider(logs)),
                settings: new Dictionary<string, string?> { ["Slack:AppToken"] = appToken, ["Slack:SigningSecret"] = "" });
            return new SocketBot { Slack = slack, Clock = clock, Host = host, Logs = logs };
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await Slack.DisposeAsync();
        }
    }
}
