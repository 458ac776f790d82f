using System.Text;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;
using JitBot.Slack.Signing;

namespace JitBot.Tests.Slack;

public class DispatcherTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    const string Secret = "test-signing-secret";

    sealed class CountingCommand : ISlashCommandHandler
    {
        public int Calls;
        public string Command => "/access";
        public Task<SlackAck> HandleAsync(SlashCommand command, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(SlackAck.Ephemeral(new CommandReply("got " + command.Text)));
        }
    }

    sealed class CountingAction(string actionId) : IBlockActionHandler
    {
        public List<string?> Values { get; } = [];
        public string ActionId => actionId;
        public Task<SlackAck> HandleAsync(InteractionPayload payload, BlockAction action, CancellationToken cancellationToken)
        {
            Values.Add(action.Value);
            return Task.FromResult(SlackAck.Empty);
        }
    }

    sealed class CountingEvent : ISlackEventHandler
    {
        public int Calls;
        public string EventType => "app_home_opened";
        public Task HandleAsync(EventEnvelope envelope, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.CompletedTask;
        }
    }

    readonly FakeTimeProvider time = new(Now);
    readonly CountingCommand command = new();
    readonly CountingAction approve = new("jitbot.approve");
    readonly CountingEvent homeOpened = new();

    SlackInbound Inbound(string? secret = Secret) =>
        new(new SlackSignatureVerifier(secret, time),
            new SlackDispatcher([command], [approve], [homeOpened], new SlackDeduplication(time)));

    (string Timestamp, string Signature) Sign(byte[] body)
    {
        var ts = time.GetUtcNow().ToUnixTimeSeconds().ToString();
        return (ts, SlackSignatureVerifier.Sign(Secret, ts, body));
    }

    static InteractionPayload Click(string user, string actionTs, string value = "req_1") =>
        new("block_actions", new SlackUser(user, null, null, null), null, null, null, null, null, null, null,
            [new BlockAction("button", "b", "jitbot.approve", actionTs, value, null, null)]);

    [Fact]
    public async Task SignedCommand_ReachesItsHandler()
    {
        var body = Encoding.UTF8.GetBytes("command=%2Faccess&text=db&user_id=U1");
        var (ts, sig) = Sign(body);
        var ack = await Inbound().HandleAsync(SlackInboundKind.Command, ts, sig, body, CancellationToken.None);
        Assert.Equal(200, ack.StatusCode);
        Assert.Contains("got db", ack.Body);
        Assert.Equal(1, command.Calls);
    }

    [Theory]
    [InlineData(SlackInboundKind.Command)]
    [InlineData(SlackInboundKind.Interaction)]
    [InlineData(SlackInboundKind.Event)]
    public async Task UnsignedRequest_Is401_AndReachesNoHandler(SlackInboundKind kind)
    {
        var body = Encoding.UTF8.GetBytes("command=%2Faccess&text=db&user_id=U1");
        var ack = await Inbound().HandleAsync(kind, null, null, body, CancellationToken.None);
        Assert.Equal(401, ack.StatusCode);
        Assert.Equal(0, command.Calls);
    }

    [Fact]
    public async Task WithoutSigningSecret_EverythingIs401()
    {
        var body = Encoding.UTF8.GetBytes("ssl_check=1");
        var (ts, sig) = Sign(body);
        Assert.Equal(401, (await Inbound(secret: "").HandleAsync(SlackInboundKind.Command, ts, sig, body, CancellationToken.None)).StatusCode);
    }

    [Fact]
    public async Task SslCheck_Is200_WithNothingHandled()
    {
        var body = Encoding.UTF8.GetBytes("ssl_check=1&token=x");
        var (ts, sig) = Sign(body);
        var ack = await Inbound().HandleAsync(SlackInboundKind.Command, ts, sig, body, CancellationToken.None);
        Assert.Equal(200, ack.StatusCode);
        Assert.Null(ack.Body);
        Assert.Equal(0, command.Calls);
    }

    [Fact]
    public async Task UrlVerification_EchoesTheChallenge()
    {
        var body = """{"token":"x","challenge":"abc123","type":"url_verification"}"""u8.ToArray();
        var (ts, sig) = Sign(body);
        var ack = await Inbound().HandleAsync(SlackInboundKind.Event, ts, sig, body, CancellationToken.None);
        Assert.Equal(200, ack.StatusCode);
        Assert.Equal("""{"challenge":"abc123"}""", ack.Body);
    }

    [Fact]
    public async Task RedeliveredEvent_IsHandledOnce()
    {
        var body = """{"type":"event_callback","event_id":"Ev1","event":{"type":"app_home_opened","user":"U1"}}"""u8.ToArray();
        var inbound = Inbound();
        for (var i = 0; i < 3; i++)
        {
            var (ts, sig) = Sign(body);
            Assert.Equal(200, (await inbound.HandleAsync(SlackInboundKind.Event, ts, sig, body, CancellationToken.None)).StatusCode);
        }
        Assert.Equal(1, homeOpened.Calls);
    }

    [Fact]
    public async Task RedeliveredClick_IsHandledOnce_ButSeparateClicksAllArrive()
    {
        var dispatcher = new SlackDispatcher([command], [approve], [homeOpened], new SlackDeduplication(time));
        await dispatcher.DispatchInteractionAsync(Click("U1", "100.1"), CancellationToken.None);
        await dispatcher.DispatchInteractionAsync(Click("U1", "100.1"), CancellationToken.None); // redelivery
        await dispatcher.DispatchInteractionAsync(Click("U1", "100.2"), CancellationToken.None); // a double click
        await dispatcher.DispatchInteractionAsync(Click("U2", "100.1"), CancellationToken.None); // someone else
        Assert.Equal(3, approve.Values.Count);
    }

    [Fact]
    public async Task MalformedBodies_Are400_Not500()
    {
        var inbound = Inbound();
        foreach (var (kind, text) in new[] { (SlackInboundKind.Command, "x=1"), (SlackInboundKind.Interaction, "payload=%7Bnope"), (SlackInboundKind.Event, "{nope") })
        {
            var body = Encoding.UTF8.GetBytes(text);
            var (ts, sig) = Sign(body);
            Assert.Equal(400, (await inbound.HandleAsync(kind, ts, sig, body, CancellationToken.None)).StatusCode);
        }
    }

    [Fact]
    public async Task UnknownCommand_GetsASentence()
    {
        var dispatcher = new SlackDispatcher([command], [approve], [homeOpened], new SlackDeduplication(time));
        var ack = await dispatcher.DispatchCommandAsync(
            new SlashCommand("/nope", "", "U1", null, null, null, null, null, null, null, null, null), CancellationToken.None);
        Assert.Contains("does not know the command /nope", ack.Body);
    }

    [Fact]
    public void RecentKeys_ForgetAfterTheirWindow()
    {
        var keys = new RecentKeys(time, TimeSpan.FromMinutes(1));
        Assert.True(keys.FirstTime("a"));
        Assert.False(keys.FirstTime("a"));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(keys.FirstTime("a"));
    }
}
