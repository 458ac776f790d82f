using JitBot.Slack.Payloads;

namespace JitBot.Slack.Dispatch;

/// <summary>
/// Routes verified Slack input to handlers by kind: slash commands by command, block actions by
/// <c>action_id</c>, view submissions and closings by the view's <c>callback_id</c>, option requests
/// (<c>block_suggestion</c>) by <c>action_id</c>, events by type. Transport-independent: the HTTP endpoints and Socket Mode feed
/// the same dispatcher. Redelivered events (same <c>event_id</c>) and repeated clicks (same
/// <c>action_ts</c> and user) are dropped here, and a click's payload is handled for its first action only.
/// View submissions and option requests are never dropped: they carry no id of their own (a modal submitted
/// again after its errors has the same view id and hash), and an option request is a read.
/// </summary>
public sealed class SlackDispatcher
{
    readonly Dictionary<string, ISlashCommandHandler> commands;
    readonly Dictionary<string, IBlockActionHandler> actions;
    readonly Dictionary<string, ISlackEventHandler> events;
    readonly Dictionary<string, IViewSubmissionHandler> submissions;
    readonly Dictionary<string, IViewClosedHandler> closings;
    readonly Dictionary<string, IBlockSuggestionHandler> suggestions;
    readonly RecentKeys recentEvents;
    readonly RecentKeys recentClicks;

    /// <param name="deduplication">Shared by every dispatcher instance (keep it a singleton).</param>
    public SlackDispatcher(IEnumerable<ISlashCommandHandler> commandHandlers, IEnumerable<IBlockActionHandler> actionHandlers,
        IEnumerable<ISlackEventHandler> eventHandlers, SlackDeduplication deduplication,
        IEnumerable<IViewSubmissionHandler>? submissionHandlers = null, IEnumerable<IViewClosedHandler>? closedHandlers = null,
        IEnumerable<IBlockSuggestionHandler>? suggestionHandlers = null)
    {
        commands = commandHandlers.ToDictionary(h => h.Command, StringComparer.OrdinalIgnoreCase);
        actions = actionHandlers.ToDictionary(h => h.ActionId, StringComparer.Ordinal);
        events = eventHandlers.ToDictionary(h => h.EventType, StringComparer.Ordinal);
        submissions = (submissionHandlers ?? []).ToDictionary(h => h.CallbackId, StringComparer.Ordinal);
        closings = (closedHandlers ?? []).ToDictionary(h => h.CallbackId, StringComparer.Ordinal);
        suggestions = (suggestionHandlers ?? []).ToDictionary(h => h.ActionId, StringComparer.Ordinal);
        recentEvents = deduplication.Events;
        recentClicks = deduplication.Clicks;
    }

    public Task<SlackAck> DispatchCommandAsync(SlashCommand command, CancellationToken cancellationToken) =>
        commands.TryGetValue(command.Command, out var handler)
            ? handler.HandleAsync(command, cancellationToken)
            : Task.FromResult(SlackAck.Ephemeral(new CommandReply($"JitBot does not know the command {BlockKit.Mrkdwn.Escape(command.Command)}. Try /access help.")));

    /// <summary>
    /// Slack sends one action a click, so only the first action of a <c>block_actions</c> payload is handled;
    /// any others are ignored, and a payload cannot make JitBot do a piece of work per action.
    /// </summary>
    public async Task<SlackAck> DispatchInteractionAsync(InteractionPayload payload, CancellationToken cancellationToken)
    {
        switch (payload.Type)
        {
            case InteractionPayload.ViewSubmissionType:
                // No handler for the modal: an empty ack closes it.
                return payload.View?.CallbackId is { } submitted && submissions.TryGetValue(submitted, out var submission)
                    ? await submission.HandleAsync(payload, cancellationToken)
                    : SlackAck.Empty;
            case InteractionPayload.ViewClosedType:
                return payload.View?.CallbackId is { } closed && closings.TryGetValue(closed, out var closing)
                    ? await closing.HandleAsync(payload, cancellationToken)
                    : SlackAck.Empty;
            case InteractionPayload.BlockSuggestionType:
                return payload.ActionId is { } menu && suggestions.TryGetValue(menu, out var suggestion)
                    ? await suggestion.HandleAsync(payload, cancellationToken)
                    : SlackAck.Options(Array.Empty<BlockKit.OptionObject>());
        }
        if (payload.Type != InteractionPayload.BlockActionsType || payload.Actions is not [{ ActionId: { } actionId } action, ..]) return SlackAck.Empty;
        if (!actions.TryGetValue(actionId, out var handler)) return SlackAck.Empty;
        var clickKey = $"{payload.User?.Id}|{action.ActionTs}|{actionId}|{action.Value}";
        if (action.ActionTs is not null && !recentClicks.FirstTime(clickKey)) return SlackAck.Empty;
        return await handler.HandleAsync(payload, action, cancellationToken);
    }

    public async Task<SlackAck> DispatchEventAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        if (envelope.Type == EventEnvelope.UrlVerification)
            return SlackAck.Json(new { challenge = envelope.Challenge ?? "" });
        if (envelope.Type != EventEnvelope.EventCallback || envelope.EventType is not { } type) return SlackAck.Empty;
        if (envelope.EventId is { } id && !recentEvents.FirstTime(id)) return SlackAck.Empty;
        if (events.TryGetValue(type, out var handler)) await handler.HandleAsync(envelope, cancellationToken);
        return SlackAck.Empty;
    }
}
