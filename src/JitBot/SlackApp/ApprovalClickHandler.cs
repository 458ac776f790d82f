using JitBot.Common;
using JitBot.Requests;
using JitBot.Storage;
using JitBot.Slack.Api;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;

namespace JitBot.SlackApp;

/// <summary>
/// Approve and Deny clicks on an approval message (or its escalation's copy). The click is acknowledged at once;
/// the work (which checks group membership with Slack, and may grant) runs right after, and the clicker is told the
/// outcome ephemerally in the message's channel. Only clicks that <see cref="ApprovalClickOrigin"/> accepts count;
/// a click on a request JitBot knows no message of is answered and changes nothing. Deny on a pending request opens
/// the reason form (<see cref="DenyReasonModal"/>) with the click's trigger id; when the form cannot open (the
/// trigger expired), the request is denied without a reason at once and the clicker is told so. The lifecycle makes
/// every change atomic, so double clicks and racing approvers give one outcome; the messages themselves are updated
/// by <see cref="SlackNotifier"/> when the change is committed.
/// </summary>
public sealed class ApprovalClickHandler(string actionId, bool approve, SlackBackgroundWork work) : IBlockActionHandler
{
    /// <summary>How long a click is remembered, in the store and so across replicas, so that Slack redelivering it is handled once.</summary>
    public static readonly TimeSpan ClickWindow = TimeSpan.FromMinutes(30);

    public string ActionId => actionId;

    public Task<SlackAck> HandleAsync(InteractionPayload payload, BlockAction action, CancellationToken cancellationToken)
    {
        var clicker = payload.User?.Id;
        if (string.IsNullOrEmpty(clicker) || string.IsNullOrEmpty(action.Value)) return Task.FromResult(SlackAck.Empty);
        var requestId = new RequestId(action.Value);

        work.Enqueue($"{(approve ? "Approve" : "Deny")} click on {LogText.Safe(requestId.Value)}", async (services, ct) =>
        {
            if (await services.GetRequiredService<ApprovalClickOrigin>().ApprovalMessageAsync(payload, requestId, ct) is not { } approval) return;
            var replies = services.GetRequiredService<EphemeralReplies>();
            if (approval.Kind == ApprovalClickOrigin.UnknownKind)
            {
                await replies.SendAsync(new EphemeralMessage(approval.Channel, clicker, ClickReplies.Unknown), ct);
                return;
            }
            var time = services.GetRequiredService<TimeProvider>();
            if (action.ActionTs is not null
                && !await services.GetRequiredService<ISeenKeyStore>().FirstSeenAsync($"slack-click:{clicker}|{action.ActionTs}|{action.ActionId}|{action.Value}",
                    time.GetUtcNow(), ClickWindow, ct))
                return;
            var requests = services.GetRequiredService<IAccessRequests>();
            var logger = services.GetRequiredService<ILogger<ApprovalClickHandler>>();
            string reply;
            try
            {
                string? note = null;
                if (!approve)
                {
                    var modal = services.GetRequiredService<DenyReasonModal>();
                    if (await modal.TryOpenAsync(requestId, clicker, payload.TriggerId, ct) is not { } opened) return; // the form is the answer
                    note = opened;
                }
                var outcome = approve
                    ? await requests.ApproveAsync(requestId, clicker, ct)
                    : await requests.DenyAsync(requestId, clicker, ct);
                logger.LogInformation("{Action} on {RequestId} by {UserId}: {Verdict}", approve ? "Approve" : "Deny",
                    LogText.Safe(requestId.Value), LogText.Safe(clicker), outcome.Verdict);
                reply = ClickReplies.For(outcome, time.GetUtcNow());
                if (note is { Length: > 0 } && outcome.Verdict == ApprovalVerdict.Rejected) reply += " " + note;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "{Action} on {RequestId} by {UserId} failed", approve ? "Approve" : "Deny",
                    LogText.Safe(requestId.Value), LogText.Safe(clicker));
                reply = ":warning: JitBot could not record your click just now (it may not have been able to check your group membership with Slack). Nothing changed; try again in a minute.";
            }

            await replies.SendAsync(new EphemeralMessage(approval.Channel, clicker, reply), ct);
        });
        return Task.FromResult(SlackAck.Empty);
    }
}
