using JitBot.TestSupport.Secrets;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>One Web API call the bot made.</summary>
public sealed record SlackCall(string Method, string? Token, string RawBody, JsonNode? Json, IReadOnlyDictionary<string, string> Form, int Sequence)
{
    public string? Arg(string name) =>
        Json is JsonObject o && o[name] is JsonValue v ? v.ToString() : Form.GetValueOrDefault(name);

    public string? Channel => Arg("channel");
    public string? Text => Arg("text");
    public string? ThreadTs => Arg("thread_ts");

    /// <summary>The view sent to <c>views.open</c>, <c>views.update</c> or <c>views.publish</c>.</summary>
    public JsonObject? View => Json?["view"] as JsonObject;

    /// <summary>What the fake answered (for chat.postMessage: the channel id and ts of the new message).</summary>
    public JsonObject? Response { get; init; }

    public string? ResponseTs => Response?["ts"]?.GetValue<string>();
    public string? ResponseChannel => Response?["channel"]?.GetValue<string>();

    /// <summary>The value of the first button with this action_id in the message's blocks.</summary>
    public string? ButtonValue(string actionId) =>
        (Json?["blocks"] as JsonArray)?.OfType<JsonObject>()
            .SelectMany(b => (b["elements"] as JsonArray)?.OfType<JsonObject>() ?? [])
            .FirstOrDefault(e => (string?)e["action_id"] == actionId)?["value"]?.GetValue<string>();

    public bool HasButtons => ButtonValue("jitbot.approve") is not null || ButtonValue("jitbot.deny") is not null;
}

/// <summary>
/// A fake Slack Web API on 127.0.0.1 (real Kestrel, random port). It records every call, answers like Slack
/// (ok, channel, ts, users, user groups), enforces Block Kit limits by answering <c>invalid_blocks</c> and
/// remembering the problem so the test fails, and can be scripted: group membership that changes during a
/// test, users, and HTTP 429 with Retry-After. The token belongs to workspace <see cref="TeamId"/>, whose
/// bot <see cref="BotId"/> belongs to app <see cref="AppId"/> (<c>auth.test</c>, <c>bots.info</c>). Channel members and who is a bot or deactivated: <c>FakeSlack.Channels.cs</c>;
/// modals, App Home and trigger ids: <c>FakeSlack.Views.cs</c>.
/// </summary>
public sealed partial class FakeSlack : IAsyncDisposable
{
    public const string Token = "xoxb-test-bot-token";
    public const string TeamId = "T0TEAM";
    public const string AppId = "A0APP";
    public const string BotId = "B0JITBOT";
    public const string BotUserId = "U0JITBOT";

    WebApplication app = null!;
    readonly List<SlackCall> calls = [];
    readonly ConcurrentQueue<string> problems = new();
    readonly ConcurrentDictionary<string, HashSet<string>> groups = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, (int Times, int RetryAfter)> rateLimits = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, (int Times, int RetryAfter)> channelLimits = new(StringComparer.Ordinal);
    int responseUrlFailures;
    int responseUrls;
    readonly ConcurrentDictionary<string, string> failures = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, HeldCalls> holds = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, ConcurrentQueue<string[]>> racingWrites = new(StringComparer.Ordinal);
    int sequence;
    long ts = 1_700_000_000_000_000;

    FakeSlack() { }

    public Uri ApiBaseUrl { get; private set; } = null!;

    public static async Task<FakeSlack> StartAsync()
    {
        var fake = new FakeSlack();
        var (app, baseUrl) = await LoopbackServer.StartAsync(server =>
        {
            server.MapPost("/api/{method}", (string method, HttpContext context) => fake.HandleAsync(method, context));
            server.MapPost("/hooks/{**path}", (HttpContext context) => fake.HandleResponseUrlAsync(context));
        });
        fake.app = app;
        fake.ApiBaseUrl = new Uri(baseUrl, "api/");
        return fake;
    }

    /// <summary>Sets who is in a user group now (can change during a test).</summary>
    public void SetGroup(string groupId, params string[] members) => groups[groupId] = new HashSet<string>(members, StringComparer.Ordinal);

