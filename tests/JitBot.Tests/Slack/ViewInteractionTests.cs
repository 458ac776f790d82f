using System.Text;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;
using JitBot.Slack.Signing;
using Microsoft.Extensions.Time.Testing;

namespace JitBot.Tests.Slack;

/// <summary>view_submission, view_closed and block_suggestion as Slack sends them: parsed, signed, and dispatched.</summary>
public class ViewInteractionTests
{
    const string Secret = "test-signing-secret";
    readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero));

    // Shaped as in Slack's reference for view_submission (docs.slack.dev, "view_submission payload").
    const string Submission = """
        {"type":"view_submission","team":{"id":"T0TEAM","domain":"acme"},
         "user":{"id":"U0ALICE","username":"alice","name":"alice","team_id":"T0TEAM"},
         "api_app_id":"A0APP","token":"legacy","trigger_id":"12466734323.1395872398.e4a3b2",
         "view":{"id":"VNHU13V36","team_id":"T0TEAM","type":"modal","blocks":[],"private_metadata":"{\"v\":1}",
           "callback_id":"access_request","hash":"156663117.cd33ad1f","clear_on_close":false,"notify_on_close":false,
           "root_view_id":"VNHU13V36","previous_view_id":null,"app_id":"A0APP","external_id":"","bot_id":"B0JITBOT",
           "state":{"values":{
             "resource":{"resource_pick":{"type":"external_select","selected_option":{"text":{"type":"plain_text","text":"payments-db","emoji":true},"value":"payments-db"}}},
             "duration":{"duration_pick":{"type":"static_select","selected_option":{"text":{"type":"plain_text","text":"2 hours","emoji":true},"value":"2h"}}},
             "reason":{"reason_text":{"type":"plain_text_input","value":"INC-42 <b>"}},
             "ticket":{"ticket_text":{"type":"plain_text_input","value":null}}}},
           "title":{"type":"plain_text","text":"Request access"}},
         "response_urls":[],"is_enterprise_install":false,"enterprise":null}
        """;

    const string Closed = """
        {"type":"view_closed","team":{"id":"T0TEAM","domain":"acme"},"user":{"id":"U0ALICE","name":"alice"},"api_app_id":"A0APP",
         "view":{"id":"VNHU13V36","type":"modal","callback_id":"deny_reason","hash":"156663117.cd33ad1f","private_metadata":"req_abc",
           "state":{"values":{}}},"is_cleared":false}
        """;

    // Shaped as in Slack's reference for block_suggestion (sent to the options load URL).
    const string Suggestion = """
        {"type":"block_suggestion","user":{"id":"U0ALICE","username":"alice","name":"alice","team_id":"T0TEAM"},
         "container":{"type":"view","view_id":"VNHU13V36"},"api_app_id":"A0APP","token":"legacy",
         "action_id":"resource_pick","block_id":"resource","value":"pay","team":{"id":"T0TEAM","domain":"acme"},
         "view":{"id":"VNHU13V36","type":"modal","callback_id":"access_request","hash":"156663117.cd33ad1f","private_metadata":"",
           "state":{"values":{}}}}
        """;

    sealed class Submit(string callbackId) : IViewSubmissionHandler
    {
        public List<InteractionPayload> Seen { get; } = [];
        public string CallbackId => callbackId;
        public Task<SlackAck> HandleAsync(InteractionPayload payload, CancellationToken cancellationToken)
        {
            Seen.Add(payload);
            return Task.FromResult(SlackAck.ViewErrors(new Dictionary<string, string> { ["duration"] = "Too long." }));
        }
    }

    sealed class Close(string callbackId) : IViewClosedHandler
    {
        public int Calls;
        public string CallbackId => callbackId;
        public Task<SlackAck> HandleAsync(InteractionPayload payload, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(SlackAck.Empty);
        }
    }

    sealed class Suggest(string actionId) : IBlockSuggestionHandler
    {
        public List<string?> Queries { get; } = [];
        public string ActionId => actionId;
        public Task<SlackAck> HandleAsync(InteractionPayload payload, CancellationToken cancellationToken)
        {
            Queries.Add(payload.Value);
            return Task.FromResult(SlackAck.Options([JitBot.Slack.BlockKit.Views.Option("payments-db", "payments-db")]));
        }
    }

    readonly Submit submit = new("access_request");
    readonly Close close = new("deny_reason");
    readonly Suggest suggest = new("resource_pick");

    SlackDispatcher Dispatcher() => new([], [], [], new SlackDeduplication(time), [submit], [close], [suggest]);

    SlackInbound Inbound() => new(new SlackSignatureVerifier(Secret, time), Dispatcher());

    static InteractionPayload Parse(string json) =>
        InteractionPayload.TryRead(json, out var payload, out var problem) ? payload : throw new Xunit.Sdk.XunitException(problem);

    async Task<SlackAck> SendAsync(SlackInbound inbound, SlackInboundKind kind, string json, string? signature = null)
    {
        var body = Encoding.UTF8.GetBytes("payload=" + Uri.EscapeDataString(json));
        var ts = time.GetUtcNow().ToUnixTimeSeconds().ToString();
        return await inbound.HandleAsync(kind, ts, signature ?? SlackSignatureVerifier.Sign(Secret, ts, body), body, CancellationToken.None);
    }

    [Fact]
    public void AViewSubmission_IsRead_WithItsViewAndTheValuesOfItsInputs()
    {
        var p = Parse(Submission);

        Assert.Equal(InteractionPayload.ViewSubmissionType, p.Type);
        Assert.Equal("U0ALICE", p.User!.Id);
        Assert.Equal("12466734323.1395872398.e4a3b2", p.TriggerId);
        Assert.Equal("VNHU13V36", p.View!.Id);
        Assert.Equal("156663117.cd33ad1f", p.View.Hash);
        Assert.Equal("access_request", p.View.CallbackId);
        Assert.Equal("{\"v\":1}", p.View.PrivateMetadata);
        Assert.Equal("payments-db", p.View.ValueOf("resource", "resource_pick"));
        Assert.Equal("2h", p.View.ValueOf("duration", "duration_pick"));
        Assert.Equal("INC-42 <b>", p.View.ValueOf("reason", "reason_text"));
        Assert.Null(p.View.ValueOf("ticket", "ticket_text"));
        Assert.Null(p.View.ValueOf("nowhere", "x"));
        Assert.Equal("external_select", p.View.State!.Values!["resource"]["resource_pick"].Type);
    }

    [Fact]
    public void AViewClosed_And_ABlockSuggestion_AreRead()
    {
        var closed = Parse(Closed);
        Assert.Equal(InteractionPayload.ViewClosedType, closed.Type);
        Assert.Equal("deny_reason", closed.View!.CallbackId);
        Assert.False(closed.IsCleared);

        var suggestion = Parse(Suggestion);
        Assert.Equal(InteractionPayload.BlockSuggestionType, suggestion.Type);
        Assert.Equal("resource_pick", suggestion.ActionId);
        Assert.Equal("resource", suggestion.BlockId);
        Assert.Equal("pay", suggestion.Value);
        Assert.Equal("access_request", suggestion.View!.CallbackId);
    }

    [Theory]
    [InlineData("""{"type":"view_submission","view":{"id":"V1","callback_id":"access_request"}}""", "a view_submission payload without a user id")]
    [InlineData("""{"type":"view_submission","user":{"id":"U1"}}""", "a view_submission payload without a view id")]
    [InlineData("""{"type":"view_closed","user":{"id":"U1"},"view":{"callback_id":"x"}}""", "a view_closed payload without a view id")]
    [InlineData("""{"type":"block_suggestion","user":{"id":"U1"},"value":"pay"}""", "a block_suggestion payload without an action_id")]
    [InlineData("""{"type":"block_suggestion","action_id":"resource_pick"}""", "a block_suggestion payload without a user id")]
    [InlineData("""{"type":"view_submission","user":{"id":"U1"},"view":{"id":"V1","state":{"values":{"b":"text"}}}}""", "the payload is not JSON in the shape Slack sends")]
    public async Task ASignedViewPayloadThatIsNotWhatSlackSends_Is400_WithTheReason(string json, string why)
    {
        var ack = await SendAsync(Inbound(), SlackInboundKind.Interaction, json);

        Assert.Equal(400, ack.StatusCode);
        Assert.Equal(why, ack.Why);
        Assert.Empty(submit.Seen);
        Assert.Empty(suggest.Queries);
    }

    [Fact]
    public async Task ASubmission_GoesToTheHandlerOfItsCallbackId_AndItsAckIsTheAnswer()
    {
        var ack = await SendAsync(Inbound(), SlackInboundKind.Interaction, Submission);

        Assert.Equal("""{"response_action":"errors","errors":{"duration":"Too long."}}""", ack.Body);
        Assert.Equal("VNHU13V36", Assert.Single(submit.Seen).View!.Id);
    }

    [Fact]
    public async Task TheSameModalSubmittedTwice_ReachesTheHandlerTwice()
    {
        // After errors, the person corrects a field and submits again: same view id, same hash, no id of its own.
        var dispatcher = Dispatcher();
        await dispatcher.DispatchInteractionAsync(Parse(Submission), CancellationToken.None);
        await dispatcher.DispatchInteractionAsync(Parse(Submission), CancellationToken.None);

        Assert.Equal(2, submit.Seen.Count);
    }

    [Fact]
    public async Task AnUnknownCallbackId_ClosesTheModal_AndAnUnknownMenuGetsNoOptions()
    {
        var dispatcher = Dispatcher();
        var other = Parse(Submission.Replace("\"callback_id\":\"access_request\"", "\"callback_id\":\"something_else\""));
        var ack = await dispatcher.DispatchInteractionAsync(other, CancellationToken.None);
        Assert.Equal(200, ack.StatusCode);
        Assert.Null(ack.Body);
        Assert.Empty(submit.Seen);

        var menu = Parse(Suggestion.Replace("\"action_id\":\"resource_pick\"", "\"action_id\":\"other_menu\""));
        Assert.Equal("""{"options":[]}""", (await dispatcher.DispatchInteractionAsync(menu, CancellationToken.None)).Body);
        Assert.Empty(suggest.Queries);
    }

    [Fact]
    public async Task AClosing_GoesToTheHandlerOfItsCallbackId()
    {
        var ack = await SendAsync(Inbound(), SlackInboundKind.Interaction, Closed);

        Assert.Equal(200, ack.StatusCode);
        Assert.Equal(1, close.Calls);
        Assert.Empty(submit.Seen);
    }

    [Fact]
    public async Task ASuggestion_OnTheOptionsUrl_IsAnsweredWithOptions_EachTimeItIsAsked()
    {
        var inbound = Inbound();
        var first = await SendAsync(inbound, SlackInboundKind.Options, Suggestion);
        var again = await SendAsync(inbound, SlackInboundKind.Options, Suggestion);

        Assert.Equal("""{"options":[{"text":{"type":"plain_text","text":"payments-db","emoji":true},"value":"payments-db"}]}""", first.Body);
        Assert.Equal(first.Body, again.Body);
        Assert.Equal(["pay", "pay"], suggest.Queries);
    }

    [Fact]
    public async Task AnUnsignedSuggestionOrSubmission_Is401_AndReachesNoHandler()
    {
        var inbound = Inbound();
        Assert.Equal(401, (await SendAsync(inbound, SlackInboundKind.Options, Suggestion, signature: "v0=00")).StatusCode);
        Assert.Equal(401, (await SendAsync(inbound, SlackInboundKind.Interaction, Submission, signature: "v0=00")).StatusCode);
        Assert.Empty(suggest.Queries);
        Assert.Empty(submit.Seen);
    }

    [Fact]
    public async Task AClickInsideAModal_StillGoesToItsActionHandler_WithTheViewAndTrigger()
    {
        BlockAction? seen = null;
        InteractionPayload? payload = null;
        var handler = new ActionSpy("form_refresh", (p, a) => (payload, seen) = (p, a));
        var dispatcher = new SlackDispatcher([], [handler], [], new SlackDeduplication(time), [submit], [close], [suggest]);
        var click = Parse("""
            {"type":"block_actions","user":{"id":"U0ALICE"},"trigger_id":"1.2.3","container":{"type":"view","view_id":"V1"},
             "view":{"id":"V1","hash":"h1","callback_id":"access_request","state":{"values":{}}},
             "actions":[{"type":"static_select","block_id":"duration","action_id":"form_refresh","action_ts":"1700000000.1",
               "selected_option":{"text":{"type":"plain_text","text":"2 hours"},"value":"2h"}}]}
            """);

        await dispatcher.DispatchInteractionAsync(click, CancellationToken.None);

        Assert.Equal("form_refresh", seen!.ActionId);
        Assert.Equal("2h", seen.SelectedOption!.Value);
        Assert.Equal("1.2.3", payload!.TriggerId);
        Assert.Equal("h1", payload.View!.Hash);
    }

    sealed class ActionSpy(string actionId, Action<InteractionPayload, BlockAction> onClick) : IBlockActionHandler
    {
        public string ActionId => actionId;
        public Task<SlackAck> HandleAsync(InteractionPayload payload, BlockAction action, CancellationToken cancellationToken)
        {
            onClick(payload, action);
            return Task.FromResult(SlackAck.Empty);
        }
    }
}
