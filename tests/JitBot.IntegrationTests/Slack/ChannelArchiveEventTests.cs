using System.Net;
using System.Text.Json.Nodes;
using JitBot.Incidents;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.SlackApp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace JitBot.IntegrationTests.Slack;

/// <summary>
/// <c>channel_archive</c> and <c>group_archive</c> through the real host's <c>/slack/events</c>: acknowledged at once,
/// handed to the incident lifecycle once per event (across a restart and across two replicas on one database),
/// refused unsigned or forged, ignored from another workspace or app.
/// </summary>
public sealed class ChannelArchiveEventTests : IAsyncLifetime
{
    FakeSlack slack = null!;
    readonly FakeTimeProvider clock = new(new DateTimeOffset(2026, 11, 24, 10, 0, 0, TimeSpan.Zero));
    readonly RecordingChannelEvents events = new();
    readonly FakeLogCollector logs = new();
    readonly List<BotHost> bots = [];
    readonly List<BotStorage> storages = [];

    public async Task InitializeAsync() => slack = await FakeSlack.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var bot in bots) await bot.DisposeAsync();
        foreach (var storage in storages) await storage.DisposeAsync();
        await slack.DisposeAsync();
    }

    BotStorage NewStorage(bool postgres = false)
    {
        var storage = postgres ? BotStorage.Postgres() : BotStorage.LiteDb();
        storages.Add(storage);
        return storage;
    }

    BotHost Start(BotStorage? storage = null, bool recording = true)
    {
        var bot = BotHost.Start(slack, clock, storage ?? NewStorage(), services: s =>
        {
            if (recording) s.AddSingleton<IIncidentChannelEvents>(events);
            s.AddSingleton<ILoggerProvider>(new FakeLoggerProvider(logs));
            s.Configure<LoggerFilterOptions>(o => o.AddFilter<FakeLoggerProvider>("JitBot.SlackApp", LogLevel.Debug));
        });
        bots.Add(bot);
        return bot;
    }

    static JsonObject Archive(string channel, string user = "U0PAY0001", string type = ChannelArchiveHandler.PublicChannel) =>
        new() { ["type"] = type, ["channel"] = channel, ["user"] = user };

    static async Task SendOkAsync(BotHost bot, HttpRequestMessage request)
    {
        var response = await bot.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    async Task<FakeLogRecord> LoggedAsync(string startingWith, int count = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var found = logs.GetSnapshot().Where(r => r.Message.StartsWith(startingWith, StringComparison.Ordinal)).ToList();
            if (found.Count >= count) return found[count - 1];
            if (DateTime.UtcNow > deadline) Assert.Fail($"JitBot never logged \"{startingWith}\" {count} time(s). It logged:\n" + string.Join("\n", logs.GetSnapshot()));
            await Task.Delay(25);
        }
    }

    [Theory]
    [InlineData(ChannelArchiveHandler.PublicChannel)]
    [InlineData(ChannelArchiveHandler.PrivateChannel)]
    public async Task AnArchivedChannel_IsHandedToTheIncidentLifecycle_WithWhoAndWhen(string type)
    {
        var bot = Start();

        await SendOkAsync(bot, bot.Signer.Event(bot.Signer.EventEnvelope(Archive("C0INC4312", "U0PAY0002", type), "Ev01ARCHIVE")));

        await events.WaitForAsync(1);
        var (channel, by, at) = Assert.Single(events.Archived);
        Assert.Equal(("C0INC4312", "U0PAY0002", clock.GetUtcNow()), (channel, by, at));
    }

    [Fact]
    public async Task TheAcknowledgement_DoesNotWaitForTheWork()
    {
        var bot = Start();
        events.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var sending = SendOkAsync(bot, bot.Signer.Event(bot.Signer.EventEnvelope(Archive("C0INC1"), "Ev02HELD")));

        // The lifecycle has not finished (it is held), and Slack has its 200 all the same.
        var answered = await Task.WhenAny(sending, Task.Delay(TimeSpan.FromSeconds(20))) == sending;
        events.Hold.SetResult();
        Assert.True(answered, "The acknowledgement waited for the incident lifecycle.");
        await sending;
        await events.WaitForAsync(1);
    }

    [Fact]
    public async Task ADuplicateDelivery_AndARetryWithSlacksHeaders_AreAnsweredAtOnce_AndHandledOnce()
    {
        var bot = Start();
        var envelope = bot.Signer.EventEnvelope(Archive("C0INC2"), "Ev03TWICE");

        await SendOkAsync(bot, bot.Signer.Event(envelope));
        await events.WaitForAsync(1);
        await SendOkAsync(bot, bot.Signer.Event(envelope));
        await SendOkAsync(bot, bot.Signer.Event(envelope, retryNum: 1, retryReason: "http_timeout"));
        await SendOkAsync(bot, bot.Signer.Event(envelope, retryNum: 2, retryReason: "http_error"));

        // Another event after them is handled: the duplicates had their turn and were dropped.
        await SendOkAsync(bot, bot.Signer.Event(bot.Signer.EventEnvelope(Archive("C0INC3"), "Ev04NEXT")));
        await events.WaitForAsync(2);
        Assert.Equal(["C0INC2", "C0INC3"], events.Archived.Select(a => a.Channel).Order());
    }

    [Fact]
    public async Task ARetryAfterARestart_IsHandledOnce_ThanksToTheStore()
    {
        var storage = NewStorage();
        var first = Start(storage);
        var envelope = first.Signer.EventEnvelope(Archive("C0INC5"), "Ev05RESTART");
        await SendOkAsync(first, first.Signer.Event(envelope));
        await events.WaitForAsync(1);
        await first.DisposeAsync();

        var second = Start(storage);
        await SendOkAsync(second, second.Signer.Event(envelope, retryNum: 1));

        await LoggedAsync("Slack delivered channel_archive event Ev05RESTART again");
        Assert.Single(events.Archived);
    }

    [Fact]
    public async Task TwoReplicasOnOnePostgreSql_HandleAnEventDeliveredToBoth_Once()
    {
        var storage = NewStorage(postgres: true);
        var a = Start(storage);
        var b = Start(storage);
        var envelope = a.Signer.EventEnvelope(Archive("C0INC6"), "Ev06REPLICAS");

        await Task.WhenAll(SendOkAsync(a, a.Signer.Event(envelope)), SendOkAsync(b, b.Signer.Event(envelope, retryNum: 1)));

        await events.WaitForAsync(1);
        await LoggedAsync("Slack delivered channel_archive event Ev06REPLICAS again");
        Assert.Single(events.Archived);
    }

    [Fact]
    public async Task UnsignedAndForgedEvents_AreRefused_AndReachNobody()
    {
        var bot = Start();
        var envelope = bot.Signer.EventEnvelope(Archive("C0INC7"), "Ev07FORGED").ToJsonString();

        var unsigned = await bot.SendAsync(SlackSigner.Unsigned("/slack/events", envelope, "application/json"));
        var forged = await bot.SendAsync(bot.Signer.Signed("/slack/events", envelope, "application/json", secretOverride: "not-the-secret"));
        var stale = await bot.SendAsync(bot.Signer.Signed("/slack/events", envelope, "application/json", at: clock.GetUtcNow().AddMinutes(-10)));

        Assert.All([unsigned, forged, stale], r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        await SendOkAsync(bot, bot.Signer.Event(bot.Signer.EventEnvelope(Archive("C0INC8"), "Ev08REAL")));
        await events.WaitForAsync(1);
        Assert.Equal("C0INC8", Assert.Single(events.Archived).Channel);
    }

    [Fact]
    public async Task EventsFromAnotherWorkspaceOrApp_AreIgnored_WithACountedLogLine()
    {
        var bot = Start();

        await SendOkAsync(bot, bot.Signer.Event(bot.Signer.EventEnvelope(Archive("C0ELSE1"), "Ev09TEAM", teamId: "T0OTHER")));
        await SendOkAsync(bot, bot.Signer.Event(bot.Signer.EventEnvelope(Archive("C0ELSE2"), "Ev10APP", appId: "A0OTHER")));

        var second = await LoggedAsync("Ignored a Slack channel_archive event", count: 2);
        Assert.Contains("(2 ignored since start)", second.Message);
        Assert.Contains(logs.GetSnapshot(), r => r.Message.Contains("Ev09TEAM") && r.Message.Contains("another workspace"));
        Assert.Contains(logs.GetSnapshot(), r => r.Message.Contains("Ev10APP") && r.Message.Contains("another app"));
        Assert.Equal(2, bot.Services.GetRequiredService<SlackEventOrigin>().Ignored);
        Assert.Empty(events.Archived);
    }

    [Fact]
    public async Task TheIncidentLifecycle_ReplacesTheStandIn_AndAChannelWithoutAnIncidentIsLeftAlone()
    {
        var bot = Start(recording: false);
        Assert.IsType<IncidentEnder>(bot.Services.GetRequiredService<IIncidentChannelEvents>());

        await SendOkAsync(bot, bot.Signer.Event(bot.Signer.EventEnvelope(Archive("C0INC9"), "Ev11NOBODY")));

        await LoggedAsync("Channel C0INC9 archived: NoIncident");
        Assert.Empty(events.Archived);
    }
}
