using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using JitBot.Slack.Payloads;
using JitBot.Slack.Signing;

namespace JitBot.Playground;

/// <summary>
/// Plays Slack towards the bot: builds what Slack would send for a slash command, a click, a modal submission or an
/// external select's query, signs it with the bot's signing secret and posts it to the bot's real endpoints
/// (<c>/slack/commands</c>, <c>/slack/interactions</c>, <c>/slack/options</c>). What the bot acknowledges with is
/// shown as Slack would show it.
/// </summary>
public sealed class PlaygroundBotClient(PlaygroundWorkspace workspace, PlaygroundTriggers triggers, string signingSecret, HttpClient http)
{
    int actions;

    /// <summary>The bot's address, once it runs.</summary>
    public Uri? BotAddress { get; set; }

    /// <summary>Where the playground's own server listens (for the <c>response_url</c>s it hands out).</summary>
    public Uri PageAddress { get; set; } = null!;

    /// <summary><c>/access …</c> typed by <paramref name="user"/> in <paramref name="channelId"/>; the acknowledgement is their ephemeral answer.</summary>
    public async Task CommandAsync(string user, string channelId, string text)
    {
        var channel = workspace.Channel(channelId);
        // Slack sends (and shows) what was typed with &, < and > as entities: its own markup uses them.
        var escaped = text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
        workspace.Post(channel.Id, user, "/access " + escaped, null, visibleTo: user);
        var person = workspace.Person(user);
        var body = FormBody.Encode(new Dictionary<string, string>
        {
            ["token"] = "playground", ["team_id"] = PlaygroundWorkspace.TeamId, ["team_domain"] = "playground",
            ["channel_id"] = channel.Id, ["channel_name"] = channel.DmOf is null ? channel.Name : "directmessage",
            ["user_id"] = user, ["user_name"] = person?.Name.ToLowerInvariant() ?? user, ["command"] = "/access", ["text"] = escaped,
            ["api_app_id"] = PlaygroundWorkspace.AppId, ["is_enterprise_install"] = "false",
            ["response_url"] = ResponseUrl(new PlaygroundHook(user, channel.Id, null)), ["trigger_id"] = triggers.NewTrigger(user),
        });
        var (status, answer) = await PostAsync("/slack/commands", body);
        if (status != 200) Trouble(channel.Id, user, "/slack/commands", status, answer);
        else if (Parse(answer) is JsonObject reply)
        {
            if (reply["response_type"]?.ToString() == "in_channel") workspace.Post(channel.Id, PlaygroundWorkspace.BotUserId, (string?)reply["text"], reply["blocks"]);
            else workspace.Post(channel.Id, PlaygroundWorkspace.BotUserId, (string?)reply["text"], reply["blocks"], visibleTo: user);
        }
    }

    /// <summary>A button click in a message (<paramref name="channelId"/>, <paramref name="messageTs"/>) or in a modal or Home tab (<paramref name="viewId"/>).</summary>
    public async Task ClickAsync(string user, string? channelId, string? messageTs, string? viewId, string actionId, string? blockId, string? value, string? selected)
    {
        var actionTs = $"{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}.{Interlocked.Increment(ref actions):D6}";
        var action = new JsonObject
        {
            ["type"] = selected is null ? "button" : "static_select", ["block_id"] = blockId, ["action_id"] = actionId,
            ["value"] = value, ["action_ts"] = actionTs,
        };
        if (selected is not null) action["selected_option"] = new JsonObject { ["value"] = selected, ["text"] = new JsonObject { ["type"] = "plain_text", ["text"] = selected } };
        var message = channelId is not null && messageTs is not null ? workspace.FindMessage(channelId, messageTs) : null;
        var payload = Common(user, "block_actions");
        payload["actions"] = new JsonArray(action);
        if (viewId is not null)
        {
            payload["container"] = new JsonObject { ["type"] = "view", ["view_id"] = viewId };
            payload["view"] = ViewPayload(user, viewId, null);
        }
        else if (channelId is not null && messageTs is not null)
        {
            payload["container"] = new JsonObject
            {
                ["type"] = "message", ["message_ts"] = messageTs, ["channel_id"] = channelId, ["is_ephemeral"] = message?.Ephemeral == true,
            };
            payload["channel"] = new JsonObject { ["id"] = channelId, ["name"] = workspace.FindConversation(channelId)?.Name };
            payload["message"] = new JsonObject { ["type"] = "message", ["ts"] = messageTs, ["text"] = message?.Text };
            payload["response_url"] = ResponseUrl(new PlaygroundHook(user, channelId, messageTs));
        }
        var (status, answer) = await PostAsync("/slack/interactions", FormBody.Encode([new("payload", payload.ToJsonString())]));
        if (status != 200) Trouble(channelId ?? "#" + PlaygroundWorkspace.GeneralChannel, user, "/slack/interactions", status, answer);
    }

