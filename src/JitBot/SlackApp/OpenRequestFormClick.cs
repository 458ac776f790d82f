using JitBot.Commands;
using JitBot.Common;
using JitBot.Slack.Dispatch;
using JitBot.Slack.Payloads;

namespace JitBot.SlackApp;

/// <summary>
/// A click on a "Request access" button (action <see cref="RequestForm.OpenActionId"/>, e.g. in App Home): the request
/// form opens with the click's <c>trigger_id</c>, before the click is acknowledged (the trigger is good for 3 seconds).
/// Where it cannot open, the person gets the text grammar (or why there is nothing to ask for) as a direct message,
/// through the outbox: a click in App Home has no channel for an ephemeral reply.
/// </summary>
public sealed class OpenRequestFormClick(RequestFormOpener forms, LateAnswers answers, ILogger<OpenRequestFormClick> logger) : IBlockActionHandler
{
    public string ActionId => RequestForm.OpenActionId;

    public async Task<SlackAck> HandleAsync(InteractionPayload payload, BlockAction action, CancellationToken cancellationToken)
    {
        var userId = payload.User!.Id;
        // A button in a channel message opens the form for that channel; App Home has none.
        var channel = payload.Container?.ChannelId ?? payload.Channel?.Id;
        var opening = await forms.OpenAsync(new FormOrigin(userId, channel, payload.Channel?.Name), payload.TriggerId, cancellationToken);
        if (opening == FormOpening.Opened) return SlackAck.Empty;
        logger.LogInformation("The request form did not open for {UserId} ({Opening}); the text grammar goes by direct message", LogText.Safe(userId), opening);
        var text = opening switch
        {
            FormOpening.GroupsUnknown => ":warning: JitBot could not read your Slack groups just now, and they decide what you can get. Try the button again in a minute.",
            FormOpening.NothingToRequest => ":grey_question: No resource is open to you right now, so there is no form to fill. `/access resources` lists the catalog.",
            _ => "The request form could not open, so here is how to ask by typing.\n\n" + Slack.BlockKit.Mrkdwn.Escape(AccessHelp.Text("/access", [])),
        };
        answers.Queue(Task.FromResult(new CommandReply(text)), userId, responseUrl: null);
        return SlackAck.Empty;
    }
}
