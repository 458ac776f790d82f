using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>
/// Modals and App Home as Slack checks them: <c>views.open</c> needs a trigger id this fake issued
/// (<see cref="NewTriggerId"/>) within the last 3 seconds of <see cref="Clock"/> and not used before
/// (<c>invalid_trigger_id</c>, <c>expired_trigger_id</c>, <c>exchanged_trigger_id</c>); <c>views.update</c> needs a
/// view it opened and, when a hash is given, the current one (<c>not_found</c>, <c>hash_conflict</c>); a view that
/// breaks Slack's rules is answered <c>invalid_arguments</c> with the problems (and remembered in
/// <see cref="Problems"/>).
/// </summary>
public sealed partial class FakeSlack
{
    public static readonly TimeSpan TriggerLifetime = TimeSpan.FromSeconds(3);

    readonly ConcurrentDictionary<string, (DateTimeOffset Issued, bool Used)> triggers = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, (string Hash, JsonObject View, string? UserId)> views = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, JsonObject> homes = new(StringComparer.Ordinal);
    int viewCount;

    /// <summary>The clock trigger ids expire on; set it to the bot's fake clock.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;

    /// <summary>A trigger id as Slack puts in a slash command or click, valid for 3 seconds of <see cref="Clock"/> and one use.</summary>
    public string NewTriggerId()
    {
        var id = $"{Interlocked.Increment(ref viewCount)}.{TeamId}.{Guid.NewGuid():N}";
        triggers[id] = (Clock.GetUtcNow(), false);
        return id;
    }

    /// <summary>The current content of an open modal, or null.</summary>
    public JsonObject? OpenView(string viewId) => views.TryGetValue(viewId, out var v) ? v.View : null;

    /// <summary>The Home tab last published for a user, or null.</summary>
    public JsonObject? Home(string userId) => homes.GetValueOrDefault(userId);

    JsonObject AnswerView(SlackCall call)
    {
        if (call.Json?["view"] is not JsonObject view) return Error("invalid_arguments", ["[ERROR] missing required field: view"]);
        var found = CheckView(view);
        if (found.Count > 0)
        {
            foreach (var p in found) problems.Enqueue($"{call.Method}: {p}");
            return Error("invalid_arguments", found.Select(p => "[ERROR] " + p).ToList());
        }
        var type = (string?)view["type"];
        switch (call.Method)
        {
            case "views.open":
            {
                if (type != "modal") return Error("invalid_arguments", ["[ERROR] views.open takes a modal"]);
                var trigger = call.Arg("trigger_id") ?? "";
                if (!triggers.TryGetValue(trigger, out var t)) return Error("invalid_trigger_id");
                if (Clock.GetUtcNow() - t.Issued > TriggerLifetime) return Error("expired_trigger_id");
                if (t.Used || !triggers.TryUpdate(trigger, (t.Issued, true), t)) return Error("exchanged_trigger_id");
                return Stored(NewViewId(), view, null);
            }
            case "views.update":
            {
                if (type != "modal") return Error("invalid_arguments", ["[ERROR] views.update takes a modal"]);
                var id = call.Arg("view_id") ?? "";
                if (!views.TryGetValue(id, out var current)) return Error("not_found");
                if (call.Arg("hash") is { } hash && hash != current.Hash) return Error("hash_conflict");
                return Stored(id, view, null);
            }
            default:
            {
                if (type != "home") return Error("invalid_arguments", ["[ERROR] views.publish takes a home view"]);
                var user = call.Arg("user_id") ?? "";
                if (!user.StartsWith('U')) return Error("invalid_arguments", ["[ERROR] user_id must be a user"]);
                var id = "VHOME" + user;
                if (call.Arg("hash") is { } hash && views.TryGetValue(id, out var current) && hash != current.Hash) return Error("hash_conflict");
                homes[user] = view.DeepClone().AsObject();
                return Stored(id, view, user);
            }
        }
    }

    string NewViewId() => "V" + Interlocked.Increment(ref viewCount).ToString("D8", CultureInfo.InvariantCulture);

    JsonObject Stored(string id, JsonObject view, string? userId)
    {
        var hash = NextTs() + ".view";
        views[id] = (hash, view.DeepClone().AsObject(), userId);
        var answered = view.DeepClone().AsObject();
        answered["id"] = id;
        answered["hash"] = hash;
        answered["team_id"] = TeamId;
        answered["app_id"] = AppId;
        var result = Ok();
        result["view"] = answered;
        return result;
    }

