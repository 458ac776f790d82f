using JitBot.Incidents;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>
/// The final report of a channel-wide grant: who got it until when, and who did not and why; split into
/// messages within Slack's limits (the first replaces the progress message, the others follow in its thread).
/// </summary>
public static class ChannelGrantReport
{
    public static List<List<string>> Messages(string callerId, string resourceId, IReadOnlyList<MemberGrant> results, DateTimeOffset now)
    {
        var granted = results.Where(r => r.Grant is not null).ToList();
        var refused = results.Where(r => r.Grant is null).ToList();
        var lines = new List<string>
        {
            $":white_check_mark: {Mrkdwn.User(callerId)} granted {SlackText.Resource(resourceId)} channel-wide: {granted.Count} of {results.Count} members got it, {refused.Count} did not.",
        };
        lines.AddRange(granted.Select(r => $"• {Mrkdwn.User(r.UserId)}: until {SlackTime.When(r.Grant!.ExpiresAt, now)} (grant {SlackText.Id(r.Grant.Id)})"));
        lines.AddRange(refused.Select(r => $"• {Mrkdwn.User(r.UserId)}: not granted, {Mrkdwn.Escape(r.Why ?? "not allowed")}"));
        return MessageSections.Messages(lines);
    }
}
