using JitBot.Commands;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;

namespace JitBot.SlackApp;

/// <summary>
/// <c>/access</c>: reads the text, asks the lifecycle to decide and store the request, and answers inside the
/// acknowledgement with an ephemeral reply: denied (and why), granted (until when), or sent for approval.
/// </summary>
public sealed class AccessCommandHandler(
    IAccessRequests requests,
    IPolicySource policies,
    TimeProvider time,
    ILogger<AccessCommandHandler> logger) : ISlashCommandHandler
{
    public string Command => "/access";

    public async Task<SlackAck> HandleAsync(SlashCommand command, CancellationToken cancellationToken)
    {
        switch (AccessCommandParser.Parse(command.Text))
        {
            case AccessCommand.Help:
                return SlackAck.Ephemeral(AccessReplies.Help(command.Command));
            case AccessCommand.Invalid invalid:
                return SlackAck.Ephemeral(AccessReplies.Invalid(invalid.Message));
            case AccessCommand.Request ask:
                return SlackAck.Ephemeral(await SubmitAsync(command, ask, cancellationToken));
            default:
                return SlackAck.Ephemeral(AccessReplies.Help(command.Command));
        }
    }

    async Task<Slack.Dispatch.CommandReply> SubmitAsync(SlashCommand command, AccessCommand.Request ask, CancellationToken cancellationToken)
    {
        var snapshot = policies.Current;
        var resourceId = ask.ResourceId;
        if (snapshot.FindResource(resourceId) is null)
        {
            var lower = resourceId.ToLowerInvariant();
            if (lower == resourceId || snapshot.FindResource(lower) is null)
                return AccessReplies.UnknownResource(resourceId, snapshot.SuggestResources(resourceId));
            resourceId = lower;
        }

        try
        {
            var outcome = await requests.SubmitAsync(
                new NewAccessRequest(command.UserId, resourceId, ask.Duration, ask.Reason, command.ChannelId, command.ChannelName),
                cancellationToken);
            logger.LogInformation("/access {ResourceId} by {UserId}: {Outcome} ({RequestId})",
                resourceId, command.UserId, outcome.Request.State, outcome.Request.Id);
            return AccessReplies.From(outcome, time.GetUtcNow());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "/access {ResourceId} by {UserId} could not be submitted", resourceId, command.UserId);
            return AccessReplies.Trouble();
        }
    }
}
