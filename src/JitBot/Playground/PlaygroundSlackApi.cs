using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace JitBot.Playground;

/// <summary>
/// The playground's Slack Web API, served in-process to the bot it runs (<c>Slack:ApiBaseUrl</c> points here): the
/// methods JitBot calls, answered from and into the <see cref="PlaygroundWorkspace"/>. A call with another token
/// gets <c>invalid_auth</c>; a method JitBot does not call gets <c>unknown_method</c>, as Slack answers.
/// </summary>
public sealed class PlaygroundSlackApi(PlaygroundWorkspace workspace, PlaygroundTriggers triggers, string botToken)
{
    public void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/{method}", (string method, HttpContext context) => HandleAsync(method, context));
        endpoints.MapPost("/hooks/{id}", (string id, HttpContext context) => HandleResponseUrlAsync(id, context));
    }

    async Task HandleAsync(string method, HttpContext context)
    {
        var (json, form) = await ReadAsync(context.Request);
        var auth = context.Request.Headers.Authorization.ToString();
        var call = new Call(json, form);
        var answer = auth == "Bearer " + botToken ? Answer(method, call) : Error("invalid_auth");
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(answer.ToJsonString(), Encoding.UTF8);
    }

    /// <summary>A post to a <c>response_url</c> the playground handed out with a command or click.</summary>
    async Task HandleResponseUrlAsync(string id, HttpContext context)
    {
        var (json, _) = await ReadAsync(context.Request);
        if (triggers.ResponseUrl(id) is not { } hook || json is not JsonObject body)
        {
            context.Response.StatusCode = 404;
            return;
        }
        var text = (string?)body["text"];
        var blocks = body["blocks"];
        if (body["delete_original"]?.GetValue<bool>() == true && hook.MessageTs is { } deleted) workspace.Delete(hook.Channel, deleted);
        else if (body["replace_original"]?.GetValue<bool>() == true && hook.MessageTs is { } replaced) workspace.Update(hook.Channel, replaced, text, blocks);
        else if ((string?)body["response_type"] == "in_channel") workspace.Post(hook.Channel, PlaygroundWorkspace.BotUserId, text, blocks);
        else workspace.Post(hook.Channel, PlaygroundWorkspace.BotUserId, text, blocks, visibleTo: hook.User);
        await context.Response.WriteAsync("ok");
    }

    JsonObject Answer(string method, Call call)
    {
        switch (method)
        {
            case "auth.test":
                return Ok(("url", "https://playground.invalid/"), ("team", "playground"), ("user", "jitbot"),
                    ("team_id", PlaygroundWorkspace.TeamId), ("user_id", PlaygroundWorkspace.BotUserId), ("bot_id", PlaygroundWorkspace.BotId));
            case "bots.info":
            {
                var result = Ok();
                result["bot"] = new JsonObject
                {
                    ["id"] = PlaygroundWorkspace.BotId, ["deleted"] = false, ["name"] = "jitbot",
                    ["app_id"] = PlaygroundWorkspace.AppId, ["user_id"] = PlaygroundWorkspace.BotUserId,
                };
                return result;
            }
            case "chat.postMessage":
            {
                if (call.Arg("channel") is not { Length: > 0 } channel) return Error("channel_not_found");
                var ts = workspace.Post(channel, PlaygroundWorkspace.BotUserId, call.Arg("text"), call.Blocks);
                return Ok(("channel", workspace.Channel(channel).Id), ("ts", ts));
            }
            case "chat.postEphemeral":
            {
                if (call.Arg("channel") is not { Length: > 0 } channel) return Error("channel_not_found");
                if (call.Arg("user") is not { Length: > 0 } user) return Error("user_not_found");
                return Ok(("message_ts", workspace.Post(channel, PlaygroundWorkspace.BotUserId, call.Arg("text"), call.Blocks, visibleTo: user)));
            }
            case "chat.update":
            {
                var channel = call.Arg("channel") ?? "";
                var ts = call.Arg("ts") ?? "";
                return workspace.Update(channel, ts, call.Arg("text"), call.Blocks)
                    ? Ok(("channel", workspace.Channel(channel).Id), ("ts", ts))
                    : Error("message_not_found");
            }
            case "users.info":
            {
                var id = call.Arg("user") ?? "";
                if (User(id) is not { } user) return Error("user_not_found");
                var result = Ok();
                result["user"] = user;
                return result;
            }
            case "users.lookupByEmail":
            {
                var person = workspace.People.FirstOrDefault(p => string.Equals(p.Email, call.Arg("email"), StringComparison.OrdinalIgnoreCase));
                if (person is null) return Error("users_not_found");
                var result = Ok();
                result["user"] = User(person.Id);
                return result;
            }
            case "users.list":
            {
                var result = Ok();
                result["members"] = new JsonArray([.. workspace.People.Select(p => (JsonNode)User(p.Id)!), User(PlaygroundWorkspace.BotUserId)]);
                result["response_metadata"] = new JsonObject { ["next_cursor"] = "" };
                return result;
            }
            case "usergroups.users.list":
            {
                if (workspace.GroupMembers(call.Arg("usergroup") ?? "") is not { } members) return Error("no_such_subteam");
                var result = Ok();
                result["users"] = Strings(members);
                return result;
            }
            case "usergroups.users.update":
            {
                var group = call.Arg("usergroup") ?? "";
                var users = (call.Arg("users") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                if (users.Length == 0) return Error("no_users_provided");
                if (!workspace.ReplaceGroup(group, users)) return Error("no_such_subteam");
                var result = Ok();
                result["usergroup"] = new JsonObject { ["id"] = group, ["users"] = Strings(users) };
                return result;
            }
            case "conversations.info":
            {
                var id = call.Arg("channel") ?? "";
                if (workspace.FindConversation(id) is not { } conversation) return Error("channel_not_found");
                var result = Ok();
                result["channel"] = new JsonObject
                {
                    ["id"] = conversation.Id, ["name"] = conversation.Name, ["is_private"] = false, ["is_archived"] = false,
                    ["is_im"] = conversation.DmOf is not null,
                };
                return result;
            }
            case "conversations.members":
            {
                if (workspace.FindConversation(call.Arg("channel") ?? "") is null) return Error("channel_not_found");
                var result = Ok();
                result["members"] = Strings([.. workspace.People.Select(p => p.Id), PlaygroundWorkspace.BotUserId]);
                result["response_metadata"] = new JsonObject { ["next_cursor"] = "" };
                return result;
            }
            case "views.open":
            {
                if (call.Json?["view"] is not JsonObject view) return Error("invalid_arguments");
                if (triggers.Use(call.Arg("trigger_id") ?? "") is not { } user) return Error("invalid_trigger_id");
                return ViewAnswer(workspace.OpenModal(user, view));
            }
            case "views.update":
            {
                if (call.Json?["view"] is not JsonObject view) return Error("invalid_arguments");
                var updated = workspace.UpdateModal(call.Arg("view_id") ?? "", call.Arg("hash"), view, out var error);
                return updated is null ? Error(error!) : ViewAnswer(updated);
            }
            case "views.publish":
            {
                if (call.Json?["view"] is not JsonObject view || call.Arg("user_id") is not { Length: > 0 } user) return Error("invalid_arguments");
                var (id, hash) = workspace.PublishHome(user, view);
                var result = Ok();
                result["view"] = new JsonObject { ["id"] = id, ["hash"] = hash, ["callback_id"] = view["callback_id"]?.DeepClone() };
                return result;
            }
            default:
                return Error("unknown_method");
        }
    }

    JsonObject? User(string id)
    {
        var person = workspace.Person(id);
        if (person is null && id != PlaygroundWorkspace.BotUserId) return null;
        var name = person?.Name ?? "JitBot";
        return new JsonObject
        {
            ["id"] = id, ["name"] = name.ToLowerInvariant(), ["real_name"] = name, ["deleted"] = false,
            ["is_bot"] = person is null, ["is_app_user"] = false, ["tz"] = "Europe/London",
            ["profile"] = new JsonObject { ["display_name"] = name, ["real_name"] = name, ["email"] = person?.Email },
        };
    }

    static JsonObject ViewAnswer(PlaygroundModal modal)
    {
        var result = Ok();
        result["view"] = new JsonObject { ["id"] = modal.Id, ["hash"] = modal.Hash, ["callback_id"] = modal.View["callback_id"]?.DeepClone() };
        return result;
    }

    static JsonArray Strings(IEnumerable<string> values) => new(values.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());

    static JsonObject Ok(params (string Key, string Value)[] fields)
    {
        var o = new JsonObject { ["ok"] = true };
        foreach (var (k, v) in fields) o[k] = v;
        return o;
    }

    static JsonObject Error(string error) => new() { ["ok"] = false, ["error"] = error };

    static async Task<(JsonNode? Json, Dictionary<string, string> Form)> ReadAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var raw = await reader.ReadToEndAsync();
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        if (request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true)
        {
            try { return (JsonNode.Parse(raw), form); }
            catch (JsonException) { return (null, form); }
        }
        foreach (var pair in raw.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            form[Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '))] =
                eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
        }
        return (null, form);
    }

    /// <summary>A call's arguments, from its JSON body or its form.</summary>
    sealed record Call(JsonNode? Json, Dictionary<string, string> Form)
    {
        public string? Arg(string name) => Json is JsonObject o && o[name] is JsonValue v ? v.ToString() : Form.GetValueOrDefault(name);

        public JsonNode? Blocks => Json?["blocks"] ?? (Form.TryGetValue("blocks", out var b) ? JsonNode.Parse(b) : null);
    }
}
