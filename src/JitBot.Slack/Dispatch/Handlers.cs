using JitBot.Slack.Payloads;

namespace JitBot.Slack.Dispatch;

/// <summary>Handles one slash command (e.g. "/access"). Must answer within Slack's 3-second ack.</summary>
public interface ISlashCommandHandler
{
    string Command { get; }
    Task<SlackAck> HandleAsync(SlashCommand command, CancellationToken cancellationToken);
}

/// <summary>Handles clicks on elements with one <c>action_id</c>. Must answer within 3 seconds: do slow work after.</summary>
public interface IBlockActionHandler
{
    string ActionId { get; }
    Task<SlackAck> HandleAsync(InteractionPayload payload, BlockAction action, CancellationToken cancellationToken);
}

/// <summary>Handles one Events API event type (e.g. "app_home_opened").</summary>
public interface ISlackEventHandler
{
    string EventType { get; }
    Task HandleAsync(EventEnvelope envelope, CancellationToken cancellationToken);
}

/// <summary>
/// Handles the submission of modals with one <c>callback_id</c>. Must answer within 3 seconds: an empty ack
/// closes the modal, <see cref="SlackAck.ViewErrors"/> shows errors on the fields, <see cref="SlackAck.ViewUpdate"/>
/// replaces it, <see cref="SlackAck.ViewClear"/> closes every modal in the stack. Slack sends one submission a
/// click of Submit and the dispatcher drops none: a handler makes a repeated submission harmless itself (the
/// view id says which modal it was).
/// </summary>
public interface IViewSubmissionHandler
{
    string CallbackId { get; }
    Task<SlackAck> HandleAsync(InteractionPayload payload, CancellationToken cancellationToken);
}

/// <summary>Handles the closing (Cancel) of modals with one <c>callback_id</c> opened with <c>notify_on_close</c>.</summary>
public interface IViewClosedHandler
{
    string CallbackId { get; }
    Task<SlackAck> HandleAsync(InteractionPayload payload, CancellationToken cancellationToken);
}

/// <summary>
/// Answers <c>block_suggestion</c> for external selects with one <c>action_id</c>: the options that match what
/// was typed (<see cref="SlackAck.Options(IReadOnlyList{BlockKit.OptionObject})"/>), within 3 seconds.
/// </summary>
public interface IBlockSuggestionHandler
{
    string ActionId { get; }
    Task<SlackAck> HandleAsync(InteractionPayload payload, CancellationToken cancellationToken);
}
