using JitBot.Common;
using JitBot.Requests;
using JitBot.Slack.Payloads;

namespace JitBot.SlackApp;

/// <summary>
/// Whether a click on an Approve or Deny button may count: it must come from this JitBot's workspace and app
/// (<see cref="SlackWorkspace"/>), and from a message JitBot posted for the request the button names with buttons
/// (the same channel and message ts as a stored <see cref="ApprovalMessage.Kinds"/> message ref: the approval
/// message or the escalation's copy). Any other click changes nothing and gets no reply, since a reply would go to a
/// channel JitBot never posted to; it is logged in one line. The exception: a click from this workspace and app on a
/// message for a request JitBot has no message of (its database was replaced, or the request is unknown) comes from
/// a message only JitBot's app can have posted, so it is answered there (<see cref="UnknownKind"/>) and changes nothing.
/// </summary>
public sealed class ApprovalClickOrigin(SlackWorkspace workspace, IMessageRefStore refs, ILogger<ApprovalClickOrigin> logger)
{
    /// <summary>The kind of the ref <see cref="ApprovalMessageAsync"/> returns for a click on a request JitBot posted nothing for.</summary>
    public const string UnknownKind = "unknown";

    /// <summary>
    /// The message the click came from, or null when the click must not count and gets no answer. A ref of
    /// <see cref="UnknownKind"/> is where to answer a click on a request JitBot knows no message of; it must not count.
    /// </summary>
    public async Task<MessageRef?> ApprovalMessageAsync(InteractionPayload payload, RequestId requestId, CancellationToken cancellationToken)
    {
        var (approval, why) = await CheckAsync(payload, requestId, cancellationToken);
        if (why is null) return approval;
        if (approval is not null)
        {
            logger.LogWarning("Answered a click on {RequestId} by {UserId} in channel {Channel} without acting: {Why}",
                LogText.Safe(requestId.Value), LogText.Safe(payload.User?.Id), LogText.Safe(approval.Channel), why);
            return approval;
        }
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
        MessageRef? any = null;
        foreach (var kind in ApprovalMessage.Kinds)
        {
            if (await refs.FindAsync(requestId, kind, cancellationToken) is not { } posted) continue;
            if (posted.Channel == channel && posted.Ts == ts) return (posted, null);
            any = posted;
        }
        if (any is null)
            return (new MessageRef(requestId, UnknownKind, channel, ts), "JitBot posted no approval message for that request");
        return (null, "it does not come from the approval message JitBot posted for that request");
    }
}
