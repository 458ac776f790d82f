using System.Diagnostics.Metrics;

namespace JitBot.Slack.Api;

/// <summary>
/// What <see cref="SlackApiClient"/> counts on the meter it is given (the host's <c>JitBot</c> meter): Web API calls
/// that failed, by method and Slack's error code (<c>jitbot.slack.api.errors</c>), and HTTP 429 answers, by method
/// (<c>jitbot.slack.api.rate_limited</c>). Tags are bounded: methods are JitBot's own, and an error that is not a
/// short Slack-style code (<c>channel_not_found</c>, <c>http_503</c>) is counted as <c>other</c>.
/// </summary>
public sealed class SlackApiMetrics
{
    public const string ErrorsInstrument = "jitbot.slack.api.errors";
    public const string RateLimitedInstrument = "jitbot.slack.api.rate_limited";

    readonly Counter<long> errors;
    readonly Counter<long> rateLimited;

    public SlackApiMetrics(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        errors = meter.CreateCounter<long>(ErrorsInstrument, "{call}",
            "Slack Web API calls that failed: ok:false, an HTTP error, no answer, or still rate limited after the retries");
        rateLimited = meter.CreateCounter<long>(RateLimitedInstrument, "{response}",
            "HTTP 429 (rate limited) answers from Slack's Web API");
    }

    /// <summary>One call to <paramref name="method"/> failed with <paramref name="error"/>.</summary>
    public void Failed(string method, string error) =>
        errors.Add(1, new KeyValuePair<string, object?>("method", method), new KeyValuePair<string, object?>("error", Code(error)));

    /// <summary>Slack answered a call to <paramref name="method"/> with HTTP 429.</summary>
    public void RateLimited(string method) => rateLimited.Add(1, new KeyValuePair<string, object?>("method", method));

    /// <summary>Slack's error code as a tag: lower-case letters, digits and underscores, at most 40; anything else is <c>other</c>.</summary>
    public static string Code(string error) =>
        error.Length is > 0 and <= 40 && error.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_') ? error : "other";
}
