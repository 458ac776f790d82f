using JitBot.Slack.Api;

namespace JitBot.SlackApp;

/// <summary>Which failures of a Slack call may pass if the call is made again, and which will not.</summary>
public static class SlackFailures
{
    static readonly HashSet<string> Passing = new(StringComparer.Ordinal)
    {
        "request_failed", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
        "rate_limited", "ratelimited", "invalid_response", "unknown_error",
    };

    /// <summary>
    /// A 5xx, a timeout or a failed connection, Slack's <c>internal_error</c> and the like, a rate limit: worth
    /// another try. <c>channel_not_found</c>, <c>expired_url</c>, a 4xx: not.
    /// </summary>
    public static bool MayPass(Exception e, CancellationToken cancellationToken) => e switch
    {
        SlackApiException s => Passing.Contains(s.Error) || s.Error.StartsWith("http_5", StringComparison.Ordinal),
        HttpRequestException => true,
        // HttpClient's own timeout, not the caller giving up.
        TaskCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };
}
