using JitBot.Common;
using JitBot.Requests;
using JitBot.Slack.Payloads;

namespace JitBot.SlackApp;

/// <summary>
/// Whether a click on an Approve or Deny button may count: it must come from this JitBot's workspace and app
/// (<see cref="SlackWorkspace"/>), and from the approval message JitBot posted for the request the button names
/// (the same channel and message ts as the stored <see cref="ApprovalMessage.Kind"/> message ref). Any other
/// click changes nothing and gets no reply, since a reply would go to a channel JitBot never posted to; it is
/// logged in one line.
/// </summary>
public sealed class ApprovalClickOrigin(SlackWorkspace workspace, IMessageRefStore refs, ILogger<ApprovalClickOrigin> logger)
{
    /// <summary>The approval message the click came from, or null when the click must not count.</summary>
    public async Task<MessageRef?> ApprovalMessageAsync(InteractionPayload payload, RequestId requestId, CancellationToken cancellationToken)
    {
        var (approval, why) = await CheckAsync(payload, requestId, cancellationToken);
        if (why is null) return approval;
        logger.LogWarning("Ignored a click on {RequestId} by {UserId} from workspace {TeamId}, app {AppId}, channel {Channel}, message {Ts}: {Why}",
            LogText.Safe(requestId.Value), LogText.Safe(payload.User?.Id), LogText.Safe(payload.Team?.Id), LogText.Safe(payload.ApiAppId),
            LogText.Safe(payload.Container?.ChannelId), LogText.Safe(payload.Container?.MessageTs), why);
        return null;
    }

    async Task<(MessageRef? Approval, string? Why)> CheckAsync(InteractionPayload payload, RequestId requestId, CancellationToken cancellationToken)
    {
        if (await workspace.IdentityAsync(cancellationToken) is not { } us)
            return (null, "JitBot does not know its own Slack workspace and app yet");
        if (us.WhyNotOurs(payload.Team?.Id, payload.ApiAppId) is { } elsewhere) return (null, elsewhere);
        if (payload.Container is not { Type: "message", IsEphemeral: false, ChannelId: { } channel, MessageTs: { } ts })
            return (null, "it does not come from a message");
        if (await refs.FindAsync(requestId, ApprovalMessage.Kind, cancellationToken) is not { } approval)
            return (null, "JitBot posted no approval message for that request");
        if (approval.Channel != channel || approval.Ts != ts)
            return (null, "it does not come from the approval message JitBot posted for that request");
        return (approval, null);
    }
}