    /// <summary>Who is in a user group now.</summary>
    public IReadOnlyList<string> GroupMembers(string groupId)
    {
        if (!groups.TryGetValue(groupId, out var members)) return [];
        lock (members) return members.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// A change made in Slack at the same moment as the bot's: right after the next <c>usergroups.users.update</c> of
    /// <paramref name="groupId"/>, someone else's write sets the group to <paramref name="members"/> (last writer wins).
    /// </summary>
    public void RaceNextUpdate(string groupId, params string[] members) =>
        racingWrites.GetOrAdd(groupId, _ => new ConcurrentQueue<string[]>()).Enqueue(members);

    /// <summary>The next <paramref name="times"/> calls to <paramref name="method"/> get HTTP 429 with Retry-After.</summary>
    public void RateLimit(string method, int times = 1, int retryAfterSeconds = 1) => rateLimits[method] = (times, retryAfterSeconds);

    /// <summary>The next <paramref name="times"/> posts or updates in <paramref name="channel"/> get HTTP 429 with Retry-After; other channels go on.</summary>
    public void RateLimitChannel(string channel, int times = 1, int retryAfterSeconds = 1) => channelLimits[channel] = (times, retryAfterSeconds);

    /// <summary>
    /// A new <c>response_url</c> for a slash command, on this fake (calls to it are recorded as method
    /// <c>response_url</c>, without a token). Its last path segment plays the secret part.
    /// </summary>
    public string NewResponseUrl() =>
        new Uri(ApiBaseUrl, $"../hooks/commands/{TeamId}/{Interlocked.Increment(ref responseUrls)}/hook-secret-{Guid.NewGuid():N}").ToString();

    /// <summary>The next <paramref name="times"/> calls to a <c>response_url</c> get HTTP 503.</summary>
    public void FailResponseUrls(int times) => Volatile.Write(ref responseUrlFailures, times);

    /// <summary>Calls to <paramref name="method"/> are held (not answered) until the returned handle is disposed.</summary>
    public HeldCalls Hold(string method) => holds[method] = new HeldCalls(() => holds.TryRemove(method, out _));

    /// <summary>Calls held by <see cref="Hold"/>: <see cref="Arrived"/> completes when the first one comes; disposing answers them.</summary>
    public sealed class HeldCalls(Action onRelease) : IDisposable
    {
        readonly TaskCompletionSource arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Arrived => arrived.Task;

        internal Task ArriveAsync()
        {
            arrived.TrySetResult();
            return released.Task;
        }

        public void Dispose()
        {
            onRelease();
            released.TrySetResult();
        }
    }

    /// <summary>Every call to <paramref name="method"/> answers <c>ok:false</c> with this error (null to stop).</summary>
    public void Fail(string method, string? error)
    {
        if (error is null) failures.TryRemove(method, out _);
        else failures[method] = error;
    }

    public IReadOnlyList<SlackCall> Calls
    {
        get { lock (calls) return calls.ToList(); }
    }

    public IReadOnlyList<SlackCall> CallsTo(string method) => Calls.Where(c => c.Method == method).ToList();

    public IReadOnlyList<string> Problems => problems.ToList();

    /// <summary>Fails the test if any call broke Slack's limits or rules.</summary>
    public void AssertNoProblems() => Assert.True(problems.IsEmpty, "Fake Slack saw problems:\n" + string.Join("\n", problems));

    /// <summary>Waits (polling the recorded calls) until <paramref name="condition"/> holds; fails after the timeout.</summary>
    public async Task<IReadOnlyList<SlackCall>> WaitForAsync(Func<IReadOnlyList<SlackCall>, bool> condition, string what,
        TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var snapshot = Calls;
            if (condition(snapshot)) return snapshot;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"Fake Slack never saw {what}. Calls:\n" + string.Join("\n", snapshot.Select(c => $"{c.Method} {c.RawBody}")));
            await Task.Delay(25);
        }
    }

    public void Clear()
    {
        lock (calls) calls.Clear();
    }

    async Task HandleAsync(string method, HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var raw = await reader.ReadToEndAsync();
        var token = context.Request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal)
            ? auth["Bearer ".Length..]
            : null;
        JsonNode? json = null;
        var form = new Dictionary<string, string>(StringComparer.Ordinal);
        if (context.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true)
        {
            try { json = JsonNode.Parse(raw); }
            catch (JsonException) { problems.Enqueue($"{method}: body is not JSON: {raw}"); }
        }
        else
        {
            foreach (var pair in raw.Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=');
                form[Uri.UnescapeDataString((eq < 0 ? pair : pair[..eq]).Replace('+', ' '))] =
                    eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
            }
        }

        var call = new SlackCall(method, token, raw, json, form, Interlocked.Increment(ref sequence));
        CollectIssuedCredential(call);

        // A limit on the method, or on the channel the call posts to, answers 429 while it lasts.
        if ((TakeLimit(rateLimits, method) ?? (call.Channel is { } target ? TakeLimit(channelLimits, target) : null)) is { } retryAfter)
        {
            lock (calls) calls.Add(call with { Method = method + " (429)" });
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
            await context.Response.WriteAsJsonAsync(new { ok = false, error = "ratelimited" });
            return;
        }

        if (holds.TryGetValue(method, out var held)) await held.ArriveAsync();
        if (method == "apps.connections.open")
        {
            await AnswerConnectionsOpenAsync(call, context);  // FakeSlack.SocketMode.cs
            return;
        }
        var answer = Answer(call);
        lock (calls) calls.Add(call with { Response = answer });
        await context.Response.WriteAsync(answer.ToJsonString(), Encoding.UTF8);
    }

    /// <summary>Tells the run's secret scan (<see cref="RunCollection"/>) about a credential the bot sent to its requester.</summary>
    static void CollectIssuedCredential(SlackCall call)
    {
        if (RunCollection.Current is not { } run || call.Method != "chat.postMessage" || call.Text is not { } text
            || !text.StartsWith("Your ", StringComparison.Ordinal) || !text.Contains("(shown once", StringComparison.Ordinal)) return;
        var block = call.Json?["blocks"]?[0]?["text"]?["text"]?.GetValue<string>() ?? "";
        var start = block.IndexOf("```", StringComparison.Ordinal) + 3;
        var end = start >= 3 ? block.IndexOf("```", start, StringComparison.Ordinal) : -1;
        if (end < 0) return;
        var kind = text.StartsWith("Your PostgreSQL login", StringComparison.Ordinal) ? "issued:postgres-login"
            : text.StartsWith("Your Access token", StringComparison.Ordinal) ? "issued:token"
            : "issued:password";
        run.Secret(kind, block[start..end].Replace("&lt;", "<").Replace("&gt;", ">").Replace("&amp;", "&"));
    }

    /// <summary>Uses up one 429 of the limit under <paramref name="key"/>; its Retry-After, or null when there is none left.</summary>
    static int? TakeLimit(ConcurrentDictionary<string, (int Times, int RetryAfter)> limits, string key)
    {
        if (!limits.TryGetValue(key, out var limit) || limit.Times <= 0) return null;
        limits[key] = (limit.Times - 1, limit.RetryAfter);
        return limit.RetryAfter;
    }

    /// <summary>A post to a <c>response_url</c>: recorded (with whatever token came, which should be none), answered "ok" or 503.</summary>
    async Task HandleResponseUrlAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var raw = await reader.ReadToEndAsync();
        JsonNode? json = null;
        try { json = JsonNode.Parse(raw); }
        catch (JsonException) { problems.Enqueue($"response_url: body is not JSON: {raw}"); }
        var auth = context.Request.Headers.Authorization.ToString();
        var failing = Interlocked.Decrement(ref responseUrlFailures) >= 0;
        var call = new SlackCall(failing ? "response_url (503)" : "response_url", auth.Length == 0 ? null : auth, raw, json,
            new Dictionary<string, string> { ["path"] = context.Request.Path.Value ?? "" }, Interlocked.Increment(ref sequence));
        lock (calls) calls.Add(call);
        context.Response.StatusCode = failing ? 503 : 200;
        await context.Response.WriteAsync(failing ? "" : "ok");
    }

    JsonObject Answer(SlackCall call)
    {
        if (call.Token != Token) return Error("invalid_auth");
        if (failures.TryGetValue(call.Method, out var failure)) return Error(failure);

        switch (call.Method)
        {
            case "chat.postMessage":
            case "chat.update":
            case "chat.postEphemeral":
            {
                var problemsFound = CheckMessage(call);
                if (problemsFound.Count > 0)
                {
                    foreach (var p in problemsFound) problems.Enqueue($"{call.Method}: {p}");
                    return Error("invalid_blocks", problemsFound);
                }
                var channel = call.Channel;
                if (string.IsNullOrEmpty(channel)) return Error("channel_not_found");
                if (call.Method == "chat.postEphemeral")
                    return string.IsNullOrEmpty(call.Arg("user")) ? Error("user_not_found") : Ok(("message_ts", NextTs()));
                if (call.Method == "chat.update")
                    return string.IsNullOrEmpty(call.Arg("ts")) ? Error("message_not_found") : Ok(("channel", channel), ("ts", call.Arg("ts")!));
                var resolved = channel.StartsWith('U') ? "D" + channel[1..] : channel.TrimStart('#');
                return Ok(("channel", resolved), ("ts", NextTs()));
            }
            case "usergroups.users.list":
            {
                var group = call.Arg("usergroup") ?? "";
                if (!groups.TryGetValue(group, out var members)) return Error("no_such_subteam");
                var result = Ok();
                lock (members) result["users"] = new JsonArray(members.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray());
                return result;
            }
            case "usergroups.users.update":
            {
                var group = call.Arg("usergroup") ?? "";
                if (!groups.TryGetValue(group, out var members)) return Error("no_such_subteam");
                var users = (call.Arg("users") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
                if (users.Length == 0) return Error("no_users_provided");
                if (users.Any(u => !u.StartsWith('U'))) return Error("invalid_users");
                lock (members)
                {
                    members.Clear();
                    members.UnionWith(users);
                    if (racingWrites.TryGetValue(group, out var writes) && writes.TryDequeue(out var theirs))
                    {
                        members.Clear();
                        members.UnionWith(theirs);
                    }
                }
                var result = Ok();
                result["usergroup"] = new JsonObject { ["id"] = group, ["users"] = new JsonArray(users.Select(u => (JsonNode)JsonValue.Create(u)!).ToArray()) };
                return result;
            }
            case "users.info":
            {
                var user = call.Arg("user") ?? "";
                if (!user.StartsWith('U')) return Error("user_not_found");
                var result = Ok();
                result["user"] = User(user);
                return result;
            }
            case "users.list":
                return UsersList(call);
            case "auth.test":
            {
                var result = Ok(("url", "https://acme.slack.com/"), ("team", "acme"), ("user", "jitbot"), ("team_id", TeamId),
                    ("user_id", BotUserId), ("bot_id", BotId));
                result["is_enterprise_install"] = false;
                return result;
            }
            case "bots.info":
            {
                if (call.Arg("bot") != BotId) return Error("bot_not_found");
                var result = Ok();
                result["bot"] = new JsonObject { ["id"] = BotId, ["deleted"] = false, ["name"] = "jitbot", ["app_id"] = AppId, ["user_id"] = BotUserId };
                return result;
            }
            case "conversations.info":
                return ConversationInfo(call);
            case "conversations.members":
                return Members(call);
            case "views.open":
            case "views.update":
            case "views.publish":
                return AnswerView(call);
            default:
                return Error("unknown_method");
        }
    }

    string NextTs()
    {
        var n = Interlocked.Increment(ref ts);
        return (n / 1_000_000).ToString(CultureInfo.InvariantCulture) + "." + (n % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }

    static JsonObject Ok(params (string Key, string Value)[] fields)
    {
        var o = new JsonObject { ["ok"] = true };
        foreach (var (k, v) in fields) o[k] = v;
        return o;
    }

    static JsonObject Error(string error, IReadOnlyList<string>? messages = null)
    {
        var o = new JsonObject { ["ok"] = false, ["error"] = error };
        if (messages is { Count: > 0 })
            o["response_metadata"] = new JsonObject { ["messages"] = new JsonArray(messages.Select(m => (JsonNode)JsonValue.Create(m)!).ToArray()) };
        return o;
    }

    /// <summary>Slack's Block Kit limits (docs.slack.dev, "Block Kit" reference) for the parts JitBot sends.</summary>
    public static List<string> CheckMessage(SlackCall call)
    {
        var found = new List<string>();
        var text = call.Text;
        var blocksNode = call.Json?["blocks"];
        if (blocksNode is null && call.Form.TryGetValue("blocks", out var formBlocks)) blocksNode = JsonNode.Parse(formBlocks);
        if (blocksNode is null)
        {
            if (string.IsNullOrWhiteSpace(text)) found.Add("no text and no blocks");
            return found;
        }
        if (blocksNode is not JsonArray blocks) return ["blocks is not an array"];
        if (string.IsNullOrWhiteSpace(text)) found.Add("blocks sent without a fallback text");
        if (text is { Length: > 4000 } && call.Method == "chat.update") found.Add("text over 4000 characters");
        if (blocks.Count > 50) found.Add($"{blocks.Count} blocks (max 50)");
        var total = 0;
        CheckBlocks(blocks, inView: false, found, ref total);
        if (total > 13_000) found.Add($"blocks hold {total} characters (msg_blocks_too_long)");
        return found;
    }

    /// <summary>Each block of a message or view; <c>input</c> blocks only in views.</summary>
    static void CheckBlocks(JsonArray blocks, bool inView, List<string> found, ref int total)
    {
        for (var i = 0; i < blocks.Count; i++)
        {
            var at = $"/blocks/{i}";
            if (blocks[i] is not JsonObject block) { found.Add($"{at} is not an object"); continue; }
            var type = (string?)block["type"];
            Id(block, "block_id", at, found);
            switch (type)
            {
                case "section":
                    var sectionText = block["text"];
                    var fields = block["fields"] as JsonArray;
                    if (sectionText is null && fields is null) found.Add($"{at}: section without text or fields");
                    if (sectionText is not null) Text(sectionText, 1, 3000, $"{at}/text", found, ref total);
                    if (fields is not null)
                    {
                        if (fields.Count > 10) found.Add($"{at}: {fields.Count} fields (max 10)");
                        for (var f = 0; f < fields.Count; f++) Text(fields[f], 1, 2000, $"{at}/fields/{f}", found, ref total);
                    }
                    break;
                case "header":
                    Text(block["text"], 1, 150, $"{at}/text", found, ref total, plainOnly: true);
                    break;
                case "context":
                    var elements = block["elements"] as JsonArray;
                    if (elements is null || elements.Count is 0 or > 10) found.Add($"{at}: context needs 1-10 elements");
                    else for (var e = 0; e < elements.Count; e++) Text(elements[e], 1, 3000, $"{at}/elements/{e}", found, ref total);
                    break;
                case "actions":
                    var actions = block["elements"] as JsonArray;
                    if (actions is null || actions.Count is 0 or > 25) { found.Add($"{at}: actions needs 1-25 elements"); break; }
                    for (var e = 0; e < actions.Count; e++)
                    {
                        var element = actions[e] as JsonObject;
                        var eat = $"{at}/elements/{e}";
                        if (element is not null && (string?)element["type"] is "static_select" or "external_select")
                        {
                            CheckElement(element, eat, found, ref total);
                            continue;
                        }
                        if ((string?)element?["type"] != "button") { found.Add($"{eat}: unexpected element"); continue; }
                        Text(element["text"], 1, 75, $"{eat}/text", found, ref total, plainOnly: true);
                        Id(element, "action_id", eat, found);
                        if (((string?)element["value"])?.Length > 2000) found.Add($"{eat}: value over 2000");
                        if (element["style"] is { } style && (string?)style is not ("primary" or "danger")) found.Add($"{eat}: bad style");
                        if (element["confirm"] is JsonObject confirm)
                        {
                            Text(confirm["title"], 1, 100, $"{eat}/confirm/title", found, ref total, plainOnly: true);
                            Text(confirm["text"], 1, 300, $"{eat}/confirm/text", found, ref total);
                            Text(confirm["confirm"], 1, 30, $"{eat}/confirm/confirm", found, ref total, plainOnly: true);
                            Text(confirm["deny"], 1, 30, $"{eat}/confirm/deny", found, ref total, plainOnly: true);
                        }
                    }
                    break;
                case "divider":
                    break;
                case "input" when inView:
                    CheckInput(block, at, found, ref total);
                    break;
                default:
                    found.Add($"{at}: unknown block type {type}");
                    break;
            }
        }
    }

    static void Id(JsonObject o, string name, string at, List<string> found)
    {
        if (o[name] is { } id && ((string?)id)?.Length is null or 0 or > 255) found.Add($"{at}/{name}: must be 1-255 characters");
    }

    static void Text(JsonNode? node, int min, int max, string at, List<string> found, ref int total, bool plainOnly = false)
    {
        if (node is not JsonObject o) { found.Add($"{at}: missing text object"); return; }
        var type = (string?)o["type"];
        if (type is not ("mrkdwn" or "plain_text") || (plainOnly && type != "plain_text")) found.Add($"{at}: bad text type {type}");
        var text = (string?)o["text"] ?? "";
        total += text.Length;
        if (text.Length < min || text.Length > max) found.Add($"{at}: {text.Length} characters (must be {min}-{max})");
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeSocketModeAsync();
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
