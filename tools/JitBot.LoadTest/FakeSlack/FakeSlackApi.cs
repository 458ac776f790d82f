using System.Globalization;
using System.Text.Json;

namespace JitBot.LoadTest.FakeSlack;

/// <summary>
/// Stands in for Slack's Web API: every method answers a plausible <c>ok:true</c>, after a configurable latency,
/// and, with limits on, the posting methods are held to Slack's per-channel rate (HTTP 429 with
/// <c>Retry-After</c> when a channel's bucket is empty). Every call can be recorded for the analysis verbs.
/// </summary>
internal sealed class FakeSlackApi
{
    /// <summary>The methods Slack limits per channel ("about one message per second per channel, short bursts allowed").</summary>
    static readonly HashSet<string> PerChannel = ["chat.postMessage", "chat.update", "chat.postEphemeral"];

    readonly TimeSpan _latency;
    readonly TimeSpan _jitter;
    readonly TokenBuckets? _limits;
    readonly CallRecorder? _recorder;
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
        return Answer(method, channel, Interlocked.Increment(ref _ts));
    }

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
        "usergroups.users.list" => Results.Text("""{"ok":true,"users":[]}""", "application/json"),
        "users.info" => Results.Text("""{"ok":true,"user":{"id":"U0LOADTEST1","name":"load","tz":"UTC"}}""", "application/json"),
        "conversations.info" => Results.Text("""{"ok":true,"channel":{"id":"C0LOAD","name":"load-test"}}""", "application/json"),
        _ => Results.Text($$"""{"ok":true,"channel":"{{(channel is { Length: > 0 } c && c.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '#' or '-' or '_' or '.') ? c : "C0LOAD")}}","ts":"{{ts}}.000100"}""", "application/json"),
    };
}
