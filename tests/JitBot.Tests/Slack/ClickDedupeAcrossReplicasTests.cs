using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.Payloads;
using JitBot.SlackApp;
using JitBot.Storage;
using JitBot.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using MsFakeTime = Microsoft.Extensions.Time.Testing.FakeTimeProvider;

namespace JitBot.Tests.Slack;

/// <summary>
/// Slack may deliver one click again, to whichever replica it reaches. Each replica's in-memory dedupe only
/// knows its own deliveries, so the click handler also counts the click once in the store.
/// </summary>
public sealed class ClickDedupeAcrossReplicasTests : IAsyncLifetime
{
    readonly LiteDbTestDatabase _database = new();
    readonly MsFakeTime _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    readonly IAccessRequests _requests = Substitute.For<IAccessRequests>();
    readonly ISlackApiClient _slack = Substitute.For<ISlackApiClient>();
    readonly SemaphoreSlim _replies = new(0);
    IAccessStore _store = null!;
    CountingSeenKeys _seen = null!;
    static CancellationToken Ct => CancellationToken.None;

    const string Team = "T0JITBOT", App = "A0JITBOT", Channel = "C0PAYMENTS", MessageTs = "1700000000.000100", RequestValue = "req_dedupe000001";

    public async Task InitializeAsync()
    {
        _store = _database.Open(new OutboxSignal(), _time);
        _seen = new CountingSeenKeys(_store);
        await _store.SaveAsync(new MessageRef(new RequestId(RequestValue), ApprovalMessage.Kind, Channel, MessageTs), Ct);
        _slack.Chat.PostEphemeralAsync(Arg.Any<EphemeralMessage>(), Arg.Any<CancellationToken>())
            .Returns(_ => { _replies.Release(); return Task.CompletedTask; });
        _requests.ApproveAsync(Arg.Any<RequestId>(), Arg.Any<string>(), Arg.Any<CancellationToken>())
            .Returns(new ApprovalOutcome(ApprovalVerdict.Recorded, null, null, "Your approval is recorded."));
    }

    public async Task DisposeAsync()
    {
        _database.Close(_store);
        await _database.DisposeAsync();
    }

    /// <summary>One replica's click handling: its own background worker and services, the shared store.</summary>
    SlackBackgroundWork Replica()
    {
        var services = new ServiceCollection()
            .AddSingleton<ISeenKeyStore>(_seen)
            .AddSingleton<IMessageRefStore>(_store)
            .AddSingleton(Options.Create(new SlackOptions { BotToken = "xoxb-test", SigningSecret = "secret", TeamId = Team, AppId = App }))
            .AddSingleton<SlackWorkspace>()
            .AddSingleton<ApprovalClickOrigin>()
            .AddSingleton<TimeProvider>(_time)
            .AddSingleton(_requests)
            .AddSingleton(_slack)
            .AddSingleton<EphemeralReplies>()
            .AddSingleton(typeof(ILogger<>), typeof(NullLogger<>))
            .BuildServiceProvider();
        return new SlackBackgroundWork(services.GetRequiredService<IServiceScopeFactory>(), NullLogger<SlackBackgroundWork>.Instance);
    }

    static (InteractionPayload, BlockAction) Click(string actionTs)
    {
        var action = new BlockAction("button", "b", ApprovalMessage.ApproveActionId, actionTs, RequestValue, null, null);
        return (new InteractionPayload(InteractionPayload.BlockActionsType, new SlackUser("U0ALICE", null, null, null), new SlackTeam(Team, null), App,
            new InteractionContainer("message", MessageTs, Channel, false), null, null, null, null, [action]), action);
    }

    [Fact]
    public async Task ARedeliveredClick_ReachingTwoReplicas_IsHandledOnce_WhileANewClickIsHandled()
    {
        var first = Replica();
        var second = Replica();
        await first.StartAsync(Ct);
        await second.StartAsync(Ct);
        var (payload, action) = Click("1700000001.000001");
        var (later, laterAction) = Click("1700000002.000002");

        await new ApprovalClickHandler(ApprovalMessage.ApproveActionId, approve: true, first).HandleAsync(payload, action, Ct);
        await new ApprovalClickHandler(ApprovalMessage.ApproveActionId, approve: true, second).HandleAsync(payload, action, Ct);
        await new ApprovalClickHandler(ApprovalMessage.ApproveActionId, approve: true, second).HandleAsync(later, laterAction, Ct);
        // All three clicks were looked up in the store, and the two that counted were answered.
        for (var i = 0; i < 3; i++) Assert.True(await _seen.Checked.WaitAsync(TimeSpan.FromSeconds(30)));
        for (var i = 0; i < 2; i++) Assert.True(await _replies.WaitAsync(TimeSpan.FromSeconds(30)));
        await first.StopAsync(Ct);
        await second.StopAsync(Ct);

        await _requests.Received(2).ApproveAsync(new RequestId("req_dedupe000001"), "U0ALICE", Arg.Any<CancellationToken>());
    }

    /// <summary>The store's seen keys, signalling each answered look-up.</summary>
    sealed class CountingSeenKeys(ISeenKeyStore inner) : ISeenKeyStore
    {
        public SemaphoreSlim Checked { get; } = new(0);

        public async Task<bool> FirstSeenAsync(string key, DateTimeOffset now, TimeSpan keepFor, CancellationToken cancellationToken)
        {
            var first = await inner.FirstSeenAsync(key, now, keepFor, cancellationToken);
            Checked.Release();
            return first;
        }
    }
}
