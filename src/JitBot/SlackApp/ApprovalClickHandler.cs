using JitBot.Requests;
using JitBot.Storage;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;

namespace JitBot.SlackApp;

/// <summary>
/// Approve and Deny clicks on an approval message. The click is acknowledged at once; the state change (which
/// checks group membership with Slack, and may grant) runs right after, and the clicker is told the outcome
/// ephemerally. The lifecycle makes the change atomic, so double clicks and racing approvers give one outcome;
/// the approval message itself is updated by <see cref="SlackNotifier"/> when the change is committed.
/// </summary>
public sealed class ApprovalClickHandler(string actionId, bool approve, SlackBackgroundWork work) : IBlockActionHandler
{
    /// <summary>How long a click is remembered, in the store and so across replicas, so that Slack redelivering it is handled once.</summary>
    public static readonly TimeSpan ClickWindow = TimeSpan.FromMinutes(30);

    public string ActionId => actionId;

    public Task<SlackAck> HandleAsync(InteractionPayload payload, BlockAction action, CancellationToken cancellationToken)
    {
        var clicker = payload.User?.Id;
        var channel = payload.Container?.ChannelId ?? payload.Channel?.Id;
        if (string.IsNullOrEmpty(clicker) || string.IsNullOrEmpty(action.Value)) return Task.FromResult(SlackAck.Empty);
        var requestId = new RequestId(action.Value);

        work.Enqueue($"{(approve ? "Approve" : "Deny")} click on {requestId}", async (services, ct) =>
        {
            if (action.ActionTs is not null
                && !await services.GetRequiredService<ISeenKeyStore>().FirstSeenAsync($"slack-click:{clicker}|{action.ActionTs}|{action.ActionId}|{action.Value}",
                    services.GetRequiredService<TimeProvider>().GetUtcNow(), ClickWindow, ct))
                return;
            var requests = services.GetRequiredService<IAccessRequests>();
            var logger = services.GetRequiredService<ILogger<ApprovalClickHandler>>();
            string reply;
            try
            {
                var outcome = approve
                    ? await requests.ApproveAsync(requestId, clicker, ct)
                    : await requests.DenyAsync(requestId, clicker, ct);
                logger.LogInformation("{Action} on {RequestId} by {UserId}: {Verdict}", approve ? "Approve" : "Deny", requestId, clicker, outcome.Verdict);
                reply = Reply(outcome);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "{Action} on {RequestId} by {UserId} failed", approve ? "Approve" : "Deny", requestId, clicker);
                reply = ":warning: JitBot could not record your click just now (it may not have been able to check your group membership with Slack). Nothing changed; try again in a minute.";
            }

            if (channel is null) return;
            var slack = services.GetRequiredService<ISlackApiClient>();
            await slack.Chat.PostEphemeralAsync(new EphemeralMessage(channel, clicker, reply), ct);
        });
        return Task.FromResult(SlackAck.Empty);
    }

    static string Reply(ApprovalOutcome outcome)
    {
        var icon = outcome.Verdict switch
        {
            ApprovalVerdict.Approved => ":white_check_mark:",
            ApprovalVerdict.Recorded => ":ballot_box_with_check:",
            ApprovalVerdict.Rejected => ":no_entry_sign:",
            ApprovalVerdict.RefusedSelf or ApprovalVerdict.RefusedNotApprover => ":no_entry:",
            ApprovalVerdict.GrantFailed => ":x:",
            _ => ":information_source:",
        };
        var text = string.IsNullOrWhiteSpace(outcome.Message) ? DefaultMessage(outcome.Verdict) : outcome.Message;
        return $"{icon} {Mrkdwn.Escape(text)}";
    }

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
