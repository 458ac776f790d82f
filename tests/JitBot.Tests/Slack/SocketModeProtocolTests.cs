using System.Text.Json;
using System.Text.Json.Nodes;
using JitBot.Hosting;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;
using JitBot.Slack.Signing;
using JitBot.Slack.SocketMode;
using JitBot.SlackApp;
using JitBot.SlackApp.SocketMode;
using Microsoft.AspNetCore.Builder;

namespace JitBot.Tests.Slack;

/// <summary>Socket Mode's wire format: envelopes in, acknowledgements out, the trusted-payload seam, redelivery, and the settings.</summary>
public class SocketModeProtocolTests
{
    static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    readonly FakeTimeProvider time = new(Now);

    sealed class EchoCommand : ISlashCommandHandler
    {
        public List<SlashCommand> Seen { get; } = [];
        public string Command => "/access";
        public Task<SlackAck> HandleAsync(SlashCommand command, CancellationToken cancellationToken)
        {
            Seen.Add(command);
            return Task.FromResult(SlackAck.Ephemeral(new CommandReply("got " + command.Text)));
        }
    }

    sealed class ErrorsOnSubmit : IViewSubmissionHandler
    {
        public string CallbackId => "form";
        public Task<SlackAck> HandleAsync(InteractionPayload payload, CancellationToken cancellationToken) =>
            Task.FromResult(SlackAck.ViewErrors(new Dictionary<string, string> { ["resource"] = "Pick one" }));
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

    readonly EchoCommand command = new();
    readonly CountingEvent homeOpened = new();

    // No signing secret: the trusted seam must not need one.
    SlackInbound Inbound() => new(new SlackSignatureVerifier("", time),
        new SlackDispatcher([command], [], [homeOpened], new SlackDeduplication(time), [new ErrorsOnSubmit()]));

    static SocketModeMessage Read(string json)
    {
        Assert.True(SocketModeMessage.TryRead(json, out var message, out var problem), problem);
        return message;
    }

    [Fact]
    public void Envelope_IsRead_WithItsKindAndRetry()
    {
        var m = Read("""
            {"envelope_id":"e1","type":"slash_commands","accepts_response_payload":true,"retry_attempt":2,"retry_reason":"timeout",
             "payload":{"command":"/access","text":"db","user_id":"U1"}}
            """);

        Assert.Equal(("e1", SlackInboundKind.Command, true, 2, "timeout"), (m.EnvelopeId, m.Kind, m.AcceptsResponsePayload, m.RetryAttempt, m.RetryReason));
        Assert.Equal(SlackInboundKind.Event, Read("""{"envelope_id":"e","type":"events_api","payload":{}}""").Kind);
        Assert.Equal(SlackInboundKind.Interaction, Read("""{"envelope_id":"e","type":"interactive","payload":{}}""").Kind);
    }

