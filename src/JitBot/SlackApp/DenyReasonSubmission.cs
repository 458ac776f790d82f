using JitBot.Common;
using JitBot.Requests;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;

namespace JitBot.SlackApp;

/// <summary>
/// The Deny form's submission (<see cref="DenyReasonModal"/>): re-checks everything (this workspace and app, the
/// request, the approver's right now: not the requester, in an approver set, the request still pending) through the
/// lifecycle's deny, which keeps the reason. A refusal is shown on the reason field and changes nothing; a second
/// submission of the same form finds the request denied already and changes nothing.
/// </summary>
public sealed class DenyReasonSubmission(IAccessRequests requests, SlackWorkspace workspace, ILogger<DenyReasonSubmission> logger) : IViewSubmissionHandler
{
    public string CallbackId => DenyReasonModal.CallbackId;

    public async Task<SlackAck> HandleAsync(InteractionPayload payload, CancellationToken cancellationToken)
    {
        var clicker = payload.User?.Id;
        var metadata = payload.View?.PrivateMetadata;
        if (string.IsNullOrEmpty(clicker) || metadata is null || !metadata.StartsWith(RequestId.Prefix, StringComparison.Ordinal) || metadata.Length > 64)
            return Error("JitBot cannot tell which request this form is about. Close it and click Deny on the request again.");
        if (await workspace.IdentityAsync(cancellationToken) is not { } us || us.WhyNotOurs(payload.Team?.Id, payload.ApiAppId) is not null)
        {
            logger.LogWarning("Ignored a deny form for {RequestId} by {UserId}: not from this workspace and app", LogText.Safe(metadata), LogText.Safe(clicker));
            return Error("JitBot could not confirm this form came from its own workspace. Nothing changed; try again in a minute.");
        }
        var reason = payload.View!.ValueOf(DenyReasonModal.BlockId, DenyReasonModal.ActionId)?.Trim();
        if (string.IsNullOrEmpty(reason)) return Error("Give a reason (the requester sees it), or press Cancel to leave the request as it is.");
        if (reason.Length > RequestService.MaxDenialReason)
            return Error($"Keep the reason to {RequestService.MaxDenialReason} characters; it is {reason.Length}.");

        var id = new RequestId(metadata);
        ApprovalOutcome outcome;
        try
        {
            // Not cancelled with the HTTP request: once the deny is under way it runs to the end.
            outcome = await requests.DenyAsync(id, clicker, reason, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Deny with a reason on {RequestId} by {UserId} failed", LogText.Safe(id.Value), LogText.Safe(clicker));
            return Error("JitBot could not record your denial just now. Nothing changed; try again in a minute.");
        }
        logger.LogInformation("Deny with a reason on {RequestId} by {UserId}: {Verdict}", LogText.Safe(id.Value), LogText.Safe(clicker), outcome.Verdict);
        return outcome.Verdict == ApprovalVerdict.Rejected
            ? SlackAck.ViewClear()
            : Error(string.IsNullOrWhiteSpace(outcome.Message) ? "Nothing changed." : outcome.Message);
    }

    static SlackAck Error(string message) =>
        SlackAck.ViewErrors(new Dictionary<string, string> { [DenyReasonModal.BlockId] = message });
}