    /// <summary>The person opened the bot's Home tab: <c>app_home_opened</c> to <c>/slack/events</c>, as Slack sends it; the bot publishes the tab.</summary>
    public async Task OpenHomeAsync(string user)
    {
        var envelope = new JsonObject
        {
            ["token"] = "playground", ["team_id"] = PlaygroundWorkspace.TeamId, ["api_app_id"] = PlaygroundWorkspace.AppId,
            ["type"] = "event_callback", ["event_id"] = "Ev" + Guid.NewGuid().ToString("N")[..12].ToUpperInvariant(),
            ["event_time"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["event"] = new JsonObject
            {
                ["type"] = "app_home_opened", ["user"] = user, ["channel"] = workspace.Channel(user).Id, ["tab"] = "home",
                ["event_ts"] = workspace.NextTs(),
            },
        };
        await PostAsync("/slack/events", envelope.ToJsonString(), "application/json");
    }

    /// <summary>Submits an open modal with the values typed (<c>block_id → action_id → value</c>); the bot's answer closes, updates or marks it.</summary>
    public async Task SubmitAsync(string user, string viewId, JsonObject values)
    {
        var payload = Common(user, "view_submission");
        payload["view"] = ViewPayload(user, viewId, values);
        var (status, answer) = await PostAsync("/slack/interactions", FormBody.Encode([new("payload", payload.ToJsonString())]));
        if (status != 200)
        {
            workspace.SetModalErrors(viewId, $"The bot answered {status}: {answer}");
            return;
        }
        var reply = Parse(answer) as JsonObject;
        switch ((string?)reply?["response_action"])
        {
            case "errors":
                workspace.SetModalErrors(viewId, reply!["errors"]?.ToJsonString() ?? "{}");
                break;
            case "update" when reply!["view"] is JsonObject view:
                workspace.UpdateModal(viewId, null, view, out _);
                break;
            case "push" when reply!["view"] is JsonObject view:
                workspace.OpenModal(user, view);
                break;
            case "clear":
                workspace.CloseModal(user, viewId, all: true);
                break;
            default:
                workspace.CloseModal(user, viewId, all: false);
                break;
        }
    }

    /// <summary>Closes a modal without submitting it (<c>view_closed</c> when the view asked to be told).</summary>
    public async Task CloseAsync(string user, string viewId)
    {
        var modal = workspace.Modal(user, viewId);
        workspace.CloseModal(user, viewId, all: false);
        if (modal?.View["notify_on_close"]?.GetValue<bool>() != true) return;
        var payload = Common(user, "view_closed");
        payload["view"] = new JsonObject { ["id"] = viewId, ["type"] = "modal", ["hash"] = modal.Hash, ["callback_id"] = modal.View["callback_id"]?.DeepClone(), ["private_metadata"] = modal.View["private_metadata"]?.DeepClone() };
        payload["is_cleared"] = false;
        await PostAsync("/slack/interactions", FormBody.Encode([new("payload", payload.ToJsonString())]));
    }

    /// <summary>What an external select in a modal offers for <paramref name="query"/> (<c>block_suggestion</c>): the bot's JSON answer.</summary>
    public async Task<string> OptionsAsync(string user, string viewId, string actionId, string? blockId, string query)
    {
        var payload = Common(user, "block_suggestion");
        payload["action_id"] = actionId;
        payload["block_id"] = blockId;
        payload["value"] = query;
        payload["view"] = ViewPayload(user, viewId, null);
        var (status, answer) = await PostAsync("/slack/options", FormBody.Encode([new("payload", payload.ToJsonString())]));
        return status == 200 && answer.Length > 0 ? answer : """{"options":[]}""";
    }

    JsonObject Common(string user, string type)
    {
        var person = workspace.Person(user);
        return new JsonObject
        {
            ["type"] = type, ["token"] = "playground", ["api_app_id"] = PlaygroundWorkspace.AppId, ["trigger_id"] = triggers.NewTrigger(user),
            ["user"] = new JsonObject { ["id"] = user, ["username"] = person?.Name.ToLowerInvariant(), ["name"] = person?.Name.ToLowerInvariant(), ["team_id"] = PlaygroundWorkspace.TeamId },
            ["team"] = new JsonObject { ["id"] = PlaygroundWorkspace.TeamId, ["domain"] = "playground" },
        };
    }

    JsonObject ViewPayload(string user, string viewId, JsonObject? values)
    {
        var modal = workspace.Modal(user, viewId);
        return new JsonObject
        {
            ["id"] = viewId, ["type"] = modal is null ? "home" : "modal", ["hash"] = modal?.Hash,
            ["callback_id"] = modal?.View["callback_id"]?.DeepClone(), ["private_metadata"] = modal?.View["private_metadata"]?.DeepClone(),
            ["state"] = new JsonObject { ["values"] = values ?? new JsonObject() },
        };
    }

    string ResponseUrl(PlaygroundHook hook) => new Uri(PageAddress, "hooks/" + triggers.NewResponseUrl(hook)).ToString();

    void Trouble(string channel, string user, string endpoint, int status, string answer) =>
        workspace.Post(channel, PlaygroundWorkspace.BotUserId,
            $"(playground) {endpoint} answered HTTP {status.ToString(CultureInfo.InvariantCulture)} {answer}".Trim(), null, visibleTo: user);

    async Task<(int Status, string Body)> PostAsync(string path, string form, string contentType = "application/x-www-form-urlencoded")
    {
        if (BotAddress is null) return (503, "the bot is not running");
        var body = Encoding.UTF8.GetBytes(form);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(BotAddress, path)) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
        request.Headers.Add("X-Slack-Signature", SlackSignatureVerifier.Sign(signingSecret, timestamp, body));
        try
        {
            using var response = await http.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException e)
        {
            return (503, e.Message);
        }
    }

    static JsonNode? Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try { return JsonNode.Parse(text); }
        catch (System.Text.Json.JsonException) { return new JsonObject { ["text"] = text }; }
    }
}
