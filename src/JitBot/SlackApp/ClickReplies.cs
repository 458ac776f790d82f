using JitBot.Requests;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>
/// The ephemeral answer to an Approve or Deny click, as mrkdwn. People are mentions built from their Slack ids
/// and times are Slack date tokens, so every reader sees names and their own time zone. Where the lifecycle
/// adds a sentence of its own (what is still needed, why a click was refused) it is shown escaped.
/// </summary>
public static class ClickReplies
{
    /// <summary>The answer to a click on a request JitBot knows no message of: nothing changes.</summary>
    public const string Unknown =
        ":information_source: JitBot has no record of this request (it may be from before its data was reset), so this button does nothing. Nothing changed; the requester can ask again with `/access`.";

    public static string For(ApprovalOutcome outcome, DateTimeOffset now)
    {
        var request = outcome.Request;
        var text = (outcome.Verdict, request) switch
        {
            (ApprovalVerdict.Approved, { } r) when outcome.Grant is { } grant =>
                $"Approved: {Mrkdwn.User(r.RequesterId)} has {SlackText.Resource(r.ResourceId)} until {SlackTime.When(grant.ExpiresAt, now)} (grant {SlackText.Id(grant.Id)}).",
            (ApprovalVerdict.Rejected, { } r) =>
                $"You denied {Mrkdwn.User(r.RequesterId)}'s request for {SlackText.Resource(r.ResourceId)}; they will be told.",
            (ApprovalVerdict.AlreadyDecided, { } r) => AlreadyDecided(r, now),
            (ApprovalVerdict.RefusedSelf, { Decision.Approval: { } plan }) =>
                $"You can't approve or deny your own request; it needs {SlackText.Requirements(plan)}.",
            _ => string.IsNullOrWhiteSpace(outcome.Message) ? DefaultMessage(outcome.Verdict) : Mrkdwn.Escape(outcome.Message),
        };
        return $"{Icon(outcome.Verdict)} {text}";
    }

    static string AlreadyDecided(AccessRequest request, DateTimeOffset now)
    {
        var by = SlackText.Person(request.DecidedBy) is { } person ? $" by {person}" : "";
        var when = request.DecidedAt is { } at ? $" ({SlackTime.When(at, now)})" : "";
        return request.State switch
        {
            RequestState.Granted => $"This request was already approved{by}{when}; nothing changed.",
            RequestState.Rejected => $"This request was already denied{by}{when}; nothing changed.",
            RequestState.TimedOut => $"This request timed out{when} before anyone decided; {Mrkdwn.User(request.RequesterId)} can ask again.",
            RequestState.Denied => "The policy denied this request; there is nothing to approve.",
            RequestState.Failed => $"This request was approved{by}{when}, but the grant failed; {Mrkdwn.User(request.RequesterId)} can ask again.",
            _ => "Someone already decided this request; nothing changed.",
        };
    }

    static string Icon(ApprovalVerdict verdict) => verdict switch
    {
        ApprovalVerdict.Approved => ":white_check_mark:",
        ApprovalVerdict.Recorded => ":ballot_box_with_check:",
        ApprovalVerdict.Rejected => ":no_entry_sign:",
        ApprovalVerdict.RefusedSelf or ApprovalVerdict.RefusedNotApprover => ":no_entry:",
        ApprovalVerdict.GrantFailed => ":x:",
        _ => ":information_source:",
    };

    static string DefaultMessage(ApprovalVerdict verdict) => verdict switch
    {
        ApprovalVerdict.Approved => "You approved the request; access is granted.",
        ApprovalVerdict.Recorded => "Your approval counts; more approvers are needed.",
        ApprovalVerdict.Rejected => "You denied the request.",
        ApprovalVerdict.RefusedSelf => "You cannot approve or deny your own request; someone else from the approver group has to.",
        ApprovalVerdict.RefusedNotApprover => "You are not in the approver group for this request, so your click did not count.",
        ApprovalVerdict.AlreadyDecided => "Someone already decided this request; nothing changed.",
        ApprovalVerdict.AlreadyVoted => "You already approved this request; it still needs someone else.",
        ApprovalVerdict.NotFound => "JitBot does not know this request any more.",
        ApprovalVerdict.GrantFailed => "The request was approved, but granting access failed.",
        _ => "Done.",
    };
}