    /// <summary>Slack's rules for views (docs.slack.dev, "View object" and "Block Kit" reference) for the parts JitBot sends.</summary>
    public static List<string> CheckView(JsonObject view)
    {
        var found = new List<string>();
        var type = (string?)view["type"];
        if (type is not ("modal" or "home")) found.Add($"view type must be modal or home, not {type}");
        if (view["blocks"] is not JsonArray blocks)
        {
            found.Add("view has no blocks array");
            return found;
        }
        if (blocks.Count > 100) found.Add($"{blocks.Count} blocks (max 100)");
        var total = 0;
        if (type == "modal")
        {
            Text(view["title"], 1, 24, "/title", found, ref total, plainOnly: true);
            if (view["submit"] is { } submit) Text(submit, 1, 24, "/submit", found, ref total, plainOnly: true);
            if (view["close"] is { } close) Text(close, 1, 24, "/close", found, ref total, plainOnly: true);
            if (view["submit"] is null && blocks.OfType<JsonObject>().Any(b => (string?)b["type"] == "input"))
                found.Add("a modal with input blocks needs a submit button");
        }
        if (((string?)view["callback_id"])?.Length > 255) found.Add("callback_id over 255 characters");
        if (((string?)view["private_metadata"])?.Length > 3000) found.Add("private_metadata over 3000 characters");
        if (((string?)view["external_id"])?.Length > 255) found.Add("external_id over 255 characters");
        CheckBlocks(blocks, inView: true, found, ref total);
        var blockIds = blocks.OfType<JsonObject>().Select(b => (string?)b["block_id"]).OfType<string>().ToList();
        if (blockIds.Count != blockIds.Distinct(StringComparer.Ordinal).Count()) found.Add("block_id repeated in one view");
        return found;
    }

    static void CheckInput(JsonObject block, string at, List<string> found, ref int total)
    {
        Text(block["label"], 1, 2000, $"{at}/label", found, ref total, plainOnly: true);
        if (block["hint"] is { } hint) Text(hint, 1, 2000, $"{at}/hint", found, ref total, plainOnly: true);
        if (block["element"] is not JsonObject element) { found.Add($"{at}: input without an element"); return; }
        if ((string?)element["type"] is not ("plain_text_input" or "static_select" or "external_select"))
            found.Add($"{at}/element: unexpected element type {(string?)element["type"]}");
        else CheckElement(element, $"{at}/element", found, ref total);
    }

    static void CheckElement(JsonObject element, string at, List<string> found, ref int total)
    {
        if (element["action_id"] is null) found.Add($"{at}: no action_id");
        Id(element, "action_id", at, found);
        if (element["placeholder"] is { } placeholder) Text(placeholder, 1, 150, $"{at}/placeholder", found, ref total, plainOnly: true);
        switch ((string?)element["type"])
        {
            case "plain_text_input":
                if (element["max_length"] is { } max && ((int)max < 1 || (int)max > 3000)) found.Add($"{at}: max_length must be 1-3000");
                if (((string?)element["initial_value"])?.Length > 3000) found.Add($"{at}: initial_value over 3000");
                break;
            case "static_select":
                var options = element["options"] as JsonArray;
                var groups = element["option_groups"] as JsonArray;
                if ((options is null) == (groups is null)) found.Add($"{at}: exactly one of options and option_groups");
                if (options is not null) Options(options, $"{at}/options", found, ref total);
                if (groups is not null)
                {
                    if (groups.Count is 0 or > 100) found.Add($"{at}: option_groups needs 1-100 groups");
                    for (var g = 0; g < groups.Count; g++)
                    {
                        Text(groups[g]?["label"], 1, 75, $"{at}/option_groups/{g}/label", found, ref total, plainOnly: true);
                        if (groups[g]?["options"] is JsonArray grouped) Options(grouped, $"{at}/option_groups/{g}/options", found, ref total);
                        else found.Add($"{at}/option_groups/{g}: no options");
                    }
                }
                if (element["initial_option"] is JsonObject initial) Option(initial, $"{at}/initial_option", found, ref total);
                break;
            case "external_select":
                if (element["min_query_length"] is { } min && (int)min < 0) found.Add($"{at}: min_query_length below 0");
                if (element["initial_option"] is JsonObject initialExternal) Option(initialExternal, $"{at}/initial_option", found, ref total);
                break;
        }
    }

    /// <summary>An options list (a static select's, or a <c>block_suggestion</c> answer's): 1-100 options within Slack's limits.</summary>
    public static void Options(JsonArray options, string at, List<string> found, ref int total)
    {
        if (options.Count > 100) found.Add($"{at}: {options.Count} options (max 100)");
        for (var o = 0; o < options.Count; o++)
            if (options[o] is JsonObject option) Option(option, $"{at}/{o}", found, ref total);
            else found.Add($"{at}/{o}: not an object");
    }

    static void Option(JsonObject option, string at, List<string> found, ref int total)
    {
        Text(option["text"], 1, 75, $"{at}/text", found, ref total, plainOnly: true);
        if (((string?)option["value"])?.Length is null or 0 or > 150) found.Add($"{at}/value: must be 1-150 characters");
        if (option["description"] is { } description) Text(description, 1, 75, $"{at}/description", found, ref total, plainOnly: true);
    }
}
