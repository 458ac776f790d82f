using JitBot.Common;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;

namespace JitBot.SlackApp;

/// <summary>
/// The small form Deny opens: one required reason (at most <see cref="RequestService.MaxDenialReason"/> characters),
/// the request id in <c>private_metadata</c>. Its submission is <see cref="DenyReasonSubmission"/>.
/// </summary>
public sealed class DenyReasonModal(IAccessRequests requests, ISlackApiClient slack, TimeProvider time, ILogger<DenyReasonModal> logger)
{
    public const string CallbackId = "deny_reason";
    public const string BlockId = "reason";
    public const string ActionId = "reason";

    /// <summary>What the clicker is told when the form could not open and the request was denied without a reason.</summary>
    public const string NotOpened = "(The form for a reason could not open in time, so it was denied without one.)";

    /// <summary>
    /// Opens the form for a pending request the clicker did not make. Null when it opened (the form is the answer);
    /// otherwise the deny goes ahead at once, and the text is a note for the clicker ("" when there is nothing to add:
    /// the request is not pending, or it is the clicker's own, and the lifecycle's answer says so).
    /// </summary>
    public async Task<string?> TryOpenAsync(RequestId id, string clicker, string? triggerId, CancellationToken cancellationToken)
    {
        var request = await requests.FindAsync(id, cancellationToken);
        if (request is not { State: RequestState.Pending } || request.RequesterId == clicker) return "";
        if (string.IsNullOrEmpty(triggerId)) return NotOpened;
        try
        {
            await slack.ViewsOpenAsync(triggerId, Build(request, time.GetUtcNow()), cancellationToken);
            return null;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("The deny form for {RequestId} could not open for {UserId} ({Error}); denying without a reason",
                LogText.Safe(id.Value), LogText.Safe(clicker), e is SlackApiException api ? api.Error : e.GetType().Name);
            return NotOpened;
        }
    }

    public static View Build(AccessRequest request, DateTimeOffset now) =>
        Views.Modal("Deny access request", CallbackId,
        [
            Blocks.Section($"Deny {Mrkdwn.User(request.RequesterId)}'s request for {SlackText.Resource(request.ResourceId)} (request {SlackText.Id(request.Id)}, asked {SlackTime.When(request.CreatedAt, now)})?"),
            Views.Input(BlockId, "Reason (the requester sees it)",
                Views.TextInput(ActionId, "Why not, or what they should do instead", multiline: true, maxLength: RequestService.MaxDenialReason)),
        ], submit: "Deny", privateMetadata: request.Id.Value);
}
