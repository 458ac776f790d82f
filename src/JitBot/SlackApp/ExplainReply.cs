using JitBot.Common;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack.BlockKit;
using JitBot.Slack.Dispatch;

namespace JitBot.SlackApp;

/// <summary>
/// The answer to <c>/access explain &lt;resource&gt; [for 2h]</c>: what would happen and why, from the engine's decision:
/// the outcome, the approvers and where they are asked, the duration and its bounds, whether a reason (or ticket) is
/// required, every rule that took part (deny rules win, and say so), the resource's tags and the requester's.
/// Nothing is stored. Ephemeral, one message of mrkdwn within a section's 3000 characters.
/// </summary>
public static class ExplainReply
{
    public static CommandReply From(ResourcePreview preview, TimeSpan? asked, IReadOnlyDictionary<string, IReadOnlyList<string>> requesterTags)
    {
        var d = preview.Effective;
        var resource = SlackText.Resource(preview.ResourceId);
        var lines = new List<string> { Headline(preview, asked) };

        if (preview.Outcome == PreviewOutcome.Denied)
        {
            lines.Add($"*Why:* {Mrkdwn.Escape(preview.Decision.Explanation)}");
            if (preview.Decision.Rules.Any(r => r.Effect == RuleEffect.Deny))
                lines.Add("A deny rule always wins, whatever other rules allow.");
        }
        else
        {
            lines.Add($"*Why:* {Mrkdwn.Escape(d.Explanation)}");
            if (preview.Approval is { } plan)
                lines.Add($"*Approvers:* {ResourcesReply.Approvers(plan)}{(plan.Channel.Length > 0 ? $", asked in {Mrkdwn.Channel(plan.Channel)}" : "")}; " +
                          $"never you; the request times out after {SlackText.Duration(plan.Timeout)}.");
            else if (preview.Outcome == PreviewOutcome.Approval)
                lines.Add("*Approvers:* named once the reason has the ticket the policy asks for.");
            if (preview.Durations is { } bounds)
                lines.Add($"*Duration:* {DurationLine(d, asked, bounds)}");
            lines.Add(preview.ReasonRequired
                ? "*Reason:* required. " + string.Join(" ", preview.Needs.Select(n => Mrkdwn.Escape(n.Message)))
                : "*Reason:* not required (always welcome: approvers and the audit log read it).");
        }

        var rules = preview.Effective.Rules.Count > 0 ? preview.Effective.Rules : preview.Decision.Rules;
        if (rules.Count > 0)
        {
            lines.Add("*Rules:*");
            foreach (var rule in rules)
                lines.Add($"• {Mrkdwn.Code(rule.RuleId)} ({Effect(rule.Effect)}): {Mrkdwn.Escape(rule.Role)}" +
                          (string.IsNullOrEmpty(rule.Message) ? "" : $" — {Mrkdwn.Escape(rule.Message)}"));
        }
        else if (preview.Resource is not null)
        {
            lines.Add("*Rules:* none matched, and what no rule allows is denied.");
        }
        if (preview.Resource is { } info)
            lines.Add($"*{resource} tags:* {SlackText.Tags(info.Tags)}");
        lines.Add($"*Your tags:* {YourTags(requesterTags)}");
        lines.Add(NextStep(preview, asked) + $" Policy `{SlackText.ShortVersion(d.PolicyVersion)}`; nothing was requested.");
        return new CommandReply(Mrkdwn.Truncate(string.Join('\n', lines), BlockLimits.SectionText));
    }

    static string Headline(ResourcePreview preview, TimeSpan? asked)
    {
        var resource = SlackText.Resource(preview.ResourceId);
        var forHow = asked is { } a ? $" for {SlackText.Duration(a)}" : "";
        var once = preview.ReasonRequired ? ", once you give a reason" : "";
        return preview.Outcome switch
        {
            PreviewOutcome.Automatic => $":white_check_mark: If you asked for {resource}{forHow} now, you would get it at once{once}.",
            PreviewOutcome.Approval when preview.Approval is { } plan =>
                $":hourglass_flowing_sand: If you asked for {resource}{forHow} now, it would need approval from {ResourcesReply.Approvers(plan)}{once}.",
            PreviewOutcome.Approval => $":hourglass_flowing_sand: If you asked for {resource}{forHow} now, it would need approval{once}.",
            _ => $":no_entry: If you asked for {resource}{forHow} now, it would be denied.",
        };
    }

    static string DurationLine(Decision d, TimeSpan? asked, DurationBounds bounds)
    {
        var granted = d.Duration?.Granted ?? bounds.Default;
        var line = asked is { } a && d.Duration is { Capped: true }
            ? $"{SlackText.Duration(granted)} (you asked for {SlackText.Duration(a)}; capped{(d.Duration.CappedByRule is { } by ? $" by {Mrkdwn.Code(by)}" : "")})"
            : asked is not null ? SlackText.Duration(granted) : $"{SlackText.Duration(granted)} by default";
        return $"{line}; at most {SlackText.Duration(bounds.Max)}.";
    }

    static string NextStep(ResourcePreview preview, TimeSpan? asked)
    {
        if (preview.Outcome == PreviewOutcome.Denied) return "Ask the team that owns it if you need it.";
        var forHow = asked is { } a ? $" for {DurationText.Format(a)}" : "";
        var because = preview.ReasonRequired ? " because <why>" : "";
        return $"To ask: `/access {Mrkdwn.Escape(preview.ResourceId)}{forHow}{Mrkdwn.Escape(because)}`.";
    }

    static string YourTags(IReadOnlyDictionary<string, IReadOnlyList<string>> tags) =>
        tags.Count == 0
            ? "none (the policy does not know you)"
            : string.Join(", ", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => Mrkdwn.Code($"{t.Key}={string.Join("|", t.Value)}")));

    static string Effect(RuleEffect effect) => effect switch
    {
        RuleEffect.Deny => "deny",
        RuleEffect.Allow => "allow",
        _ => "guard",
    };
}
