using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using JitBot.Slack.Dispatch;

namespace JitBot.Slack.SocketMode;

/// <summary>
/// One message Slack sends over a Socket Mode WebSocket: <c>hello</c> once the connection is ready,
/// <c>disconnect</c> (with a <see cref="Reason"/>) before Slack closes it, or an envelope
/// (<c>events_api</c>, <c>slash_commands</c>, <c>interactive</c>) whose <see cref="Payload"/> is what the HTTP
/// request body would carry, to be acknowledged with its <see cref="EnvelopeId"/> within 3 seconds.
/// </summary>
public sealed record SocketModeMessage(string Type, string? EnvelopeId, JsonElement? Payload, bool AcceptsResponsePayload,
    int RetryAttempt, string? RetryReason, string? Reason)
{
    public const string Hello = "hello";
    public const string Disconnect = "disconnect";
    public const string EventsApi = "events_api";
    public const string SlashCommands = "slash_commands";
    public const string Interactive = "interactive";

    /// <summary><c>disconnect</c> reasons: Slack will close the connection soon (open another first).</summary>
    public const string Warning = "warning";
    /// <summary><c>disconnect</c>: the routine refresh of a connection, every few hours.</summary>
    public const string RefreshRequested = "refresh_requested";
    /// <summary><c>disconnect</c>: Socket Mode was turned off for the app; do not reconnect.</summary>
    public const string LinkDisabled = "link_disabled";

    /// <summary>
    /// Which of Slack's request URLs this envelope stands for (commands, interactions, events), or null for a
    /// message that is not an envelope JitBot handles. <c>block_suggestion</c> arrives as <c>interactive</c>.
    /// </summary>
    public SlackInboundKind? Kind => Type switch
    {
        EventsApi => SlackInboundKind.Event,
        SlashCommands => SlackInboundKind.Command,
        Interactive => SlackInboundKind.Interaction,
        _ => null,
    };

    /// <summary>
    /// Reads one text frame, or says in a few words (JitBot's, never the frame's) why it is not what Slack
    /// sends: not JSON, not an object, no string <c>type</c>, or an envelope without an <c>envelope_id</c>. An
    /// envelope whose payload is not an object is read (its <see cref="Payload"/> is null), so that it can be
    /// acknowledged and Slack stops sending it.
    /// </summary>
    public static bool TryRead(string text, [NotNullWhen(true)] out SocketModeMessage? message, [NotNullWhen(false)] out string? problem)
    {
        message = null;
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(text);
            root = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            problem = "the message is not JSON";
            return false;
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            problem = "the message is not a JSON object";
            return false;
        }
        if (String(root, "type") is not { Length: > 0 } type)
        {
            problem = "the message has no type";
            return false;
        }
        var envelopeId = String(root, "envelope_id");
        JsonElement? payload = root.TryGetProperty("payload", out var p) && p.ValueKind == JsonValueKind.Object ? p : null;
        if ((type is EventsApi or SlashCommands or Interactive) && string.IsNullOrEmpty(envelopeId))
        {
            problem = $"an {type} envelope without an envelope_id";
            return false;
        }
        message = new SocketModeMessage(type, envelopeId, payload,
            root.TryGetProperty("accepts_response_payload", out var a) && a.ValueKind == JsonValueKind.True,
            root.TryGetProperty("retry_attempt", out var r) && r.ValueKind == JsonValueKind.Number && r.TryGetInt32(out var n) ? n : 0,
            String(root, "retry_reason"),
            String(root, "reason"));
        problem = null;
        return true;
    }

    static string? String(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
