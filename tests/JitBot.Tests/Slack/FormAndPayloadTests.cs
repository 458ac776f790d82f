using System.Text;
using JitBot.Slack.Payloads;

namespace JitBot.Tests.Slack;

public class FormAndPayloadTests
{
    [Fact]
    public void SlashCommand_IsReadFromFormFields()
    {
        var form = FormBody.Parse("command=%2Faccess&text=payments-db+for+2h+because+INC-1+%3C%40U1%7Cworf%3E&user_id=U2&channel_id=C3&channel_name=ops&team_id=T1&response_url=https%3A%2F%2Fhooks.slack.com%2Fx&trigger_id=1.2.3")!;
        var command = SlashCommand.FromForm(form)!;
        Assert.Equal("/access", command.Command);
        Assert.Equal("payments-db for 2h because INC-1 <@U1|worf>", command.Text);
        Assert.Equal("U2", command.UserId);
        Assert.Equal("C3", command.ChannelId);
        Assert.Equal("ops", command.ChannelName);
        Assert.Equal("https://hooks.slack.com/x", command.ResponseUrl);
    }

    [Fact]
    public void SlashCommand_WithoutUser_IsNotACommand() =>
        Assert.Null(SlashCommand.FromForm(FormBody.Parse("command=%2Faccess&text=x")!));

    [Fact]
    public void SslCheck_IsRecognised() =>
        Assert.True(SlashCommand.IsSslCheck(FormBody.Parse("ssl_check=1&token=x")!));

    [Fact]
    public void FormBody_KeepsFirstOfRepeatedFields_AndToleratesBadEscapes()
    {
        var form = FormBody.Parse("a=1&a=2&b=%zz&c")!;
        Assert.Equal("1", form["a"]);
        Assert.Equal("%zz", form["b"]);
        Assert.Equal("", form["c"]);
    }

    [Theory]
    [InlineData("text=%FF")]           // a lone continuation byte
    [InlineData("text=%C3")]           // a sequence cut short
    [InlineData("t%E9xt=x")]           // Latin-1, not UTF-8, in a key
    [InlineData("text=%ED%A0%80")]     // an encoded surrogate
    public void FormBody_WhoseEscapesAreNotUtf8_IsNotAForm(string body) => Assert.Null(FormBody.Parse(body));

    [Fact]
    public void FormBody_WhoseBytesAreNotUtf8_IsNotAForm() => Assert.Null(FormBody.Parse([(byte)'a', (byte)'=', 0xFF]));

    [Fact]
    public void FormBody_EncodeThenParse_RoundTrips()
    {
        var fields = new Dictionary<string, string> { ["text"] = "a+b & c=d <@U1> é", ["x"] = "" };
        Assert.Equal(fields, FormBody.Parse(Encoding.UTF8.GetBytes(FormBody.Encode(fields))));
    }

    const string BlockActionsJson = """
        {"type":"block_actions","user":{"id":"U9","username":"picard","name":"picard","team_id":"T1"},
         "api_app_id":"A1","token":"x","container":{"type":"message","message_ts":"1700000000.000100","channel_id":"C7","is_ephemeral":false},
         "trigger_id":"1.2.3","team":{"id":"T1","domain":"acme"},"channel":{"id":"C7","name":"payments-approvals"},
         "message":{"type":"message","ts":"1700000000.000100","text":"Access request","blocks":[]},
         "state":{"values":{}},"response_url":"https://hooks.slack.com/actions/x",
         "actions":[{"type":"button","block_id":"approval:req_1","action_id":"jitbot.approve","text":{"type":"plain_text","text":"Approve","emoji":true},
                     "value":"req_1","style":"primary","action_ts":"1700000005.123456"}]}
        """;

    [Fact]
    public void BlockActions_AreReadFromThePayloadField()
    {
        var form = FormBody.Parse("payload=" + Uri.EscapeDataString(BlockActionsJson))!;
        var payload = InteractionPayload.FromForm(form)!;
        Assert.Equal("block_actions", payload.Type);
        Assert.Equal("U9", payload.User!.Id);
        Assert.Equal("C7", payload.Container!.ChannelId);
        Assert.Equal("1700000000.000100", payload.Container.MessageTs);
        Assert.Equal("payments-approvals", payload.Channel!.Name);
        Assert.Equal("1700000000.000100", payload.Message!.Ts);
        Assert.Equal("https://hooks.slack.com/actions/x", payload.ResponseUrl);
        Assert.Equal("1.2.3", payload.TriggerId);
        var action = Assert.Single(payload.Actions!);
        Assert.Equal("jitbot.approve", action.ActionId);
        Assert.Equal("req_1", action.Value);
        Assert.Equal("1700000005.123456", action.ActionTs);
        Assert.Equal("Approve", action.Text!.Text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("[1,2]")]
    [InlineData("{\"type\":7}")]
    public void BrokenInteractionPayload_IsNull(string json) => Assert.Null(InteractionPayload.FromJson(json));

    [Fact]
    public void UrlVerification_IsRead()
    {
        var envelope = EventEnvelope.FromJson("""{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"""u8)!;
        Assert.Equal(EventEnvelope.UrlVerification, envelope.Type);
        Assert.Equal("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", envelope.Challenge);
    }

    [Fact]
    public void EventCallback_CarriesEventIdAndType()
    {
        var envelope = EventEnvelope.FromJson("""{"type":"event_callback","team_id":"T1","api_app_id":"A1","event_id":"Ev1","event_time":1700000000,"event":{"type":"app_home_opened","user":"U1"}}"""u8)!;
        Assert.Equal("Ev1", envelope.EventId);
        Assert.Equal("app_home_opened", envelope.EventType);
        Assert.Equal(1700000000, envelope.EventTime);
    }

    [Fact]
    public void BrokenEvent_IsNull() => Assert.Null(EventEnvelope.FromJson("token=x&ssl_check=1"u8));
}
