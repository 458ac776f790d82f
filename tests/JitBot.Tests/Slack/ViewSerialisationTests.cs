using System.Text.Json.Nodes;
using JitBot.Slack;
using JitBot.Slack.BlockKit;
using JitBot.Slack.Dispatch;

namespace JitBot.Tests.Slack;

/// <summary>Views, input blocks, options and the acknowledgements of view_submission and block_suggestion, as JSON.</summary>
public class ViewSerialisationTests
{
    static JsonObject AsJson<T>(T value) => JsonNode.Parse(SlackJson.Serialize(value))!.AsObject();

    [Fact]
    public void AModal_WithInputs_IsTheJsonSlackExpects()
    {
        var view = Views.Modal("Request access", "access_request",
        [
            Views.Input("resource", "Resource", Views.ExternalSelect("resource_pick", "Type to search", minQueryLength: 1)),
            Views.Input("duration", "For how long",
                Views.Select("duration_pick", [Views.Option("1 hour", "1h"), Views.Option("2 hours", "2h", "the policy's maximum")],
                    initial: Views.Option("1 hour", "1h"))),
            Views.Input("reason", "Reason", Views.TextInput("reason_text", "Why", multiline: true, maxLength: 500), hint: "Shown to the approvers", optional: true),
        ], submit: "Request", privateMetadata: "meta");

        var json = AsJson(view);

        Assert.Equal("""{"type":"plain_text","text":"Request access","emoji":true}""", json["title"]!.ToJsonString());
        Assert.Equal("modal", (string?)json["type"]);
        Assert.Equal("Request", (string?)json["submit"]!["text"]);
        Assert.Equal("Cancel", (string?)json["close"]!["text"]);
        Assert.Equal("access_request", (string?)json["callback_id"]);
        Assert.Equal("meta", (string?)json["private_metadata"]);
        var blocks = json["blocks"]!.AsArray();
        Assert.Equal(
            """{"type":"input","label":{"type":"plain_text","text":"Resource","emoji":true},"element":{"type":"external_select","action_id":"resource_pick","placeholder":{"type":"plain_text","text":"Type to search","emoji":true},"min_query_length":1},"block_id":"resource"}""",
            blocks[0]!.ToJsonString());
        var select = blocks[1]!["element"]!;
        Assert.Equal("static_select", (string?)select["type"]);
        Assert.Equal("2h", (string?)select["options"]![1]!["value"]);
        Assert.Equal("the policy's maximum", (string?)select["options"]![1]!["description"]!["text"]);
        Assert.Equal("1h", (string?)select["initial_option"]!["value"]);
        Assert.Null(select["option_groups"]);
        var reason = blocks[2]!;
        Assert.True((bool)reason["optional"]!);
        Assert.Equal("Shown to the approvers", (string?)reason["hint"]!["text"]);
        Assert.Equal("""{"type":"plain_text_input","action_id":"reason_text","placeholder":{"type":"plain_text","text":"Why","emoji":true},"multiline":true,"max_length":500}""",
            reason["element"]!.ToJsonString());
    }

    [Fact]
    public void TheBuilders_KeepSlacksLimits()
    {
        var view = Views.Modal(new string('t', 40), new string('c', 300), Enumerable.Range(0, 120).Select(_ => (Block)new DividerBlock()),
            submit: new string('s', 30));
        Assert.Equal(24, view.Title!.Text.Length);
        Assert.Equal(24, view.Submit!.Text.Length);
        Assert.Equal(ViewLimits.CallbackId, view.CallbackId!.Length);
        Assert.Equal(ViewLimits.BlocksPerView, view.Blocks.Count);
        Assert.Throws<ArgumentException>(() => Views.Modal("t", "c", [], privateMetadata: new string('m', 3001)));
        Assert.Throws<ArgumentException>(() => Views.Option("x", new string('v', 151)));
        Assert.Equal(75, Views.Option(new string('o', 90), "v").Text.Text.Length);
        Assert.Equal(100, Views.Select("s", Enumerable.Range(0, 150).Select(i => Views.Option($"{i}", $"{i}"))).Options!.Count);
    }

    [Fact]
    public void AHomeView_HasNoTitleOrButtons_AndOptionGroupsSerialise()
    {
        var json = AsJson(Views.Home([Blocks.Header("Your access"),
            Blocks.Actions("picker", Views.Select("filter", [Views.Group("Databases", [Views.Option("payments-db", "payments-db")])]))]));

        Assert.Equal("home", (string?)json["type"]);
        Assert.Null(json["title"]);
        Assert.Null(json["submit"]);
        var element = json["blocks"]![1]!["elements"]![0]!;
        Assert.Equal("static_select", (string?)element["type"]);
        Assert.Equal("Databases", (string?)element["option_groups"]![0]!["label"]!["text"]);
        Assert.Equal("payments-db", (string?)element["option_groups"]![0]!["options"]![0]!["value"]);
    }

    [Fact]
    public void ViewErrors_AreTheErrorsResponseAction_KeyedByBlockIdAsGiven()
    {
        var ack = SlackAck.ViewErrors(new Dictionary<string, string> { ["duration"] = "At most 4 hours for payments-db.", ["reason_Block"] = "Say why." });

        Assert.Equal(200, ack.StatusCode);
        Assert.StartsWith("application/json", ack.ContentType);
        Assert.Equal("""{"response_action":"errors","errors":{"duration":"At most 4 hours for payments-db.","reason_Block":"Say why."}}""", ack.Body);
        Assert.Throws<ArgumentException>(() => SlackAck.ViewErrors(new Dictionary<string, string>()));
    }

    [Fact]
    public void Clear_Update_And_Push_AreTheirResponseActions()
    {
        Assert.Equal("""{"response_action":"clear"}""", SlackAck.ViewClear().Body);
        var update = JsonNode.Parse(SlackAck.ViewUpdate(Views.Modal("Done", "done", [Blocks.Section("Sent.")], submit: null)).Body!)!;
        Assert.Equal("update", (string?)update["response_action"]);
        Assert.Equal("modal", (string?)update["view"]!["type"]);
        Assert.Null(update["view"]!["submit"]);
        Assert.Equal("push", (string?)JsonNode.Parse(SlackAck.ViewPush(Views.Modal("More", "more", [])).Body!)!["response_action"]);
    }

    [Fact]
    public void Options_AreTheBlockSuggestionAnswer_AtMostAHundred()
    {
        Assert.Equal("""{"options":[{"text":{"type":"plain_text","text":"payments-db","emoji":true},"value":"payments-db"}]}""",
            SlackAck.Options([Views.Option("payments-db", "payments-db")]).Body);
        Assert.Equal("""{"options":[]}""", SlackAck.Options(Array.Empty<OptionObject>()).Body);
        var many = JsonNode.Parse(SlackAck.Options(Enumerable.Range(0, 130).Select(i => Views.Option($"r{i}", $"r{i}")).ToList()).Body!)!;
        Assert.Equal(100, many["options"]!.AsArray().Count);
        var grouped = JsonNode.Parse(SlackAck.Options([Views.Group("Automatic", [Views.Option("a", "a")])]).Body!)!;
        Assert.Null(grouped["options"]);
        Assert.Equal("Automatic", (string?)grouped["option_groups"]![0]!["label"]!["text"]);
    }
}
