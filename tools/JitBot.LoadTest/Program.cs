using JitBot.LoadTest;
using JitBot.LoadTest.Analysis;
using JitBot.LoadTest.FakeSlack;
using JitBot.LoadTest.Load;

// jitbot-load: a fixed-rate load generator for the /access command, a stand-in Slack Web API, and readers of what
// a run left behind (the bot's grants, the calls the stand-in served) that say how late revocations and notices were.
var options = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("""
        usage:
          jitbot-load fake-slack [--port 5099] [--latency 45ms] [--jitter 10ms] [--limits on] [--limit-rate 1]
                                 [--limit-burst 5] [--record calls.tsv]
              answers every Web API call with ok:true after latency ± jitter; with --limits on, chat.postMessage,
              chat.update and chat.postEphemeral are limited per channel (HTTP 429 with Retry-After);
              --record writes every call served (Unix ms, method, status, channel, text) to a file
          jitbot-load run --url <bot base url> --secret <signing secret> [--rate 100] [--seconds 30] [--warmup 5]
                          [--resources id1,id2] [--users U1,U2] [--command /access] [--same-minute yes]
                          [--offset 0] [--sent-log sent.tsv] [--response-base http://127.0.0.1:5099/hooks/]
              signed commands open loop at a fixed rate; --same-minute yes picks durations so all grants expire
              within one minute; --offset skips that many user × resource pairs; --sent-log writes each command;
              --response-base puts each command's response_url there (the fake Slack's /hooks/)
          jitbot-load grants --provider litedb|postgres --connection <Storage:ConnectionString> [--after <unix ms>]
              how late each grant was revoked
          jitbot-load notices --provider litedb|postgres --connection <cs> --calls calls.tsv [--after <unix ms>]
                              [--limit-rate 1 --limit-burst 5]
              revocation and expiry-notice lateness, stale "you have access" DMs, 429s per method
          jitbot-load backlog --calls calls.tsv --sent sent.tsv [--every 10]
              notice backlog over a steady run: depth and age of the oldest undelivered notice
        """);
    return 2;
}

switch (options.Verb)
{
    case "fake-slack":
        await FakeSlackApi.RunAsync(options);
        return 0;
    case "grants":
        Console.WriteLine(await GrantTimes.ReportAsync(options));
        return 0;
    case "notices":
        Console.WriteLine(await NoticeLateness.ReportAsync(options));
        return 0;
    case "backlog":
        Console.WriteLine(NoticeBacklog.Report(options));
        return 0;
    default:
        var report = await LoadRun.RunAsync(options);
        Console.WriteLine(report);
        return report.Errors == 0 ? 0 : 1;
}