    [Fact]
    public void HelloAndDisconnect_AreRead_AndAreNotEnvelopes()
    {
        Assert.Null(Read("""{"type":"hello","num_connections":1}""").Kind);
        var disconnect = Read("""{"type":"disconnect","reason":"refresh_requested","debug_info":{"host":"h"}}""");
        Assert.Equal((SocketModeMessage.Disconnect, SocketModeMessage.RefreshRequested), (disconnect.Type, disconnect.Reason));
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[1]", "not a JSON object")]
    [InlineData("""{"type":7}""", "no type")]
    [InlineData("""{"type":"events_api","payload":{}}""", "without an envelope_id")]
    public void WrongMessages_SayWhy_InJitBotsWords(string json, string why)
    {
        Assert.False(SocketModeMessage.TryRead(json, out _, out var problem));
        Assert.Contains(why, problem);
    }

    [Fact]
    public void Envelope_WhosePayloadIsNotAnObject_IsRead_SoThatItCanBeAcknowledged()
    {
        var m = Read("""{"type":"interactive","envelope_id":"e","payload":"x"}""");
        Assert.Equal(("e", SlackInboundKind.Interaction), (m.EnvelopeId, m.Kind));
        Assert.Null(m.Payload);
    }

    [Fact]
    public void Ack_CarriesTheJsonAnswer_AsItsPayload()
    {
        var ack = JsonNode.Parse(SocketModeAck.For("e1", SlackAck.Ephemeral(new CommandReply("hi <there> & you"))))!;

        Assert.Equal("e1", (string?)ack["envelope_id"]);
        Assert.Equal("ephemeral", (string?)ack["payload"]!["response_type"]);
        Assert.Equal("hi <there> & you", (string?)ack["payload"]!["text"]);
    }

    [Fact]
    public void Ack_OfAnEmptyOrRefusedAnswer_IsTheEnvelopeIdAlone()
    {
        Assert.Equal("""{"envelope_id":"e1"}""", SocketModeAck.For("e1", SlackAck.Empty));
        Assert.Equal("""{"envelope_id":"e\u0022"}""", SocketModeAck.For("e\"", SlackAck.BadRequest("nope")));
    }

    [Fact]
    public async Task TrustedSlashCommand_ReachesTheSameHandler_WithoutASignature()
    {
        var payload = JsonDocument.Parse("""
            {"token":"x","team_id":"T1","channel_id":"C1","user_id":"U1","command":"/access","text":"db for 1h",
             "response_url":"https://hooks.slack.com/commands/T1/1/x","trigger_id":"1.2","is_enterprise_install":false,"extra":{"a":1}}
            """).RootElement;

        var ack = await Inbound().HandleTrustedAsync(SlackInboundKind.Command, payload, CancellationToken.None);

        Assert.Equal(200, ack.StatusCode);
        Assert.Contains("got db for 1h", ack.Body);
        var seen = Assert.Single(command.Seen);
        Assert.Equal(("U1", "C1", "https://hooks.slack.com/commands/T1/1/x", "1.2"), (seen.UserId, seen.ChannelId, seen.ResponseUrl, seen.TriggerId));
    }

    [Fact]
    public async Task TrustedViewSubmission_AnswersWithItsResponseAction()
    {
        var payload = JsonDocument.Parse("""{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","callback_id":"form"}}""").RootElement;

        var ack = await Inbound().HandleTrustedAsync(SlackInboundKind.Interaction, payload, CancellationToken.None);

        var sent = JsonNode.Parse(SocketModeAck.For("e9", ack))!;
        Assert.Equal("errors", (string?)sent["payload"]!["response_action"]);
        Assert.Equal("Pick one", (string?)sent["payload"]!["errors"]!["resource"]);
    }

    [Fact]
    public async Task TrustedEvent_IsDispatched_AndARedeliveredEventIdOnlyOnce()
    {
        var payload = JsonDocument.Parse("""{"type":"event_callback","event_id":"Ev1","event":{"type":"app_home_opened","user":"U1"}}""").RootElement;
        var inbound = Inbound();

        Assert.Equal(200, (await inbound.HandleTrustedAsync(SlackInboundKind.Event, payload, CancellationToken.None)).StatusCode);
        Assert.Equal(200, (await inbound.HandleTrustedAsync(SlackInboundKind.Event, payload, CancellationToken.None)).StatusCode);
        Assert.Equal(1, homeOpened.Calls);
    }

    [Theory]
    [InlineData(SlackInboundKind.Command, """{"text":"no command"}""", "not a slash command")]
    [InlineData(SlackInboundKind.Interaction, """{"type":"block_actions","actions":[]}""", "without a user id")]
    [InlineData(SlackInboundKind.Event, """{"type":"event_callback","event":"x"}""", "has no type")]
    public async Task TrustedPayload_NotWhatSlackSends_IsRefusedWithAReason(SlackInboundKind kind, string json, string why)
    {
        var ack = await Inbound().HandleTrustedAsync(kind, JsonDocument.Parse(json).RootElement, CancellationToken.None);

        Assert.Equal(400, ack.StatusCode);
        Assert.Contains(why, ack.Why);
        Assert.Empty(command.Seen);
    }

    [Fact]
    public async Task EnvelopeAnswers_HandleAnEnvelopeIdOnce_AndGiveTheRedeliveryTheSameAnswer()
    {
        var answers = new EnvelopeAnswers(time);
        var calls = 0;
        var gate = new TaskCompletionSource<SlackAck>();
        Task<SlackAck> Handle()
        {
            calls++;
            return gate.Task;
        }

        var first = answers.OnceAsync("e1", Handle, out var firstIsFirst);
        var again = answers.OnceAsync("e1", Handle, out var againIsFirst);  // while the first is still being worked out
        gate.SetResult(SlackAck.Ephemeral(new CommandReply("one")));

        Assert.True(firstIsFirst);
        Assert.False(againIsFirst);
        Assert.Same(await first, await again);
        Assert.Equal(1, calls);
        time.Advance(TimeSpan.FromHours(2));
        _ = answers.OnceAsync("e1", Handle, out var afterAnHour);
        Assert.True(afterAnHour);
    }

    [Fact]
    public void Backoff_Grows_FromNothing_ToAMinute()
    {
        Assert.Equal([0, 1, 2, 4, 8, 16, 32, 60, 60],
            Enumerable.Range(0, 9).Select(n => (int)SocketModeClient.Backoff(n).TotalSeconds).ToArray());
        Assert.Equal(SocketModeClient.MaxBackoff, SocketModeClient.Backoff(int.MaxValue));
    }

    [Fact]
    public void Settings_WithTheAppTokenAndNoSigningSecret_Pass()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["Slack:BotToken"] = "xoxb-1";
        builder.Configuration["Slack:AppToken"] = "xapp-1-A1-secret";
        builder.Configuration["Policies:Path"] = "p";
        builder.RequireSettings();

        Assert.True(new SlackOptionsValidator().Validate(null, new SlackOptions { BotToken = "xoxb-1", AppToken = "xapp-1-A1-secret" }).Succeeded);
    }

    [Fact]
    public void Settings_WithNeitherSigningSecretNorAppToken_StopStartUp_WithOneSentenceNamingBoth()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration["Slack:BotToken"] = "xoxb-1";
        builder.Configuration["Policies:Path"] = "p";

        var problem = Assert.Single(Assert.Throws<StartupException>(() => builder.RequireSettings()).Problems);
        Assert.Contains("Slack:SigningSecret is missing", problem);
        Assert.Contains("Slack:AppToken", problem);
        Assert.Contains("Slack__AppToken", problem);
        var options = new SlackOptionsValidator().Validate(null, new SlackOptions { BotToken = "xoxb-1" });
        Assert.Contains("Slack:AppToken is not set either", options.FailureMessage);
    }

    [Fact]
    public void Settings_AnAppTokenThatIsNotOne_IsExplained_WithoutBeingPrinted()
    {
        var result = new SlackOptionsValidator().Validate(null, new SlackOptions { BotToken = "xoxb-1", AppToken = "xoxb-pasted-the-bot-token" });

        Assert.True(result.Failed);
        Assert.Contains("Slack:AppToken is not an app-level token: it must start with xapp-", result.FailureMessage);
        Assert.DoesNotContain("pasted", result.FailureMessage);
        Assert.DoesNotContain("xapp-1-secret", new SlackOptions { AppToken = "xapp-1-secret" }.ToString());
    }
}
