using JitBot.Slack.Payloads;
using JitBot.Slack.Signing;

namespace JitBot.Slack.Dispatch;

/// <summary>Which of Slack's request URLs a request came to.</summary>
public enum SlackInboundKind
{
    Command,
    Interaction,
    Event,
}

/// <summary>
/// One signed HTTP request from Slack, from raw bytes to the acknowledgement: the signature is checked first
/// (401 and nothing else on failure), then the body is parsed and dispatched. Knows nothing about ASP.NET Core.
/// </summary>
public sealed class SlackInbound(SlackSignatureVerifier verifier, SlackDispatcher dispatcher)
{
    public async Task<SlackAck> HandleAsync(SlackInboundKind kind, string? timestamp, string? signature, ReadOnlyMemory<byte> body,
        CancellationToken cancellationToken)
    {
        var check = verifier.Verify(timestamp, signature, body.Span);
        if (!check.IsValid) return SlackAck.Unauthorized;

        if (kind == SlackInboundKind.Event)
        {
            var envelope = EventEnvelope.FromJson(body.Span);
            if (envelope is null)
            {
                // Slack's ssl_check also reaches request URLs as a form body.
                return SlackCommandForm(body) is { } f && SlashCommand.IsSslCheck(f) ? SlackAck.Empty : SlackAck.BadRequest("not an Events API payload");
            }
            return await dispatcher.DispatchEventAsync(envelope, cancellationToken);
        }

        var form = FormBody.Parse(body.Span);
        if (SlashCommand.IsSslCheck(form)) return SlackAck.Empty;

        if (kind == SlackInboundKind.Command)
        {
            var command = SlashCommand.FromForm(form);
            return command is null ? SlackAck.BadRequest("not a slash command") : await dispatcher.DispatchCommandAsync(command, cancellationToken);
        }

        var payload = InteractionPayload.FromForm(form);
        return payload is null ? SlackAck.BadRequest("not an interaction payload") : await dispatcher.DispatchInteractionAsync(payload, cancellationToken);
    }

    static IReadOnlyDictionary<string, string>? SlackCommandForm(ReadOnlyMemory<byte> body) =>
        body.Length > 0 && body.Span[0] != (byte)'{' ? FormBody.Parse(body.Span) : null;
}
