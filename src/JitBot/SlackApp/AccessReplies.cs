using JitBot.Commands;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack.BlockKit;
using JitBot.Slack.Dispatch;

namespace JitBot.SlackApp;

/// <summary>The ephemeral replies to <c>/access</c>, answered inside the 3-second acknowledgement.</summary>
public static class AccessReplies
{
    /// <summary>The grammar and examples; escaped whole, so that "&lt;resource&gt;" shows as typed.</summary>
    public static CommandReply Help(string command, IReadOnlyList<string> resourceIds) =>
        new(Mrkdwn.Escape(AccessHelp.Text(command, resourceIds)));

    public static CommandReply Invalid(string message) =>
        new($":warning: {Mrkdwn.Escape(message)}\nType `/access help` for the grammar and examples.");

    public static CommandReply UnknownResource(string typed, IReadOnlyList<string> suggestions)
    {
        var text = $":grey_question: There is no resource called {SlackText.Resource(typed)}.";
        if (suggestions.Count > 0)
            text += " Did you mean " + string.Join(", ", suggestions.Select(SlackText.Resource)) + "?";
        else
            text += " Check the id with the team that owns it.";
        return new(text);
    }

    public static CommandReply Trouble() =>
        new(":warning: JitBot could not record your request just now, so nothing was granted. Try again in a minute; if it keeps failing, tell the team that runs JitBot.");

    public static CommandReply Slow(string resourceId) =>
        new($":hourglass_flowing_sand: JitBot is still working on your request for {SlackText.Resource(resourceId)}; the answer follows in a moment, here or as a direct message.");

    public static CommandReply From(SubmitOutcome outcome, DateTimeOffset now)
    {
        var request = outcome.Request;
        var decision = request.Decision;
        var resource = SlackText.Resource(request.ResourceId);
        switch (request.State)
        {
            case RequestState.Granted when outcome.Grant is { } grant:
                var granted = outcome.Provisioning is null
                    ? $":white_check_mark: Access to {resource} granted for {SlackText.Duration(grant.ExpiresAt - grant.GrantedAt)}, " +
                      $"until {SlackTime.When(grant.ExpiresAt, now)} (grant {SlackText.Id(grant.Id)})."
                    : $":white_check_mark: Access to {resource} approved for {SlackText.Duration(grant.ExpiresAt - grant.GrantedAt)}, " +
                      $"until {SlackTime.When(grant.ExpiresAt, now)} (grant {SlackText.Id(grant.Id)}). JitBot is setting it up now " +
                      "and sends you a direct message once it is in place.";
                if (decision.Duration is { Capped: true, Requested: { } asked })
                    granted += $" You asked for {SlackText.Duration(asked)}; the policy allows at most {SlackText.Duration(decision.Duration.Granted)}.";
                return new(granted + $"\n_{Mrkdwn.Escape(decision.Explanation)}_");

            case RequestState.Granted:
                return new($":white_check_mark: Access to {resource} granted. You will get a direct message with the exact expiry.");

            case RequestState.Pending when decision.Approval is { } plan:
                var pending = $":hourglass_flowing_sand: Request {SlackText.Id(request.Id)} sent to {Mrkdwn.Channel(plan.Channel)}, waiting for {SlackText.Requirements(plan)}. " +
                              $"You will get a direct message when someone decides (the request times out {SlackTime.When(now + plan.Timeout, now)}).";
                return new(pending + $"\n_{Mrkdwn.Escape(decision.Explanation)}_");

            case RequestState.Pending:
                return new($":hourglass_flowing_sand: Your request for {resource} (request {SlackText.Id(request.Id)}) is waiting for approval. You will get a direct message when someone decides.");

            case RequestState.Failed:
                return new($":x: Access to {resource} was approved, but granting it failed. Nothing was granted; try again later or ask the team that owns {resource}.");

            default:
                return Denied(request);
        }
    }

    static CommandReply Denied(AccessRequest request)
    {
        var decision = request.Decision;
        var lines = new List<string> { $":no_entry: Access to {SlackText.Resource(request.ResourceId)} denied. {Mrkdwn.Escape(decision.Explanation)}" };
        foreach (var problem in decision.FieldProblems)
            lines.Add($"• *{Mrkdwn.Escape(problem.Field)}*: {Mrkdwn.Escape(problem.Message)}");
        foreach (var rule in decision.Rules.Where(r => r.Effect == RuleEffect.Deny && !string.IsNullOrEmpty(r.Message)))
            lines.Add($"• {Mrkdwn.Code(rule.RuleId)}: {Mrkdwn.Escape(rule.Message)}");
        if (decision.FieldProblems.Count > 0)
            lines.Add($"Fix that and ask again, e.g. `/access {Mrkdwn.Escape(request.ResourceId)} for 2h because &lt;what you are doing&gt;`.");
        return new(Mrkdwn.Truncate(string.Join('\n', lines), BlockLimits.SectionText));
    }
}
