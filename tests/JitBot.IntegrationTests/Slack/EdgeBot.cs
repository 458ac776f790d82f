using JitBot.IntegrationTests.Infrastructure;
using JitBot.Requests;
using JitBot.SlackApp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace JitBot.IntegrationTests.Slack;

/// <summary>
/// The real host with the lifecycle and the policy stubbed (<see cref="StubDomain"/>), a fake Slack, a fake
/// clock, and every log record kept in <see cref="Logs"/>.
/// </summary>
public sealed class EdgeBot : IAsyncDisposable
{
    /// <summary>Where <see cref="ApprovalPostedAsync"/> says the approval message of <see cref="StubDomain.Pending"/> is.</summary>
    public const string ApprovalChannel = "C0APPROVALS";
    public const string ApprovalTs = "1700000000.000001";

    EdgeBot(FakeSlack slack) => Slack = slack;

    public StubDomain Domain { get; } = new();
    public FakeTimeProvider Clock { get; private set; } = new(StubDomain.Now);
    public FakeLogCollector Logs { get; } = new();
    public FakeSlack Slack { get; }
    public BotHost Bot { get; private set; } = null!;

    /// <param name="beforeStart">Scripts the fake Slack before the bot starts (e.g. an <c>auth.test</c> that fails).</param>
    public static async Task<EdgeBot> StartAsync(IDictionary<string, string?>? settings = null, Action<FakeSlack>? beforeStart = null)
    {
        var edge = new EdgeBot(await FakeSlack.StartAsync());
        beforeStart?.Invoke(edge.Slack);
        edge.Bot = edge.StartBot(settings);
        return edge;
    }

    /// <summary>
    /// Stops the bot and starts another with these settings (same fake Slack and stubs), on a new clock started at
    /// <paramref name="clockAt"/> when given (the clock never goes back).
    /// </summary>
    public async Task RestartAsync(IDictionary<string, string?>? settings = null, DateTimeOffset? clockAt = null)
    {
        await Bot.DisposeAsync();
        if (clockAt is { } at) Clock = new FakeTimeProvider(at);
        Bot = StartBot(settings);
    }

    BotHost StartBot(IDictionary<string, string?>? settings) => BotHost.Start(Slack, Clock, services: s =>
    {
        s.AddSingleton(Domain.Requests);
        s.AddSingleton(Domain.Policies);
        s.AddSingleton<IMessageRefStore>(Domain.Refs);
        s.AddSingleton<ILoggerProvider>(new FakeLoggerProvider(Logs));
    }, settings: settings);

    /// <summary>Remembers the approval message of <see cref="StubDomain.Pending"/> as posted by JitBot, so clicks on it count.</summary>
    public Task ApprovalPostedAsync(string channel = ApprovalChannel, string ts = ApprovalTs) =>
        Domain.Refs.SaveAsync(new MessageRef(StubDomain.Pending().Id, ApprovalMessage.Kind, channel, ts), CancellationToken.None);

    /// <summary>A click on the approval message of <see cref="StubDomain.Pending"/>, as Slack sends it.</summary>
    public System.Text.Json.Nodes.JsonObject Click(string userId, string actionId = ApprovalMessage.ApproveActionId, string? actionTs = null) =>
        Bot.Signer.ClickPayload(userId, actionId, StubDomain.Pending().Id.Value, ApprovalChannel, ApprovalTs, actionTs);

    /// <summary>Waits (polling the kept records) for a log record that matches; fails after 20 seconds.</summary>
    public async Task<FakeLogRecord> LoggedAsync(Func<FakeLogRecord, bool> match, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (Logs.GetSnapshot().FirstOrDefault(match) is { } record) return record;
            if (DateTime.UtcNow > deadline) Assert.Fail($"JitBot never logged {what}. It logged:\n" + string.Join("\n", Logs.GetSnapshot()));
            await Task.Delay(25);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Bot.DisposeAsync();
        await Slack.DisposeAsync();
    }
}
