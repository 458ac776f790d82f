using JitBot.Requests;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>A Slack message's fallback text and blocks.</summary>
public sealed record SlackMessage(string Text, IReadOnlyList<Block> Blocks);

/// <summary>
/// The approval message in the owning team's channel. While the request is pending it carries Approve and
/// Deny buttons (their value is the request id); once decided, the same message shows the outcome and who
/// decided, without buttons.
/// </summary>
public static class ApprovalMessage
{
    public const string Kind = "approval";
    /// <summary>The message ref kind of the escalation's copy of the approval message (same buttons, in the escalation's channel).</summary>
    public const string EscalationKind = "approval.escalation";
    /// <summary>Every message of a request that carries Approve and Deny buttons while it is pending.</summary>
    public static readonly IReadOnlyList<string> Kinds = [Kind, EscalationKind];
    public const string ApproveActionId = "jitbot.approve";
    public const string DenyActionId = "jitbot.deny";

    /// <param name="escalation">The copy posted to the escalation's approvers: it says why it reached them.</param>
    public static SlackMessage Build(AccessRequest request, Grant? grant, DateTimeOffset now, bool escalation = false)
    {
        var decision = request.Decision;
        var resource = SlackText.Resource(request.ResourceId);
        var requester = Mrkdwn.User(request.RequesterId);
        var duration = decision.Duration?.Granted ?? request.RequestedDuration;
        var durationText = duration is { } d ? SlackText.Duration(d) : "the policy default";
        if (decision.Duration is { Capped: true, Requested: { } asked })
            durationText += $" (asked for {SlackText.Duration(asked)}, capped by policy)";

        var approvals = request.Votes.Where(v => v.Approve).ToList();
        var fields = new List<string>
        {
            $"*Requester*\n{requester}",
            $"*Resource*\n{resource}",
            $"*Duration*\n{durationText}",
            $"*Asked from*\n{SlackText.AskedFrom(request.ChannelId, request.ChannelName)}",
            $"*Approvers needed*\n{(decision.Approval is { } plan ? SlackText.Requirements(plan) : "none")}",
            $"*Rule*\n{SlackText.Rules(decision.Rules)}",
        };
        if (decision.Resource?.Tags is { Count: > 0 } tags) fields.Add($"*Tags*\n{SlackText.Tags(tags)}");

        var escalatedTo = decision.Approval?.Escalation is { } e && request.EscalatedAt is { } escalatedAt ? (e, escalatedAt) : default;
        var blocks = new List<Block?>
        {
            Blocks.Header($"{(escalation ? "Escalated" : "Access")} request: {request.ResourceId}"),
            escalation && escalatedTo.e is { } esc
                ? Blocks.Section($":rotating_light: Escalated to {SlackText.Approvers(esc.Approvers)}: nobody from {(decision.Approval is { } p0 ? SlackText.Requirements(p0) : "the approvers")} decided within {SlackText.Duration(esc.After)}. You may approve or deny it now.")
                : null,
            Blocks.Section($"{requester} asks for access to {resource} for {durationText}."),
            Blocks.Fields(fields),
            Blocks.Section($"*Reason*\n{SlackText.Reason(request.Reason)}"),
        };

        string status;
        switch (request.State)
        {
            case RequestState.Pending:
                if (approvals.Count > 0)
                    blocks.Add(Blocks.Context($":ballot_box_with_check: Approved so far by {string.Join(", ", approvals.Select(v => Mrkdwn.User(v.ApproverId)))}; more approvals needed."));
                if (!escalation && escalatedTo.e is { } sent)
                    blocks.Add(Blocks.Context($":rotating_light: Escalated to {SlackText.Approvers(sent.Approvers)} {SlackTime.When(escalatedTo.escalatedAt, now)}; they may decide it too."));
                blocks.Add(Blocks.Context($":hourglass_flowing_sand: Times out {SlackTime.When(RequestService.TimeoutAt(request), now)} if nobody decides."));
                blocks.Add(Buttons(request, durationText));
                status = "waiting for approval";
                break;
            case RequestState.Granted:
                var by = approvals.Count > 0 ? string.Join(", ", approvals.Select(v => Mrkdwn.User(v.ApproverId))) : Who(request.DecidedBy);
                var until = grant is null ? "" : $" Access until {SlackTime.When(grant.ExpiresAt, now)}.";
                blocks.Add(Blocks.Section($":white_check_mark: *Approved* by {by}.{until}"));
                status = "approved";
                break;
            case RequestState.Rejected:
                blocks.Add(Blocks.Section(string.IsNullOrWhiteSpace(request.DenialReason)
                    ? $":no_entry_sign: *Denied* by {Who(request.DecidedBy)}."
                    : $":no_entry_sign: *Denied* by {Who(request.DecidedBy)}: {SlackText.Reason(request.DenialReason)}"));
                status = "denied";
                break;
            case RequestState.TimedOut:
                blocks.Add(Blocks.Section($":hourglass: *Timed out*: nobody decided {(decision.Approval is { } p ? "within " + SlackText.Duration(p.Timeout) : "in time")}. {requester} can ask again."));
                status = "timed out";
                break;
            case RequestState.Failed:
                blocks.Add(Blocks.Section($":x: *Approved* by {Who(request.DecidedBy)}, but granting failed: nothing was granted."));
                status = "approved, grant failed";
                break;
            default:
                blocks.Add(Blocks.Section($"*{Mrkdwn.Escape(request.State.ToString())}*"));
                status = request.State.ToString().ToLowerInvariant();
                break;
        }
        var grantId = grant is null ? "" : $" · grant {SlackText.Id(grant.Id)}";
        blocks.Add(Blocks.Context($"Request {SlackText.Id(request.Id)}{grantId} · policy `{SlackText.ShortVersion(decision.PolicyVersion)}`"));

        var text = $"Access request from {requester} for {resource} ({status})";
        return new SlackMessage(text, Blocks.Message(blocks));
    }

    static ActionsBlock Buttons(AccessRequest request, string durationText)
    {
        var id = request.Id.Value;
        var confirm = Blocks.Confirm(
            "Approve access?",
            $"Give {Mrkdwn.User(request.RequesterId)} access to {SlackText.Resource(request.ResourceId)} for {durationText}?",
            "Approve", "Cancel");
        return Blocks.Actions($"approval:{id}",
            Blocks.Button("Approve", ApproveActionId, id, "primary", confirm),
            Blocks.Button("Deny", DenyActionId, id, "danger"));
    }

    static string Who(string? userId) => string.IsNullOrEmpty(userId) ? "an approver" : Mrkdwn.User(userId);
}
