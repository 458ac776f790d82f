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
