using System.Globalization;
using JitBot.Common;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>Small pieces of mrkdwn shared by every JitBot message. Every piece of user text is escaped here.</summary>
public static class SlackText
{
    public static string Duration(TimeSpan duration) => DurationText.Humanize(RoundToMinute(duration));

    public static string Resource(string resourceId) => Mrkdwn.Code(resourceId);

    /// <summary>A request's short id as people type it, in a code span: "`7k2m9x`".</summary>
    public static string Id(RequestId id) => Mrkdwn.Code(id.Short);

    /// <summary>A grant's short id as people type it, in a code span: "`p3n8d2`".</summary>
    public static string Id(GrantId id) => Mrkdwn.Code(id.Short);

    /// <summary>
    /// A mention for a Slack user id ("U…", "W…"); null for anything else that can decide a request (the policy,
    /// JitBot itself), so that no raw id or actor name is shown as a person.
    /// </summary>
    public static string? Person(string? userId)
    {
        if (string.IsNullOrEmpty(userId) || userId[0] is not ('U' or 'W')) return null;
        var mention = Mrkdwn.User(userId);
        return mention.StartsWith("<@", StringComparison.Ordinal) ? mention : null;
    }

    /// <summary>The channel a request was made from: a mention for an id, otherwise "#name", or "a direct message".</summary>
    public static string AskedFrom(string? channelId, string? channelName)
    {
        if (!string.IsNullOrEmpty(channelId) && channelId[0] is 'C' or 'G') return Mrkdwn.Channel(channelId);
        if (!string.IsNullOrEmpty(channelName) && channelName != "directmessage" && channelName != "privategroup")
            return Mrkdwn.Channel(channelName);
        return "a direct message";
    }

    const int MentionedApprovers = 5;

    /// <summary>
    /// "@payments-oncall" as a mention when the group id is known (so the group is notified); listed people as
    /// mentions (the first five, then how many more); else the set's name.
    /// </summary>
    public static string Approvers(ApproverSet set)
    {
        if (set.SlackUserGroupId is not null) return Mrkdwn.UserGroup(set.SlackUserGroupId, set.Name);
        if (set.UserIds.Count is > 0 and <= MentionedApprovers) return string.Join(", ", set.UserIds.Select(Mrkdwn.User));
        if (set.UserIds.Count > MentionedApprovers)
            return string.Join(", ", set.UserIds.Take(MentionedApprovers).Select(Mrkdwn.User)) + $" and {set.UserIds.Count - MentionedApprovers} more";
        return Mrkdwn.Escape(set.Name);
    }

    /// <summary>"@payments-oncall" or "2 of @dba-team" for each requirement, joined with "and".</summary>
    public static string Requirements(ApprovalPlan plan) =>
        plan.Requirements.Count == 0
            ? "an approver"
            : string.Join(" and ", plan.Requirements.Select(r => r.Count > 1 ? $"{r.Count} of {Approvers(r.Approvers)}" : Approvers(r.Approvers)));

    public static string Tags(IReadOnlyDictionary<string, string>? tags) =>
        tags is null || tags.Count == 0
            ? "none"
            : string.Join(", ", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => Mrkdwn.Code($"{t.Key}={t.Value}")));

    public static string Rules(IReadOnlyList<RuleContribution> rules) =>
        rules.Count == 0 ? "none" : string.Join(", ", rules.Select(r => Mrkdwn.Code(r.RuleId)).Distinct());

    /// <summary>A reason as mrkdwn: escaped and quoted, or a note that none was given.</summary>
    public static string Reason(string? reason) => string.IsNullOrWhiteSpace(reason) ? "_none given_" : Mrkdwn.Escape(reason);

    public static string ShortVersion(string version)
    {
        var colon = version.IndexOf(':');
        var hex = colon >= 0 ? version[(colon + 1)..] : version;
        return hex.Length > 12 ? hex[..12] : hex;
    }

    static TimeSpan RoundToMinute(TimeSpan t) => TimeSpan.FromMinutes(Math.Round(t.TotalMinutes, MidpointRounding.AwayFromZero));

    public static string Count(int n, string one) => n.ToString(CultureInfo.InvariantCulture) + " " + (n == 1 ? one : one + "s");
}
