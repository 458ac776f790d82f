using JitBot.Grants;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>The answer to Revoke now or Extend, as mrkdwn: the lifecycle's sentence (escaped) and, for a grant still running, when it ends.</summary>
public static class GrantReplies
{
    public static string For(GrantActionOutcome outcome, DateTimeOffset now)
    {
        var icon = outcome.Verdict switch
        {
            GrantActionVerdict.Done => ":white_check_mark:",
            GrantActionVerdict.SentForApproval => ":hourglass_flowing_sand:",
            GrantActionVerdict.Pending => ":hourglass:",
            GrantActionVerdict.Refused or GrantActionVerdict.ReasonNeeded => ":no_entry:",
            _ => ":information_source:",
        };
        var end = outcome.Grant is { Grant: { State: Requests.GrantState.Active } grant, RevokedBy: null } && grant.ExpiresAt > now
            && outcome.Verdict is GrantActionVerdict.Done or GrantActionVerdict.Refused
            ? $" It ends {SlackTime.When(grant.ExpiresAt, now)}."
            : "";
        return $"{icon} {Mrkdwn.Escape(outcome.Message)}{end}";
    }
}
