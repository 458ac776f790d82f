using JitBot.Common;
using JitBot.Grants;
using JitBot.Requests;
using JitBot.Slack.Api;
using JitBot.Slack.BlockKit;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;
using JitBot.Storage;

namespace JitBot.SlackApp;

/// <summary>
/// The small modal an approver fills in to revoke someone else's grant (<c>grant_revoke_reason</c>): the grant id in
/// its private metadata, the reason in one field. A blank reason is shown on the field; otherwise the modal closes and
/// the revocation runs, re-checking that the submitter approves the resource. Submitted twice, the second finds the grant
/// being revoked already.
/// </summary>
public sealed class RevokeReasonModal(SlackBackgroundWork work) : IViewSubmissionHandler
{
    public const string Callback = "grant_revoke_reason";
    const string ReasonBlock = "reason";
    const string ReasonAction = "reason";

    public string CallbackId => Callback;

    public static View Build(GrantRecord record) =>
        Views.Modal("Revoke access", Callback,
        [
            Blocks.Section($"End {Mrkdwn.User(record.Grant.UserId)}'s access to {SlackText.Resource(record.Grant.ResourceId)} now (grant {SlackText.Id(record.Grant.Id)})? They will see your reason."),
            Views.Input(ReasonBlock, "Why", Views.TextInput(ReasonAction, "e.g. the incident is over", multiline: true, maxLength: 500)),
        ], submit: "Revoke", privateMetadata: record.Grant.Id.Value);

    public Task<SlackAck> HandleAsync(InteractionPayload payload, CancellationToken cancellationToken)
    {
        var user = payload.User?.Id;
        var grant = payload.View?.PrivateMetadata;
        if (string.IsNullOrEmpty(user) || grant is null || !grant.StartsWith(GrantId.Prefix, StringComparison.Ordinal)) return Task.FromResult(SlackAck.Empty);
        var reason = payload.View?.ValueOf(ReasonBlock, ReasonAction);
        if (string.IsNullOrWhiteSpace(reason))
            return Task.FromResult(SlackAck.ViewErrors(new Dictionary<string, string> { [ReasonBlock] = "Say why you are revoking it; the holder will see it." }));
        var id = new GrantId(grant);
        work.Enqueue($"Revoke {LogText.Safe(grant)} with a reason", async (services, ct) =>
        {
            var logger = services.GetRequiredService<ILogger<RevokeReasonModal>>();
            string reply;
            try
            {
                var outcome = await services.GetRequiredService<IGrantActions>().RevokeAsync(id, user, reason, ct);
                logger.LogInformation("Revoke of {GrantId} by {UserId} with a reason: {Verdict}", LogText.Safe(grant), LogText.Safe(user), outcome.Verdict);
                reply = GrantReplies.For(outcome, services.GetRequiredService<TimeProvider>().GetUtcNow());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Revoke of {GrantId} by {UserId} failed", LogText.Safe(grant), LogText.Safe(user));
                reply = ":warning: JitBot could not revoke it just now (it may not have been able to check your group membership with Slack). Nothing changed; try again in a minute.";
            }
            await GrantClickHandler.TellAsync(services.GetRequiredService<ISlackApiClient>(), user, reply, ct);
        });
        return Task.FromResult(SlackAck.Empty);
    }
}
