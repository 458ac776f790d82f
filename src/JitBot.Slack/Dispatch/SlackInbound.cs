using System.Text;
using System.Text.Json;
using JitBot.Slack.Payloads;
using JitBot.Slack.Signing;

namespace JitBot.Slack.Dispatch;

/// <summary>Which of Slack's request URLs a request came to.</summary>
public enum SlackInboundKind
{
    Command,
    Interaction,
    Event,

    /// <summary>The options load URL: <c>block_suggestion</c> for external selects.</summary>
    Options,
}

/// <summary>
/// One signed HTTP request from Slack, from raw bytes to the acknowledgement: the signature is checked first
/// (401 and nothing else on failure), then the body is parsed and dispatched. A signed body that is not what
/// Slack sends (not UTF-8, the wrong JSON, a click without an action) is a 400 that says why in
/// <see cref="SlackAck.Why"/>, never an exception. Socket Mode's payloads, already authenticated by their
/// WebSocket, come in through <see cref="HandleTrustedAsync"/> to the same parsers and dispatcher. Knows nothing
/// about ASP.NET Core.
/// </summary>
public sealed class SlackInbound(SlackSignatureVerifier verifier, SlackDispatcher dispatcher)
{
    public async Task<SlackAck> HandleAsync(SlackInboundKind kind, string? timestamp, string? signature, ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken)
    {
        var check = verifier.Verify(timestamp, signature, body.Span);
        if (!check.IsValid) return SlackAck.Refused(check.Failure);

        if (kind == SlackInboundKind.Event)
        {
            if (EventEnvelope.TryRead(body.Span, out var envelope, out var problem))
                return await dispatcher.DispatchEventAsync(envelope, cancellationToken);
            // Slack's ssl_check also reaches request URLs as a form body.
            return SslCheckForm(body) is { } f && SlashCommand.IsSslCheck(f) ? SlackAck.Empty : SlackAck.BadRequest(problem);
        }

        if (FormBody.Parse(body.Span) is not { } form) return SlackAck.BadRequest("the form body is not UTF-8");
        if (SlashCommand.IsSslCheck(form)) return SlackAck.Empty;

        if (kind == SlackInboundKind.Command)
        {
            var command = SlashCommand.FromForm(form);
            return command is null ? SlackAck.BadRequest("not a slash command") : await dispatcher.DispatchCommandAsync(command, cancellationToken);
        }

        return InteractionPayload.TryRead(form, out var payload, out var why)
            ? await dispatcher.DispatchInteractionAsync(payload, cancellationToken)
            : SlackAck.BadRequest(why);
    }

    /// <summary>
    /// A payload that is already known to come from Slack (a Socket Mode envelope's, whose WebSocket the app-level
    /// token authenticated), parsed and dispatched exactly as the HTTP body would be: the same parsers, the same
    /// dispatcher and handlers, the same acknowledgement. A slash command arrives as a JSON object of the form's
    /// fields; an interaction (also <c>block_suggestion</c>) as the JSON of the <c>payload</c> field; an event as
    /// the Events API body. A payload that is not what Slack sends is a 400 with <see cref="SlackAck.Why"/>.
    /// </summary>
    public async Task<SlackAck> HandleTrustedAsync(SlackInboundKind kind, JsonElement payload, CancellationToken cancellationToken)
    {
        if (payload.ValueKind != JsonValueKind.Object) return SlackAck.BadRequest("the payload is not a JSON object");
        switch (kind)
        {
            case SlackInboundKind.Event:
                return EventEnvelope.TryRead(Encoding.UTF8.GetBytes(payload.GetRawText()), out var envelope, out var problem)
                    ? await dispatcher.DispatchEventAsync(envelope, cancellationToken)
                    : SlackAck.BadRequest(problem);
            case SlackInboundKind.Command:
                return SlashCommand.FromForm(FieldsOf(payload)) is { } command
                    ? await dispatcher.DispatchCommandAsync(command, cancellationToken)
                    : SlackAck.BadRequest("not a slash command");
            default:
                return InteractionPayload.TryRead(payload.GetRawText(), out var interaction, out var why)
                    ? await dispatcher.DispatchInteractionAsync(interaction, cancellationToken)
                    : SlackAck.BadRequest(why);
        }
    }

    /// <summary>A slash command's fields from its JSON object: strings as they are, numbers and booleans as written, nulls, objects and arrays left out.</summary>
    static Dictionary<string, string> FieldsOf(JsonElement payload)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in payload.EnumerateObject())
        {
            var value = field.Value.ValueKind switch
            {
                JsonValueKind.String => field.Value.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => field.Value.GetRawText(),
                _ => null,
            };
            if (value is not null) fields.TryAdd(field.Name, value);
        }
        return fields;
    }

    static IReadOnlyDictionary<string, string>? SslCheckForm(ReadOnlyMemory<byte> body) =>
        body.Length > 0 && body.Span[0] != (byte)'{' ? FormBody.Parse(body.Span) : null;
}
