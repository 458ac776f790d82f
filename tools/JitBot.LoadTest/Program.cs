using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using JitBot.LoadTest;

// jitbot-load: a fixed-rate load generator for the /access command, a stand-in Slack Web API, and a reader of the
// bot's grants that says how late they were revoked.
//   fake-slack --port 5099                      answer every Web API call with ok:true
//   run --url http://127.0.0.1:5000 --secret S [--rate 100] [--seconds 30] [--resources a,b] [--users U1,U2]
//       [--same-minute yes]                     durations chosen so every grant expires within one minute
//   grants --provider litedb|postgres --connection CS [--after <unix ms>]
var options = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("""
        usage:
          jitbot-load fake-slack [--port 5099]
          jitbot-load run --url <bot base url> --secret <signing secret> [--rate 100] [--seconds 30]
                          [--warmup 5] [--resources id1,id2] [--users U1,U2] [--command /access] [--same-minute yes]
          jitbot-load grants --provider litedb|postgres --connection <Storage:ConnectionString> [--after <unix ms>]
        """);
    return 2;
}

if (options.Verb == "fake-slack")
{
    await FakeSlackApi.RunAsync(options.Port, CancellationToken.None);
    return 0;
}

if (options.Verb == "grants")
{
    Console.WriteLine(await GrantTimes.ReadAsync(options));
    return 0;
}

var report = await LoadRun.RunAsync(options);
Console.WriteLine(report);
return report.Errors == 0 ? 0 : 1;

