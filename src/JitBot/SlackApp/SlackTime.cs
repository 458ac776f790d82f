using JitBot.Common;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>
/// Every time a person sees: a Slack date token, which each reader's client shows in their own time zone (with
/// the UTC time as the fallback for clients that cannot), followed by how far it is from now in words
/// (Humanizer's, to the minute): <c>&lt;!date^…|2026-03-02 11:00 UTC&gt; (in 2 hours)</c>.
/// </summary>
public static class SlackTime
{
    /// <summary>"&lt;!date…&gt; (in 2 hours)", "&lt;!date…&gt; (5 minutes ago)".</summary>
    public static string When(DateTimeOffset at, DateTimeOffset now) => $"{Mrkdwn.Date(at)} ({Relative(at, now)})";

    /// <summary>"in 2 hours", "2 hours, 5 minutes ago", "in under a minute", "just now" (rounded to the minute).</summary>
    public static string Relative(DateTimeOffset at, DateTimeOffset now)
    {
        var left = RoundToMinute(at - now);
        if (left == TimeSpan.Zero) return at >= now ? "in under a minute" : "just now";
        return left > TimeSpan.Zero ? "in " + DurationText.Humanize(left) : DurationText.Humanize(-left) + " ago";
    }

    /// <summary>Time left until <paramref name="at"/> in words ("2 hours, 5 minutes"), or "under a minute"; "none" once it passed.</summary>
    public static string Left(DateTimeOffset at, DateTimeOffset now)
    {
        if (at <= now) return "none";
        var left = RoundToMinute(at - now);
        return left == TimeSpan.Zero ? "under a minute" : DurationText.Humanize(left);
    }

    static TimeSpan RoundToMinute(TimeSpan t) => TimeSpan.FromMinutes(Math.Round(t.TotalMinutes, MidpointRounding.AwayFromZero));
}
