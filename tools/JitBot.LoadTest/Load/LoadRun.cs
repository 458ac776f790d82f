using System.Diagnostics;
using System.Globalization;
using System.Net;
using JitBot.LoadTest.Analysis;

namespace JitBot.LoadTest.Load;

/// <summary>What one run of commands gave: acknowledgement latency, counted from when each command was due, and the rate they went out at.</summary>
internal sealed record Report(int Sent, int Errors, int Non200, int Slow, Percentiles Latency, double AchievedRate)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"sent {Sent} at {AchievedRate:F1}/s: {Latency.Summary()}; {Non200} non-200 answers, {Errors} errors, {Slow} \"still working\" answers");
}

/// <summary>
/// Sends signed <c>/access</c> commands open loop at a fixed rate and times their acknowledgements; with
/// <c>--sent-log</c>, writes each command (index, user, resource, when it was due, latency, status) to a file.
/// </summary>
internal static class LoadRun
{
    sealed record Sent(int Index, string User, string Resource, long DueMs, double LatencyMs, int Status, bool Slow);

    /// <summary>The bot's answer when a command outruns its acknowledgement budget: the real answer follows by DM.</summary>
    const string StillWorking = "is still working on your request";

    public static async Task<Report> RunAsync(Options o)
    {
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 256,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        { BaseAddress = new Uri(o.Text("url")), Timeout = TimeSpan.FromSeconds(10) };

        var warmup = o.Int("warmup", 5);
        var offset = o.Int("offset", 0);
        if (warmup > 0) await RunPhaseAsync(http, o, warmup, offset, record: false);
        return await RunPhaseAsync(http, o, o.Int("seconds", 30), offset + o.Int("rate", 100) * warmup, record: true);
    }

    static async Task<Report> RunPhaseAsync(HttpClient http, Options o, int seconds, int offset, bool record)
    {
        var rate = o.Int("rate", 100);
        var users = o.List("users", "U0LOADTEST1,U0LOADTEST2,U0LOADTEST3");
        var resources = o.List("resources", "dev-app-logs");
        var command = o.Text("command", "/access");
        var secret = o.Text("secret");
        var sameMinute = o.Flag("same-minute", false);
        var responseBase = o.Text("response-base");
        var total = rate * seconds;
        var sent = new Sent[total];
        var tasks = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        var started = DateTimeOffset.UtcNow;
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        // With --same-minute, every grant expires within one minute that starts a whole minute after the last is sent.
        var window = started + TimeSpan.FromMinutes(Math.Ceiling(total * interval.TotalMinutes) + 1);
        if (sameMinute && record)
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
                var n = offset + index;
                var (user, resource) = SlashCommand.Pick(users, resources, n);
                var status = 0;
                var slow = false;
                try
                {
                    var duration = sameMinute ? $"{(int)Math.Ceiling((window - started - due).TotalMinutes)}m" : "1h";
                    using var response = await http.SendAsync(SlashCommand.Signed(secret, command, n, user, resource, duration, responseBase));
                    slow = (await response.Content.ReadAsStringAsync()).Contains(StillWorking, StringComparison.Ordinal);
                    status = (int)response.StatusCode;
                }
                catch (Exception)
                {
                    status = -1;
                }
                sent[index] = new Sent(n, user, resource, (started + due).ToUnixTimeMilliseconds(), (clock.Elapsed - due).TotalMilliseconds, status, slow);
            }));
        }
        // The rate the commands went out at: up to the last one's start, not counting the wait for the slowest answers.
        var sending = Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
        await Task.WhenAll(tasks);
        var report = new Report(total, sent.Count(s => s.Status < 0), sent.Count(s => s.Status > 0 && s.Status != (int)HttpStatusCode.OK),
            sent.Count(s => s.Slow), new Percentiles(sent.Select(s => s.LatencyMs)), total / sending);
        if (!record) Console.WriteLine("warm-up: " + report);
        else if (o.Text("sent-log") is { Length: > 0 } path)
            await File.WriteAllLinesAsync(path, sent.Select(s => string.Create(CultureInfo.InvariantCulture,
                $"{s.Index}\t{s.User}\t{s.Resource}\t{s.DueMs}\t{s.LatencyMs:F2}\t{s.Status}")));
        return report;
    }
}