namespace JitBot.LoadTest
{
    internal sealed record Options(string Verb, Uri Url, string Secret, int Rate, int Seconds, int Warmup, string[] Resources,
        string[] Users, string Command, int Port, bool SameMinute, string Provider, string Connection, long After)
    {
        public static Options? Parse(string[] args)
        {
            if (args.Length == 0 || args[0] is not ("run" or "fake-slack" or "grants")) return null;
            var map = new Dictionary<string, string>();
            for (var i = 1; i < args.Length; i++)
            {
                if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) return null;
                map[args[i][2..]] = args[++i];
            }
            string Get(string key, string fallback) => map.TryGetValue(key, out var v) ? v : fallback;
            if (args[0] == "run" && (!map.ContainsKey("url") || !map.ContainsKey("secret"))) return null;
            if (args[0] == "grants" && (!map.ContainsKey("provider") || !map.ContainsKey("connection"))) return null;
            return new Options(args[0], new Uri(Get("url", "http://127.0.0.1:5000")), Get("secret", ""),
                int.Parse(Get("rate", "100"), CultureInfo.InvariantCulture),
                int.Parse(Get("seconds", "30"), CultureInfo.InvariantCulture),
                int.Parse(Get("warmup", "5"), CultureInfo.InvariantCulture),
                Get("resources", "dev-app-logs").Split(',', StringSplitOptions.RemoveEmptyEntries),
                Get("users", "U0LOADTEST1,U0LOADTEST2,U0LOADTEST3").Split(',', StringSplitOptions.RemoveEmptyEntries),
                Get("command", "/access"),
                int.Parse(Get("port", "5099"), CultureInfo.InvariantCulture),
                Get("same-minute", "no") == "yes",
                Get("provider", "litedb"),
                Get("connection", ""),
                long.Parse(Get("after", "0"), CultureInfo.InvariantCulture));
        }
    }

    sealed record Report(int Sent, int Errors, int Non200, double P50Ms, double P90Ms, double P99Ms, double MaxMs, double AchievedRate)
    {
        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"sent {Sent} at {AchievedRate:F1}/s: p50 {P50Ms:F2} ms, p90 {P90Ms:F2} ms, p99 {P99Ms:F2} ms, max {MaxMs:F2} ms; " +
            $"{Non200} non-200 answers, {Errors} errors");
    }

    static class LoadRun
    {
        public static async Task<Report> RunAsync(Options o)
        {
            using var http = new HttpClient(new SocketsHttpHandler
            {
                MaxConnectionsPerServer = 256,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            { BaseAddress = o.Url, Timeout = TimeSpan.FromSeconds(10) };

            if (o.Warmup > 0) await RunPhaseAsync(http, o, o.Warmup, record: false);
            return await RunPhaseAsync(http, o, o.Seconds, record: true);
        }

        static async Task<Report> RunPhaseAsync(HttpClient http, Options o, int seconds, bool record)
        {
            var total = o.Rate * seconds;
            var latencies = new double[total];
            var errors = 0;
            var non200 = 0;
            var tasks = new List<Task>(total);
            var clock = Stopwatch.StartNew();
            var started = DateTimeOffset.UtcNow;
            var interval = TimeSpan.FromSeconds(1.0 / o.Rate);
            // With --same-minute, every grant expires within one minute that starts a whole minute after the last is sent.
            var window = started + TimeSpan.FromMinutes(Math.Ceiling(total * interval.TotalMinutes) + 1);
            if (o.SameMinute && record)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"expiry window: {window:HH:mm:ss}-{window.AddMinutes(1):HH:mm:ss} UTC; expire-window-end={window.AddMinutes(1).ToUnixTimeMilliseconds()}"));
            for (var i = 0; i < total; i++)
            {
                // Open loop: request i is due at i × interval whatever happened to the others, and its latency
                // counts from when it was due, so a stalled server cannot hide its stall (coordinated omission).
                var due = interval * i;
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                var index = i;
                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        var duration = o.SameMinute ? $"{(int)Math.Ceiling((window - started - due).TotalMinutes)}m" : "1h";
                        using var response = await http.SendAsync(Signed(o, index, duration));
                        if (response.StatusCode != HttpStatusCode.OK) Interlocked.Increment(ref non200);
                        await response.Content.ReadAsByteArrayAsync();
                    }
                    catch (Exception)
                    {
                        Interlocked.Increment(ref errors);
                    }
                    latencies[index] = (clock.Elapsed - due).TotalMilliseconds;
                }));
            }
            await Task.WhenAll(tasks);
            var elapsed = clock.Elapsed.TotalSeconds;
            Array.Sort(latencies);
            double P(double q) => latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(q * latencies.Length) - 1)];
            var report = new Report(total, errors, non200, P(0.50), P(0.90), P(0.99), latencies[^1], total / elapsed);
            if (!record) Console.WriteLine("warm-up: " + report);
            return report;
        }

        static HttpRequestMessage Signed(Options o, int i, string duration)
        {
            // Every user with every resource before any pair repeats, so users × resources grants are all distinct.
            var user = o.Users[i % o.Users.Length];
            var resource = o.Resources[i / o.Users.Length % o.Resources.Length];
            var body = string.Join('&',
                "team_id=T0LOAD",
                "channel_id=C0LOAD",
                "channel_name=load-test",
                $"user_id={user}",
                "user_name=load",
                "command=" + Uri.EscapeDataString(o.Command),
                "text=" + Uri.EscapeDataString($"{resource} for {duration} because CHG-{i} load test"),
                "response_url=" + Uri.EscapeDataString("https://hooks.slack.invalid/commands/T0LOAD/1/x"),
                $"trigger_id=load.{i}");
            var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(o.Secret), Encoding.UTF8.GetBytes($"v0:{timestamp}:{body}"));
            var request = new HttpRequestMessage(HttpMethod.Post, "slack/commands")
            {
                Content = new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"),
            };
            request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
            request.Headers.Add("X-Slack-Signature", "v0=" + Convert.ToHexStringLower(mac));
            return request;
        }
    }

    /// <summary>Answers every Slack Web API method with a plausible ok:true, so a bot can run without Slack.</summary>
    static class FakeSlackApi
    {
        public static async Task RunAsync(int port, CancellationToken cancellationToken)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
            var app = builder.Build();
            var ts = 1_700_000_000L;
            app.MapPost("/api/{method}", (string method) => Answer(method, Interlocked.Increment(ref ts)));
            app.MapGet("/api/{method}", (string method) => Answer(method, Interlocked.Increment(ref ts)));
            Console.WriteLine($"fake Slack Web API on http://127.0.0.1:{port}/api/");
            await app.RunAsync(cancellationToken);
        }

        static IResult Answer(string method, long ts) => method switch
        {
            "usergroups.users.list" => Results.Text("""{"ok":true,"users":[]}""", "application/json"),
            "users.info" => Results.Text("""{"ok":true,"user":{"id":"U0LOADTEST1","name":"load","tz":"UTC"}}""", "application/json"),
            "conversations.info" => Results.Text("""{"ok":true,"channel":{"id":"C0LOAD","name":"load-test"}}""", "application/json"),
            _ => Results.Text($$"""{"ok":true,"channel":"C0LOAD","ts":"{{ts}}.000100"}""", "application/json"),
        };
    }
}
