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
    AskableResources askable,
    TimeProvider time,
    SlackBackgroundWork work,
    ILogger<AccessCommandHandler> logger) : ISlashCommandHandler
{
    /// <summary>
    /// How long the reply may take before JitBot acknowledges without it (Slack gives up at 3 seconds). A
    /// submission still running then finishes, and its answer goes to the requester as a direct message.
    /// </summary>
    public static readonly TimeSpan AckBudget = TimeSpan.FromMilliseconds(2500);

    public string Command => "/access";

    public async Task<SlackAck> HandleAsync(SlashCommand command, CancellationToken cancellationToken)
    {
        switch (AccessCommandParser.Parse(command.Text))
        {
            case AccessCommand.Help:
                return SlackAck.Ephemeral(await HelpAsync(command, cancellationToken));
            case AccessCommand.Invalid invalid:
                return SlackAck.Ephemeral(AccessReplies.Invalid(invalid.Message));
            case AccessCommand.Request ask:
                return SlackAck.Ephemeral(await SubmitAsync(command, ask, cancellationToken));
            default:
                return SlackAck.Ephemeral(await HelpAsync(command, cancellationToken));
        }
    }

    /// <summary>Help whose examples are resources this person could ask for under the loaded policy.</summary>
    async Task<Slack.Dispatch.CommandReply> HelpAsync(SlashCommand command, CancellationToken cancellationToken)
    {
        var examples = await askable.ForAsync(command.UserId, command.ChannelId, command.ChannelName, 2, cancellationToken);
        return AccessReplies.Help(command.Command, examples);
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

        // Not cancelled with the HTTP request: once started, a submission is stored whatever Slack does.
        var submit = requests.SubmitAsync(
            new NewAccessRequest(command.UserId, resourceId, ask.Duration, ask.Reason, command.ChannelId, command.ChannelName),
            CancellationToken.None);
        if (await Task.WhenAny(submit, Task.Delay(AckBudget, cancellationToken)) != submit)
        {
            logger.LogWarning("/access {ResourceId} by {UserId} took longer than {Budget}; the answer follows by direct message",
                resourceId, command.UserId, AckBudget);
            var userId = command.UserId;
            work.Enqueue($"Late answer to /access {resourceId}", async (services, ct) =>
            {
                var reply = await ReplyAsync(submit, resourceId, userId);
                await services.GetRequiredService<Slack.Api.ISlackApiClient>().Chat.PostMessageAsync(
                    new Slack.Api.ChatMessage(userId, reply.Text), ct);
            });
            return AccessReplies.Slow(resourceId);
        }
        return await ReplyAsync(submit, resourceId, command.UserId);
    }

    async Task<Slack.Dispatch.CommandReply> ReplyAsync(Task<SubmitOutcome> submit, string resourceId, string userId)
    {
        try
        {
            var outcome = await submit;
            logger.LogInformation("/access {ResourceId} by {UserId}: {Outcome} ({RequestId})",
                resourceId, userId, outcome.Request.State, outcome.Request.Id);
            return AccessReplies.From(outcome, time.GetUtcNow());
        }
        catch (Exception e)
        {
            logger.LogError(e, "/access {ResourceId} by {UserId} could not be submitted", resourceId, userId);
            return AccessReplies.Trouble();
        }
    }
}
