using System.Text.Json.Nodes;
using JitBot.IntegrationTests.EndToEnd;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.SlackApp;

namespace JitBot.IntegrationTests.SocketMode;

/// <summary>
/// Socket Mode end to end: the real host with only an app-level token, the fake Slack's <c>apps.connections.open</c>,
/// a real WebSocket to the fake Socket Mode server, and the same handlers as over HTTP.
/// </summary>
public sealed class SocketModeTests : WorkspaceTests
{
    protected override Task<Workspace> StartWorkspaceAsync() => SocketModeDriver.StartAsync();

    [Fact]
    public async Task SlashCommand_IsAnsweredInTheAck_AndTheGrantHappens()
    {
        var socket = await w.ConnectionAsync();

        var ack = await socket.CommandAsync(w, People.Ana, "payments-db-staging for 2h because checking a migration");

        Assert.Contains("approved for 2 hours", SocketModeDriver.EphemeralText(ack));
        await w.DirectMessageAsync(People.Ana, "You have access to `payments-db-staging`");
        Assert.Single(w.Provider.Active);
        Assert.Equal("apps.connections.open", Assert.Single(w.Slack.Calls, c => c.Method == "apps.connections.open").Method);
    }

    [Fact]
    public async Task SlowCommand_IsAcknowledgedWithinItsBudget_AndAnsweredLaterAtItsResponseUrl_AsOverHttp()
    {
        var socket = await w.ConnectionAsync();
        w.Slack.RateLimit("usergroups.users.list", times: 1, retryAfterSeconds: 10);  // the requester's groups take a while

        var id = await socket.SendEnvelopeAsync("slash_commands", w.CommandPayload(People.Ana, "payments-db-staging for 2h because checking a migration"));
        await w.Slack.WaitForAsync(c => c.Any(x => x.Method == "usergroups.users.list (429)"), "the slow group lookup");
        w.Clock.Advance(AccessCommandHandler.AckBudget);

        Assert.Contains("still working", SocketModeDriver.EphemeralText(await socket.AckAsync(id)));
        await ClockSteps.AdvanceUntilAsync(w.Clock.Advance,
            () => w.Slack.Calls.Any(c => c.Method == "response_url" && (c.Text ?? "").Contains("approved for 2 hours")),
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), "the late answer at the response_url");
        Assert.Null(w.Slack.CallsTo("response_url").Single().Token);
    }

    [Fact]
    public async Task RequestAndApprovalClick_OverTheSocket_Grant()
    {
        var socket = await w.ConnectionAsync();

        var ask = await socket.CommandAsync(w, People.Ben, "payments-api-prod for 1h because INC-4312 payouts stuck");
        Assert.Contains("sent to #payments-access, waiting for <!subteam^S01PAYONC>", SocketModeDriver.EphemeralText(ask));
        var post = await w.ApprovalPostedAsync();

        var click = await socket.InteractAsync(w.Bot.Signer.ClickPayload(People.Ana, ApprovalMessage.ApproveActionId, post.RequestId, post.Channel, post.Ts));

        Assert.Null(click["payload"]);  // a click is acknowledged at once; the work follows
        await w.UpdatedAsync(post, "Approved");
        await w.DirectMessageAsync(People.Ben, "You have access to `payments-api-prod`");
        Assert.Equal(1, await w.GrantsAsync(post.RequestId));
        Assert.Single(w.Provider.Active);
    }

    [Fact]
    public async Task FormSubmission_WithErrors_IsAnsweredWithResponseActionErrors_InTheAck()
    {
        var socket = await w.ConnectionAsync();
        w.Slack.Clock = w.Clock;

        var opened = await socket.CommandAsync(w, People.Eve, "", triggerId: w.Slack.NewTriggerId());
        Assert.Null(opened["payload"]);  // the form opened: nothing to say in the channel
        var viewId = (string)w.Slack.CallsTo("views.open").Single().Response!["view"]!["id"]!;

        var ack = await socket.InteractAsync(w.SubmissionPayload(People.Eve, viewId, "payments-db", reason: "please"));

        var payload = ack["payload"]!.AsObject();
        Assert.Equal("errors", (string?)payload["response_action"]);
        Assert.Contains("You can no longer ask for payments-db", (string?)payload["errors"]!["resource"]);
        Assert.Empty(await w.RequestsOfAsync(People.Eve));
    }

    [Fact]
    public async Task AppHomeOpened_Event_IsHandled_AndAcknowledgedWithoutPayload()
    {
        var socket = await w.ConnectionAsync();
        var opened = new JsonObject { ["type"] = "app_home_opened", ["user"] = People.Ana, ["channel"] = "D0ANA", ["tab"] = "home" };

        var id = await socket.SendEnvelopeAsync("events_api", w.Bot.Signer.EventEnvelope(opened, "Ev0HOME1"));
        var ack = await socket.AckAsync(id);

        Assert.Equal(id, (string?)ack["envelope_id"]);
        Assert.Null(ack["payload"]);
        await w.Slack.WaitForAsync(c => c.Any(x => x.Method == "views.publish" && x.Arg("user_id") == People.Ana), "Ana's Home tab published");
    }

    [Fact]
    public async Task EnvelopeRedelivered_AfterTheSocketDroppedBeforeItsAck_IsHandledOnce_AndAnsweredAgain()
    {
        var first = await w.ConnectionAsync();
        var payload = w.CommandPayload(People.Ben, "payments-api-prod for 1h because INC-4312 payouts stuck");
        const string envelope = "env-dropped-before-ack";
        first.DropOnAck(envelope);

        await first.SendEnvelopeAsync("slash_commands", payload, envelope);
        var second = await w.ConnectionAsync(2);  // the bot noticed the drop and reconnected
        await second.SendEnvelopeAsync("slash_commands", payload, envelope, retryAttempt: 1, retryReason: "timeout");
        var ack = await second.AckAsync(envelope);

        Assert.Contains("sent to #payments-access", SocketModeDriver.EphemeralText(ack));
        await w.ApprovalPostedAsync();
        Assert.Single(await w.RequestsOfAsync(People.Ben));
        await Task.Delay(300);
        Assert.Single(w.Slack.Calls, c => c.Method == "chat.postMessage" && c.Channel == People.PaymentsChannel && c.HasButtons);
        Assert.Contains(w.Logs.GetSnapshot(), l => l.Message.Contains("delivered the slash_commands envelope") && l.Message.Contains("again (attempt 1, timeout)"));
    }

    [Theory]
    [InlineData("refresh_requested")]
    [InlineData("warning")]
    [InlineData("something_new")]
    public async Task Disconnect_OpensTheNewConnectionBeforeClosingTheOld_AndLosesNothing(string reason)
    {
        var server = await w.Slack.SocketModeAsync();
        var old = await w.ConnectionAsync();

        var inFlight = await old.SendEnvelopeAsync("slash_commands", w.CommandPayload(People.Ana, "help"));
        await old.DisconnectAsync(reason);
        var next = await w.ConnectionAsync(2);

        Assert.Contains("/access", SocketModeDriver.EphemeralText(await old.AckAsync(inFlight)));
        await old.Closed.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(old.ClosedByBot);
        var timeline = server.Timeline.ToList();
        Assert.True(timeline.IndexOf("open 2") < timeline.IndexOf("closed by bot 1"), string.Join(", ", timeline));
        Assert.Contains("approved for 2 hours", SocketModeDriver.EphemeralText(
            await next.CommandAsync(w, People.Ana, "payments-db-staging for 2h because after the reconnect")));
        Assert.Equal(2, w.Slack.CallsTo("apps.connections.open").Count);
    }

    [Fact]
    public async Task EnvelopesThatAreNotWhatSlackSends_AreAcknowledged_HandledByNothing_AndLoggedInJitBotsWords()
    {
        var socket = await w.ConnectionAsync();

        var noUser = await socket.InteractAsync(new JsonObject { ["type"] = "block_actions", ["actions"] = new JsonArray() });
        var notAnObject = await socket.SendEnvelopeAsync("slash_commands", JsonValue.Create("text=/access+payments-db")!);

        Assert.Null(noUser["payload"]);
        Assert.Null((await socket.AckAsync(notAnObject))["payload"]);
        Assert.Contains(w.Logs.GetSnapshot(), l => l.Message == "Refused a Slack Interaction envelope: a block_actions payload without a user id");
        Assert.Contains(w.Logs.GetSnapshot(), l => l.Message == "Refused a Slack Command envelope: its payload is not a JSON object");
        Assert.Empty(await w.RequestsOfAsync(People.Ana));
    }

    [Fact]
    public async Task HttpRequestURLs_RefuseEverything_WithoutASigningSecret()
    {
        await w.ConnectionAsync();
        var signer = new SlackSigner("some-guessed-secret", w.Clock);

        var response = await w.Bot.SendAsync(signer.Command(People.Ana, "payments-db-staging for 2h because sneaky"));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(await w.RequestsOfAsync(People.Ana));
    }
}
