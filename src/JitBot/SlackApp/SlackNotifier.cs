using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>
/// Tells people in Slack what happened to a request: the approval message in the owning team's channel
/// (updated in place as the request moves on), lifecycle replies in its thread, and direct messages to the
/// requester. Calls can repeat (the outbox retries): every post is remembered as a message ref under its own
/// kind, and a post that is already remembered is not sent again. Posts come first and the update of the
/// approval message last, so a notice deferred by Slack's limits (<see cref="SlackDeferral"/>) makes progress
/// on every try. Each notice says what is true when it is sent: the request and grant are read at delivery.
/// </summary>
public sealed class SlackNotifier(ISlackApiClient slack, IMessageRefStore refs, IncidentAnnouncements incidents, TimeProvider time, ILogger<SlackNotifier> logger)
    : IAccessNotifier
{
    /// <summary>The message-ref kinds of the "you have access" and the "your access ended" DMs (also of <see cref="SlackGroupedGrantNotifier"/>).</summary>
    internal const string GrantedDm = "dm.granted", EndedDm = "dm.ended";

    public Task ApprovalNeededAsync(AccessRequest request, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(async () =>
        {
            await PostApprovalMessageAsync(request, cancellationToken);
            await incidents.AnnounceAsync(request, null, cancellationToken);
        });

    /// <summary>
    /// Posts the approval message in the request's state at delivery: a request decided before its notice went
    /// out (Slack or JitBot was down) gets its outcome without buttons, never buttons that no longer work.
    /// </summary>
    async Task PostApprovalMessageAsync(AccessRequest request, CancellationToken cancellationToken)
    {
        if (request.Decision.Approval is not { } plan)
        {
            logger.LogWarning("Request {RequestId} needs approval but its decision has no approval plan; nothing posted", request.Id);
            return;
        }
        if (await refs.FindAsync(request.Id, ApprovalMessage.Kind, cancellationToken) is not null) return;

        var message = ApprovalMessage.Build(request, null, time.GetUtcNow());
        var posted = await slack.Chat.PostMessageAsync(new ChatMessage(plan.Channel, message.Text, message.Blocks), cancellationToken);
        await refs.SaveAsync(new MessageRef(request.Id, ApprovalMessage.Kind, posted.Channel, posted.Ts), cancellationToken);
        logger.LogInformation("Posted approval message for {RequestId} to {Channel}", request.Id, posted.Channel);
    }

    public Task ApprovalRecordedAsync(AccessRequest request, ApprovalVote vote, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(async () =>
        {
            // "More approvals are needed" only while it is true; a request decided since says so in its own reply.
            var more = request.State == RequestState.Pending ? " More approvals are needed before access is granted." : "";
            await ThreadReplyOnceAsync(request, $"thread.vote.{vote.ApproverId}", $"{Mrkdwn.User(vote.ApproverId)} approved.{more}", cancellationToken);
            await UpdateApprovalMessageAsync(request, null, cancellationToken);
        });

    public Task RequestClosedAsync(AccessRequest request, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(async () =>
        {
            await TellClosedAsync(request, cancellationToken);
            await incidents.AnnounceAsync(request, null, cancellationToken);
        });

    async Task TellClosedAsync(AccessRequest request, CancellationToken cancellationToken)
    {
        var resource = request.ExtendsGrant is { } extends
            ? $"more time on grant {SlackText.Id(extends)} of {SlackText.Resource(request.ResourceId)} (request {SlackText.Id(request.Id)}; the grant keeps its end)"
            : $"{SlackText.Resource(request.ResourceId)} (request {SlackText.Id(request.Id)})";
        var (thread, dm) = request.State switch
        {
            RequestState.TimedOut => (
                $":hourglass: Timed out: nobody decided in time. {Mrkdwn.User(request.RequesterId)} was told.",
                $":hourglass: Your request for {resource} timed out: nobody approved it in time. Nothing was granted; ask again with `/access {Mrkdwn.Escape(request.ResourceId)}` if you still need it."),
            RequestState.Rejected when request.DecidedBy == RequestService.SystemActor => (
                ":no_entry_sign: Closed: the incident it was asked under ended.",
                $":no_entry_sign: Your request for {resource} was closed because the incident it was asked under ended. Nothing was granted."),
            RequestState.Rejected when !string.IsNullOrWhiteSpace(request.DenialReason) => (
                $":no_entry_sign: Denied by {Who(request.DecidedBy)}: {SlackText.Reason(request.DenialReason)}",
                $":no_entry_sign: {Who(request.DecidedBy)} denied your request for {resource}. Their reason: {SlackText.Reason(request.DenialReason)}\nNothing was granted."),
            RequestState.Rejected => (
                $":no_entry_sign: Denied by {Who(request.DecidedBy)}.",
                $":no_entry_sign: {Who(request.DecidedBy)} denied your request for {resource}. Nothing was granted; ask them why, or ask again with more detail."),
            _ => (
                $"Closed: {Mrkdwn.Escape(request.State.ToString())}.",
                $"Your request for {resource} was closed ({Mrkdwn.Escape(request.State.ToString())}); nothing was granted."),
        };
        await ThreadReplyOnceAsync(request, "thread.closed", thread, cancellationToken);
        await DirectMessageOnceAsync(request, "dm.closed", dm, cancellationToken);
        await UpdateApprovalMessageAsync(request, null, cancellationToken);
    }

    public Task GrantStartedAsync(AccessRequest request, Grant grant, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(async () =>
        {
            await TellStartedAsync(request, grant, cancellationToken);
            await incidents.AnnounceAsync(request, grant, cancellationToken);
            await UpdateApprovalMessageAsync(request, grant, cancellationToken);
        });

    async Task TellStartedAsync(AccessRequest request, Grant grant, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var until = SlackTime.When(grant.ExpiresAt, now);
        var duration = SlackText.Duration(grant.ExpiresAt - grant.GrantedAt);
        await ThreadReplyOnceAsync(request, "thread.granted",
            $":white_check_mark: Granted to {Mrkdwn.User(request.RequesterId)} for {duration}, until {until} (grant {SlackText.Id(grant.Id)}).", cancellationToken);
        if (HasEnded(grant, now))
        {
            // Delivered late (JitBot was down, or Slack was): "you have access" would be false now. The notice
            // of the end says when it was granted instead.
            logger.LogInformation("Grant {GrantId} ended before its start was told; no 'you have access' message for {RequestId}", grant.Id, request.Id);
            return;
        }
        var how = request.Votes.Any(v => v.Approve)
            ? $"approved by {string.Join(", ", request.Votes.Where(v => v.Approve).Select(v => Mrkdwn.User(v.ApproverId)))}"
            : "approved by policy";
        await DirectMessageOnceAsync(request, GrantedDm,
            $":white_check_mark: You have access to {SlackText.Resource(request.ResourceId)} for {duration} ({how}). It ends {until}. Grant {SlackText.Id(grant.Id)}.",
            cancellationToken);
    }

    public Task GrantEndedAsync(AccessRequest request, Grant grant, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(async () =>
        {
            await TellEndedAsync(request, grant, cancellationToken);
            await incidents.AnnounceAsync(request, grant, cancellationToken);
        });

    async Task TellEndedAsync(AccessRequest request, Grant grant, CancellationToken cancellationToken)
    {
        var resource = $"{SlackText.Resource(request.ResourceId)} (grant {SlackText.Id(grant.Id)})";
        var ended = grant.State == GrantState.Revoked ? "was revoked" : "expired";
        var now = time.GetUtcNow();
        var at = grant.EndedAt ?? now;
        await ThreadReplyOnceAsync(request, "thread.ended",
            $":lock: Access for {Mrkdwn.User(request.RequesterId)} {ended} {SlackTime.When(at, now)} (grant {SlackText.Id(grant.Id)}).", cancellationToken);
        var granted = await refs.FindAsync(request.Id, GrantedDm, cancellationToken) is null
            ? $", granted {SlackTime.When(grant.GrantedAt, now)} for {SlackText.Duration(grant.ExpiresAt - grant.GrantedAt)},"
            : "";
        await DirectMessageOnceAsync(request, EndedDm,
            $":lock: Your access to {resource}{granted} {ended} {SlackTime.When(at, now)}. Need more time? Ask again with `/access {Mrkdwn.Escape(request.ResourceId)}`.",
            cancellationToken);
    }

    public Task GrantFailedAsync(AccessRequest request, string error, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(async () =>
        {
            var resource = $"{SlackText.Resource(request.ResourceId)} (request {SlackText.Id(request.Id)})";
            await ThreadReplyOnceAsync(request, "thread.failed",
                $":x: Granting failed: {Mrkdwn.Escape(error)}. Nothing was granted.", cancellationToken);
            await DirectMessageOnceAsync(request, "dm.failed",
                $":x: Your request for {resource} was approved, but granting it failed ({Mrkdwn.Escape(error)}). Nothing was granted; try again later or ask the team that owns it.",
                cancellationToken);
            await incidents.AnnounceAsync(request, null, cancellationToken);
            await UpdateApprovalMessageAsync(request, null, cancellationToken);
        });

    /// <summary>
    /// Brings every message of the request that had buttons (the approval message and the escalation's copy) to its
    /// state now: once it is decided, timed out or closed, no message of it keeps buttons.
    /// </summary>
    async Task UpdateApprovalMessageAsync(AccessRequest request, Grant? grant, CancellationToken cancellationToken)
    {
        foreach (var kind in ApprovalMessage.Kinds)
        {
            if (await refs.FindAsync(request.Id, kind, cancellationToken) is not { } posted) continue;
            var message = ApprovalMessage.Build(request, grant, time.GetUtcNow(), escalation: kind == ApprovalMessage.EscalationKind);
            await slack.Chat.UpdateAsync(new ChatUpdate(posted.Channel, posted.Ts, message.Text, message.Blocks), cancellationToken);
        }
    }

    // ---- reminders and escalation ------------------------------------------------------------------------

    public Task ApprovalReminderAsync(AccessRequest request, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(async () =>
        {
            // Decided since the reminder was due: nobody needs reminding, and the outcome has its own notice.
            if (request.State != RequestState.Pending || request.Decision.Approval is not { } plan) return;
            var now = time.GetUtcNow();
            var resource = $"{SlackText.Resource(request.ResourceId)} (request {SlackText.Id(request.Id)})";
            var timesOut = SlackTime.When(RequestService.TimeoutAt(request), now);
            await ThreadReplyOnceAsync(request, "thread.reminder",
                $":bell: Reminder for {SlackText.Requirements(plan)}: {Mrkdwn.User(request.RequesterId)} has been waiting {SlackText.Duration(now - request.CreatedAt)} for {resource}. It times out {timesOut}.",
                cancellationToken);
            await DirectMessageOnceAsync(request, "dm.reminder",
                $":bell: Your request for {resource} is still waiting for {SlackText.Requirements(plan)}; JitBot reminded them. It times out {timesOut}.",
                cancellationToken);
        });

    public Task ApprovalEscalatedAsync(AccessRequest request, CancellationToken cancellationToken) =>
        SlackDeferral.RunAsync(async () =>
        {
            if (request.State != RequestState.Pending || request.Decision.Approval?.Escalation is not { } escalation) return;
            var now = time.GetUtcNow();
            if (await refs.FindAsync(request.Id, ApprovalMessage.EscalationKind, cancellationToken) is null)
            {
                var message = ApprovalMessage.Build(request, null, now, escalation: true);
                var posted = await slack.Chat.PostMessageAsync(new ChatMessage(escalation.Channel, message.Text, message.Blocks), cancellationToken);
                await refs.SaveAsync(new MessageRef(request.Id, ApprovalMessage.EscalationKind, posted.Channel, posted.Ts), cancellationToken);
                logger.LogInformation("Posted the escalation of {RequestId} to {Channel}", request.Id, posted.Channel);
            }
            var to = SlackText.Approvers(escalation.Approvers);
            await ThreadReplyOnceAsync(request, "thread.escalated",
                $":rotating_light: Escalated to {to} in {Mrkdwn.Channel(escalation.Channel)}: nobody decided within {SlackText.Duration(escalation.After)}. They may approve or deny it too.",
                cancellationToken);
            await DirectMessageOnceAsync(request, "dm.escalated",
                $":rotating_light: Nobody decided your request for {SlackText.Resource(request.ResourceId)} (request {SlackText.Id(request.Id)}) within {SlackText.Duration(escalation.After)}, so it was escalated to {to}. It times out {SlackTime.When(RequestService.TimeoutAt(request), now)}.",
                cancellationToken);
            await UpdateApprovalMessageAsync(request, null, cancellationToken);
        });

    async Task ThreadReplyOnceAsync(AccessRequest request, string kind, string text, CancellationToken cancellationToken)
    {
        if (await refs.FindAsync(request.Id, ApprovalMessage.Kind, cancellationToken) is not { } approval) return;
        if (await refs.FindAsync(request.Id, kind, cancellationToken) is not null) return;
        var posted = await slack.Chat.PostMessageAsync(
            new ChatMessage(approval.Channel, StripForFallback(text), [Blocks.Section(text)], ThreadTs: approval.Ts), cancellationToken);
        await refs.SaveAsync(new MessageRef(request.Id, kind, posted.Channel, posted.Ts), cancellationToken);
    }

    async Task DirectMessageOnceAsync(AccessRequest request, string kind, string text, CancellationToken cancellationToken)
    {
        if (await refs.FindAsync(request.Id, kind, cancellationToken) is not null) return;
        var posted = await slack.Chat.PostMessageAsync(
            new ChatMessage(request.RequesterId, StripForFallback(text), [Blocks.Section(text)]), cancellationToken);
        await refs.SaveAsync(new MessageRef(request.Id, kind, posted.Channel, posted.Ts), cancellationToken);
    }

    /// <summary>Ended, or due to end: the revocation may not have run yet when JitBot was down.</summary>
    static bool HasEnded(Grant grant, DateTimeOffset now) => grant.State != GrantState.Active || grant.ExpiresAt <= now;

    static string StripForFallback(string mrkdwn) => Mrkdwn.Truncate(mrkdwn, BlockLimits.FallbackText);

    static string Who(string? userId) => string.IsNullOrEmpty(userId) ? "an approver" : Mrkdwn.User(userId);
}
