using JitBot.Commands;
using JitBot.Common;
using JitBot.Policies;
using JitBot.Requests;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;

namespace JitBot.SlackApp;

/// <summary>
/// <c>/access</c>: reads the text, asks the lifecycle to decide and store the request, and answers inside the
/// acknowledgement with an ephemeral reply: denied (and why), granted (until when), or sent for approval.
/// <c>/access</c> alone (the request form), <c>explain</c> and <c>resources</c> go to <see cref="CatalogCommands"/>.
/// </summary>
public sealed class AccessCommandHandler(
    IAccessRequests requests,
    IPolicySource policies,
    AskableResources askable,
    TimeProvider time,
    LateAnswers lateAnswers,
    IIncidentCommands incidents,
    ILogger<AccessCommandHandler> logger,
    GrantCommands? grants = null,
    IMyAccess? myAccess = null,
    CatalogCommands? catalog = null,
    AuditCommand? audit = null) : ISlashCommandHandler
{
    /// <summary>
    /// How long the reply may take before JitBot acknowledges without it (Slack gives up at 3 seconds). A
    /// submission still running then finishes, and its answer goes through the outbox (<see cref="LateAnswers"/>):
    /// to the command's <c>response_url</c> while it is valid, otherwise as a direct message.
    /// </summary>
    public static readonly TimeSpan AckBudget = TimeSpan.FromMilliseconds(2500);

    public string Command => "/access";

    public async Task<SlackAck> HandleAsync(SlashCommand command, CancellationToken cancellationToken)
    {
        var parsed = AccessCommandParser.Parse(command.Text);
        switch (parsed)
        {
            case AccessCommand.Help { Empty: true } when catalog is not null:
                return await catalog.OpenFormAsync(command, cancellationToken);
            case AccessCommand.Help:
                return SlackAck.Ephemeral(await HelpAsync(command, cancellationToken));
            case AccessCommand.Explain explain when catalog is not null:
                return SlackAck.Ephemeral(await catalog.ExplainAsync(command, explain, cancellationToken));
            case AccessCommand.Resources resources when catalog is not null:
                return SlackAck.Ephemeral(await catalog.ResourcesAsync(command, resources, cancellationToken));
            case AccessCommand.Invalid invalid:
                return SlackAck.Ephemeral(AccessReplies.Invalid(invalid.Message));
            case AccessCommand.Request ask:
                return SlackAck.Ephemeral(await SubmitAsync(command, ask, cancellationToken));
            case AccessCommand.IncidentShow or AccessCommand.IncidentStart or AccessCommand.IncidentEnd or AccessCommand.IncidentGrant:
                return SlackAck.Ephemeral(await incidents.HandleAsync(command, parsed, cancellationToken));
            case AccessCommand.Revoke revoke when grants is not null:
                return SlackAck.Ephemeral(await grants.RevokeAsync(command, revoke, cancellationToken));
            case AccessCommand.Extend extend when grants is not null:
                return SlackAck.Ephemeral(await grants.ExtendAsync(command, extend, cancellationToken));
            case AccessCommand.List when myAccess is not null:
                return SlackAck.Ephemeral(await ListAsync(myAccess, command, cancellationToken));
            case AccessCommand.Audit query when audit is not null:
                return SlackAck.Ephemeral(await audit.HandleAsync(command, query, cancellationToken));
            case AccessCommand.List or AccessCommand.Resources or AccessCommand.Explain or AccessCommand.Revoke or AccessCommand.Extend:
                // Without their services (a handler built by hand), the answer is the usage help.
                return SlackAck.Ephemeral(await HelpAsync(command, cancellationToken));
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

    /// <summary><c>/access list</c>: the person's grants and requests, and the approvals waiting for them (<see cref="IMyAccess"/>).</summary>
    async Task<Slack.Dispatch.CommandReply> ListAsync(IMyAccess myAccess, SlashCommand command, CancellationToken cancellationToken)
    {
        try
        {
            return AccessListReply.Build(await myAccess.ForAsync(command.UserId, cancellationToken));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "/access list by {UserId} could not be read", LogText.Safe(command.UserId));
            return AccessListReply.Trouble();
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

        // The budget runs on the injected clock from before the submission starts, so it counts all of its work.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var outOfTime = Task.Delay(AckBudget, time, budget.Token);
        // Not cancelled with the HTTP request: once started, a submission is stored whatever Slack does.
        var submit = requests.SubmitAsync(
            new NewAccessRequest(command.UserId, resourceId, ask.Duration, ask.Reason, command.ChannelId, command.ChannelName),
            CancellationToken.None);
        var first = await Task.WhenAny(submit, outOfTime);
        await budget.CancelAsync();
        if (first != submit)
        {
            logger.LogWarning("/access {ResourceId} by {UserId} took longer than {Budget}; the answer follows through the outbox",
                LogText.Safe(resourceId), LogText.Safe(command.UserId), AckBudget);
            lateAnswers.Queue(ReplyAsync(submit, resourceId, command.UserId), command.UserId, command.ResponseUrl);
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
                LogText.Safe(resourceId), LogText.Safe(userId), outcome.Request.State, outcome.Request.Id);
            return AccessReplies.From(outcome, time.GetUtcNow());
        }
        catch (Exception e)
        {
            logger.LogError(e, "/access {ResourceId} by {UserId} could not be submitted", LogText.Safe(resourceId), LogText.Safe(userId));
            return AccessReplies.Trouble();
        }
    }
}
