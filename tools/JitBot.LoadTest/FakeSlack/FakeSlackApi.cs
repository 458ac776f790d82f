using System.Globalization;
using System.Text.Json;

namespace JitBot.LoadTest.FakeSlack;

/// <summary>
/// Stands in for Slack's Web API: every method answers a plausible <c>ok:true</c>, after a configurable latency,
/// and, with limits on, the posting methods are held to Slack's per-channel rate (HTTP 429 with
/// <c>Retry-After</c> when a channel's bucket is empty). Every call can be recorded for the analysis verbs.
/// It also takes the answers posted to a slash command's <c>response_url</c> (<c>/hooks/…</c>, recorded as the
/// method <c>response_url</c>), says who the token and its bot belong to (<c>auth.test</c>, <c>bots.info</c>), and keeps each user group's
/// members as <c>usergroups.users.update</c> last set them, so the Slack user group provider works against it.
/// </summary>
internal sealed class FakeSlackApi
{
    /// <summary>The methods Slack limits per channel ("about one message per second per channel, short bursts allowed").</summary>
    static readonly HashSet<string> PerChannel = ["chat.postMessage", "chat.update", "chat.postEphemeral"];

    readonly TimeSpan _latency;
    readonly TimeSpan _jitter;
    readonly TokenBuckets? _limits;
    readonly CallRecorder? _recorder;
    readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _groups = new();
    long _ts = 1_700_000_000L;

    FakeSlackApi(TimeSpan latency, TimeSpan jitter, TokenBuckets? limits, CallRecorder? recorder) =>
        (_latency, _jitter, _limits, _recorder) = (latency, jitter, limits, recorder);

    public static async Task RunAsync(Options o)
    {
        var port = o.Int("port", 5099);
        var latency = o.Duration("latency", TimeSpan.Zero);
        var jitter = o.Duration("jitter", TimeSpan.Zero);
        var limits = o.Flag("limits", false) ? new TokenBuckets(o.Double("limit-rate", 1), o.Int("limit-burst", 5)) : null;
        var record = o.Text("record");
        await using var recorder = record.Length > 0 ? new CallRecorder(record) : null;
        var fake = new FakeSlackApi(latency, jitter, limits, recorder);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapPost("/api/{method}", (string method, HttpRequest request) => fake.AnswerAsync(method, request));
        app.MapGet("/api/{method}", (string method, HttpRequest request) => fake.AnswerAsync(method, request));
        app.MapPost("/hooks/{**path}", (HttpRequest request) => fake.AnswerAsync(ResponseUrlMethod, request));
        var limitText = limits is null ? "off" : string.Create(CultureInfo.InvariantCulture, $"on ({o.Double("limit-rate", 1)}/s, burst {o.Int("limit-burst", 5)})");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fake Slack Web API on http://127.0.0.1:{port}/api/: latency {latency.TotalMilliseconds} ms ± {jitter.TotalMilliseconds} ms, per-channel limits {limitText}{(record.Length > 0 ? ", recording to " + record : "")}"));
        await app.RunAsync();
    }

    async Task<IResult> AnswerAsync(string method, HttpRequest request)
    {
        var received = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var (channel, text) = await ReadAsync(request);
        var delay = _latency + _jitter * (2 * Random.Shared.NextDouble() - 1);
        if (delay > TimeSpan.Zero) await Task.Delay(delay);

        if (_limits is not null && PerChannel.Contains(method) && _limits.Take(method + " " + channel, received) is var wait and > 0)
        {
            _recorder?.Record(received, method, 429, channel, text);
            var seconds = Math.Max(1, (int)Math.Ceiling(wait / 1000.0));
            request.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return Results.Text("""{"ok":false,"error":"ratelimited"}""", "application/json", statusCode: 429);
        }
        _recorder?.Record(received, method, 200, channel, text);
        if (method == "usergroups.users.update" && request.HasFormContentType)
        {
            var form = await request.ReadFormAsync();
            _groups[form["usergroup"].ToString()] = form["users"].ToString();
        }
        if (method == "usergroups.users.list")
        {
            var group = request.HasFormContentType ? (await request.ReadFormAsync())["usergroup"].ToString() : request.Query["usergroup"].ToString();
            var members = _groups.TryGetValue(group, out var list) ? list.Split(',', StringSplitOptions.RemoveEmptyEntries) : [];
            return Results.Json(new { ok = true, users = members });
        }
        return Answer(method, channel, Interlocked.Increment(ref _ts));
    }

    /// <summary>How an answer posted to a <c>response_url</c> is recorded.</summary>
    public const string ResponseUrlMethod = "response_url";

    /// <summary>The channel and text of a call: JSON bodies for posts, form fields or the query for reads.</summary>
    static async Task<(string? Channel, string? Text)> ReadAsync(HttpRequest request)
    {
        if (request.HasJsonContentType())
        {
            using var json = await JsonDocument.ParseAsync(request.Body);
            string? Field(string name) => json.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            // A message about several grants cuts its fallback text at 4,000 characters; its sections hold every line.
            var text = Field("text");
            if (text is not null && JitBot.LoadTest.Analysis.NoticeText.Kind(text) is JitBot.LoadTest.Analysis.NoticeKind.EndedDm or JitBot.LoadTest.Analysis.NoticeKind.GrantedDm
                && json.RootElement.TryGetProperty("blocks", out var blocks) && blocks.ValueKind == JsonValueKind.Array)
                text = string.Join("\n", blocks.EnumerateArray()
                    .Select(b => b.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.Object && t.TryGetProperty("text", out var x) ? x.GetString() : null)
                    .OfType<string>());
            return (Field("channel"), text);
        }
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync();
            return (form["channel"].FirstOrDefault() ?? form["user"].FirstOrDefault(), form["text"].FirstOrDefault());
        }
        return (request.Query["channel"].FirstOrDefault() ?? request.Query["user"].FirstOrDefault(), null);
    }

    /// <summary>A plausible answer; a post names the channel it was sent to, as Slack's does, so threads stay in it.</summary>
    static IResult Answer(string method, string? channel, long ts) => method switch
    {
        "auth.test" => Results.Text("""{"ok":true,"team_id":"T0LOAD","user_id":"U0LOADBOT","bot_id":"B0LOADBOT","team":"load","user":"jitbot"}""", "application/json"),
        "bots.info" => Results.Text("""{"ok":true,"bot":{"id":"B0LOADBOT","app_id":"A0LOADAPP","user_id":"U0LOADBOT","name":"jitbot"}}""", "application/json"),
        ResponseUrlMethod => Results.Text("ok", "text/plain"),
        "users.info" => Results.Text("""{"ok":true,"user":{"id":"U0LOADTEST1","name":"load","tz":"UTC"}}""", "application/json"),
        "conversations.info" => Results.Text("""{"ok":true,"channel":{"id":"C0LOAD","name":"load-test"}}""", "application/json"),
        _ => Results.Text($$"""{"ok":true,"channel":"{{(channel is { Length: > 0 } c && c.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '#' or '-' or '_' or '.') ? c : "C0LOAD")}}","ts":"{{ts}}.000100"}""", "application/json"),
    };
}
