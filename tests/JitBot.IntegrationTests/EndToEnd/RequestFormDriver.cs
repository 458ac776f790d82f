using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.Requests;
using JitBot.SlackApp;
using JitBot.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.IntegrationTests.EndToEnd;

/// <summary>
/// Plays a person using the request form and the catalog commands in a <see cref="Workspace"/>: slash commands with a
/// trigger id the fake Slack issued, submissions and external-select queries as Slack sends them (signed), and the
/// answers as Slack would read them (the acknowledgement's JSON, checked against the fake's Block Kit rules).
/// </summary>
public static class RequestFormDriver
{
    /// <summary>Sends <c>/access {text}</c> with a fresh trigger id (or the one given) and returns the acknowledgement: its body ("" when empty).</summary>
    public static async Task<string> CommandAsync(this Workspace w, string user, string text, string? triggerId = null,
        string channelId = "C0PAYMENTS", string channelName = "payments")
    {
        w.Slack.Clock = w.Clock;
        var trigger = triggerId ?? w.Slack.NewTriggerId();
        var body = SlackSigner.CommandBody(user, text, channelId, channelName).Replace("trigger_id=1.2.3", "trigger_id=" + Uri.EscapeDataString(trigger));
        Assert.Contains(Uri.EscapeDataString(trigger), body);
        var response = await w.Bot.SendAsync(w.Bot.Signer.Signed("/slack/commands", body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>An ephemeral reply as Slack reads it: checked against Block Kit's limits; its text and blocks as JSON.</summary>
    public static JsonObject Ephemeral(string ack)
    {
        var json = JsonNode.Parse(ack)!.AsObject();
        Assert.Equal("ephemeral", (string?)json["response_type"]);
        var problems = FakeSlack.CheckMessage(new SlackCall("chat.postEphemeral", null, ack, json, new Dictionary<string, string>(), 0));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        return json;
    }

    /// <summary>The text and every block's text of a reply, for assertions on what the person reads.</summary>
    public static string AllText(JsonObject reply) =>
        (string?)reply["text"] + "\n" + string.Join("\n", Texts(reply["blocks"]));

    static IEnumerable<string> Texts(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "text" && p.Value is JsonValue v && v.TryGetValue<string>(out var s) ? [s] : Texts(p.Value)),
        JsonArray a => a.SelectMany(Texts),
        _ => [],
    };

    /// <summary>Types <c>/access</c> alone and returns the modal the bot opened (checked by the fake Slack), with its view id.</summary>
    public static async Task<(string ViewId, JsonObject View)> OpenFormAsync(this Workspace w, string user, string channelId = "C0PAYMENTS",
        string channelName = "payments")
    {
        var before = w.Slack.CallsTo("views.open").Count;
        var ack = await w.CommandAsync(user, "", channelId: channelId, channelName: channelName);
        Assert.Equal("", ack);
        var opened = w.Slack.CallsTo("views.open").Skip(before).Single();
        Assert.True(opened.Response?["ok"]?.GetValue<bool>() == true, opened.Response?.ToJsonString());
        return ((string)opened.Response!["view"]!["id"]!, opened.View!);
    }

    /// <summary>The resource choices of a form's static select.</summary>
    public static IReadOnlyList<string> Choices(JsonObject view) =>
        Picker(view)["options"]!.AsArray().Select(o => (string)o!["value"]!).ToList();

    public static JsonObject Picker(JsonObject view) =>
        view["blocks"]!.AsArray().OfType<JsonObject>().Single(b => (string?)b["block_id"] == RequestForm.ResourceBlock)["element"]!.AsObject();

    /// <summary>Submits the open form <paramref name="viewId"/> as <paramref name="user"/> with these values; returns the acknowledgement's JSON (null when empty).</summary>
    public static async Task<JsonObject?> SubmitFormAsync(this Workspace w, string user, string viewId, string? resource,
        string? duration = null, string? reason = null, string? ticket = null, Func<JsonObject, JsonObject>? tamper = null)
    {
        var payload = w.SubmissionPayload(user, viewId, resource, duration, reason, ticket);
        if (tamper is not null) payload = tamper(payload);
        var response = await w.Bot.SendAsync(w.Bot.Signer.Interaction(payload));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        return body.Length == 0 ? null : JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>The <c>view_submission</c> payload of the open form <paramref name="viewId"/> submitted by <paramref name="user"/> with these values.</summary>
    public static JsonObject SubmissionPayload(this Workspace w, string user, string viewId, string? resource,
        string? duration = null, string? reason = null, string? ticket = null)
    {
        var view = w.Slack.OpenView(viewId)!.DeepClone().AsObject();
        view["id"] = viewId;
        view["hash"] = "1.view";
        view["team_id"] = FakeSlack.TeamId;
        view["state"] = new JsonObject
        {
            ["values"] = new JsonObject
            {
                [RequestForm.ResourceBlock] = new JsonObject
                {
                    [RequestForm.ResourceAction] = resource is null
                        ? new JsonObject { ["type"] = "static_select", ["selected_option"] = null }
                        : new JsonObject
                        {
                            ["type"] = "static_select",
                            ["selected_option"] = new JsonObject { ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = resource }, ["value"] = resource },
                        },
                },
                [RequestForm.DurationBlock] = Text(RequestForm.DurationAction, duration),
                [RequestForm.ReasonBlock] = Text(RequestForm.ReasonAction, reason),
                [RequestForm.TicketBlock] = Text(RequestForm.TicketAction, ticket),
            },
        };
        var payload = new JsonObject
        {
            ["type"] = "view_submission",
            ["team"] = new JsonObject { ["id"] = FakeSlack.TeamId, ["domain"] = "acme" },
            ["user"] = new JsonObject { ["id"] = user, ["username"] = user.ToLowerInvariant(), ["team_id"] = FakeSlack.TeamId },
            ["api_app_id"] = FakeSlack.AppId,
            ["token"] = "deprecated-verification-token",
            ["trigger_id"] = w.Slack.NewTriggerId(),
            ["view"] = view,
            ["response_urls"] = new JsonArray(),
        };
        return payload;

        static JsonObject Text(string action, string? value) =>
            new() { [action] = new JsonObject { ["type"] = "plain_text_input", ["value"] = value } };
    }

    /// <summary>The errors a submission's acknowledgement shows under the fields, by block id (empty when it closed the form).</summary>
    public static IReadOnlyDictionary<string, string> FieldErrors(JsonObject? ack) =>
        ack?["response_action"]?.GetValue<string>() == "errors"
            ? ack["errors"]!.AsObject().ToDictionary(e => e.Key, e => (string)e.Value!)
            : new Dictionary<string, string>();

    /// <summary>What the external select shows when <paramref name="typed"/> is typed into it (checked as Slack checks options).</summary>
    public static async Task<IReadOnlyList<string>> SuggestAsync(this Workspace w, string user, string viewId, string typed)
    {
        var view = w.Slack.OpenView(viewId)!.DeepClone().AsObject();
        view["id"] = viewId;
        var payload = new JsonObject
        {
            ["type"] = "block_suggestion",
            ["user"] = new JsonObject { ["id"] = user, ["team_id"] = FakeSlack.TeamId },
            ["team"] = new JsonObject { ["id"] = FakeSlack.TeamId, ["domain"] = "acme" },
            ["api_app_id"] = FakeSlack.AppId,
            ["action_id"] = RequestForm.ResourceAction,
            ["block_id"] = RequestForm.ResourceBlock,
            ["value"] = typed,
            ["view"] = view,
        };
        var response = await w.Bot.SendAsync(w.Bot.Signer.Options(payload));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var options = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["options"]!.AsArray();
        var problems = new List<string>();
        var total = 0;
        FakeSlack.Options(options, "/options", problems, ref total);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        return options.Select(o => (string)o!["value"]!).ToList();
    }

    /// <summary>A click on a "Request access" button in App Home (no channel), with a fresh trigger id unless one is given.</summary>
    public static async Task<HttpResponseMessage> ClickRequestAccessAsync(this Workspace w, string user, string? triggerId = null)
    {
        w.Slack.Clock = w.Clock;
        var payload = w.Bot.Signer.ClickPayload(user, RequestForm.OpenActionId, "open", "D0HOME", "0");
        payload["trigger_id"] = triggerId ?? w.Slack.NewTriggerId();
        payload["container"] = new JsonObject { ["type"] = "view", ["view_id"] = "VHOME" + user };
        payload.Remove("channel");
        payload.Remove("message");
        return await w.Bot.SendAsync(w.Bot.Signer.Interaction(payload));
    }

    /// <summary>The requests <paramref name="user"/> has made since the workspace started.</summary>
    public static Task<IReadOnlyList<AccessRequest>> RequestsOfAsync(this Workspace w, string user) =>
        w.Bot.Services.GetRequiredService<IAccessStore>().RequestsByRequesterAsync(user, Workspace.Start.AddDays(-1), 100, CancellationToken.None);
}
