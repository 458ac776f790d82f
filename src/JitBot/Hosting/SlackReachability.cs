using JitBot.Common;
using JitBot.Slack.Api;

namespace JitBot.Hosting;

/// <summary>
/// Whether Slack's Web API answers this replica, for <c>/readyz</c>: Slack is asked with <c>auth.test</c> at most once
/// every <see cref="CheckEvery"/> (only while something asks), and a probe waits at most <see cref="WaitAtMost"/> for
/// a check under way, else it gets the previous answer. So readiness never waits on Slack for long and cannot be used
/// to hammer it. A 429 counts as reachable (Slack answered; it only asks to slow down). A change either way is logged
/// once.
/// </summary>
public sealed class SlackReachability(ISlackApiClient slack, TimeProvider time, ILogger<SlackReachability> logger)
{
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan WaitAtMost = TimeSpan.FromSeconds(2);
    static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    const string NotYet = "Slack has not answered auth.test yet; JitBot cannot tell whether it can post to Slack.";

    readonly Lock gate = new();
    Task<string?>? check;
    DateTimeOffset startedAt;
    string? lastAnswer = NotYet;

    /// <summary>Why Slack cannot be used from here, in one sentence, or null when it answered its latest check.</summary>
    public async Task<string?> ProblemAsync(CancellationToken cancellationToken)
    {
        Task<string?> current;
        lock (gate)
        {
            var now = time.GetUtcNow();
            if (check is null || (check.IsCompleted && now - startedAt >= CheckEvery))
            {
                startedAt = now;
                check = CheckAsync();
            }
            current = check;
        }
        try
        {
            return await current.WaitAsync(WaitAtMost, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return Volatile.Read(ref lastAnswer);
        }
    }

    async Task<string?> CheckAsync()
    {
        string? problem;
        using var timeout = new CancellationTokenSource(AttemptTimeout, time);
        try
        {
            using (SlackApiClient.WithoutWaiting())
                await slack.Auth.TestAsync(timeout.Token).ConfigureAwait(false);
            problem = null;
        }
        catch (SlackRateLimitedException)
        {
            problem = null;
        }
        catch (SlackApiException e)
        {
            problem = Explain(e.Error);
        }
        catch (OperationCanceledException)
        {
            problem = $"Slack did not answer auth.test within {AttemptTimeout.TotalSeconds:0} s; JitBot cannot post approvals or notices from here.";
        }
        catch (Exception e)
        {
            problem = $"Slack could not be asked ({e.GetType().Name}); JitBot cannot post approvals or notices from here.";
        }
        Report(problem);
        return problem;
    }

    static string Explain(string error)
    {
        var code = LogText.Safe(error);
        return error switch
        {
            "invalid_auth" or "not_authed" or "token_revoked" or "token_expired" or "account_inactive" =>
                $"Slack refuses the bot token (auth.test answered {code}): check Slack:BotToken; JitBot cannot post to Slack until it is fixed.",
            "request_failed" =>
                "Slack cannot be reached (auth.test could not connect); JitBot cannot post approvals or notices from here.",
            _ => $"Slack's Web API is not working for JitBot (auth.test answered {code}); JitBot cannot post approvals or notices from here.",
        };
    }

    void Report(string? problem)
    {
        var before = Interlocked.Exchange(ref lastAnswer, problem);
        if (problem is not null && problem != before)
            logger.LogWarning("Slack cannot be used from this replica: {Problem}", problem);
        else if (problem is null && before is not null && before != NotYet)
            logger.LogInformation("Slack answers auth.test again");
    }
}
