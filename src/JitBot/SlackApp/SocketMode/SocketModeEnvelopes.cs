using JitBot.Common;
using JitBot.Slack.Dispatch;
using JitBot.Slack.SocketMode;
using JitBot.Storage;

namespace JitBot.SlackApp.SocketMode;

/// <summary>
/// One Socket Mode envelope, from its payload to the text of its acknowledgement: the payload goes through
/// <see cref="SlackInbound.HandleTrustedAsync"/> to the same dispatcher and handlers as an HTTP request (no
/// signature: the app-level token authenticated the WebSocket), in its own DI scope, and the
/// <see cref="SlackAck"/> becomes the acknowledgement's payload. Each <c>envelope_id</c> is handled once: a
/// redelivery in this process gets the first answer again (<see cref="EnvelopeAnswers"/>), and one already
/// handled by another replica, or before a restart, is acknowledged without being handled (<see cref="ISeenKeyStore"/>).
/// As over HTTP, a failure inside JitBot is answered with a sentence (commands) or nothing, and logged.
/// </summary>
public sealed class SocketModeEnvelopes(
    IServiceScopeFactory scopes, EnvelopeAnswers answers, ISeenKeyStore seen, TimeProvider time, ILogger<SocketModeEnvelopes> logger)
{
    /// <summary>How long an envelope id counts as handled across replicas.</summary>
    public static readonly TimeSpan SeenWindow = TimeSpan.FromHours(1);

    /// <summary>The acknowledgement to send back on the connection the envelope came in on.</summary>
    public async Task<string> HandleAsync(SocketModeMessage envelope, CancellationToken cancellationToken)
    {
        var id = envelope.EnvelopeId!;
        // Acknowledged without handling, so that Slack does not send them again: an envelope type JitBot does not
        // know, and one whose payload is not an object.
        if (envelope.Kind is not { } kind)
        {
            logger.LogDebug("Acknowledged a Socket Mode {Type} envelope without handling it", LogText.Safe(envelope.Type));
            return SocketModeAck.For(id, SlackAck.Empty);
        }
        if (envelope.Payload is not { } payload)
        {
            logger.LogWarning("Refused a Slack {Kind} envelope: its payload is not a JSON object", kind);
            return SocketModeAck.For(id, SlackAck.Empty);
        }
        var ack = await answers.OnceAsync(id, () => HandleFirstAsync(id, kind, payload, cancellationToken), out var first);
        if (!first)
            logger.LogInformation("Slack delivered the {Type} envelope {Envelope} again (attempt {Attempt}, {Reason}); it is handled once, and its answer sent again",
                envelope.Type, LogText.Safe(id), envelope.RetryAttempt, LogText.Safe(envelope.RetryReason));
        return SocketModeAck.For(id, ack);
    }

    async Task<SlackAck> HandleFirstAsync(string id, SlackInboundKind kind, System.Text.Json.JsonElement payload, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            if (!await seen.FirstSeenAsync("slack-envelope:" + id, time.GetUtcNow(), SeenWindow, cancellationToken))
            {
                logger.LogInformation("The Slack {Kind} envelope {Envelope} was already handled (by another replica, or before a restart); acknowledged only",
                    kind, LogText.Safe(id));
                return SlackAck.Empty;
            }
            await using var scope = scopes.CreateAsyncScope();
            var ack = await scope.ServiceProvider.GetRequiredService<SlackInbound>().HandleTrustedAsync(kind, payload, cancellationToken);
            if (ack.StatusCode == 400) logger.LogWarning("Refused a Slack {Kind} envelope: {Why}", kind, ack.Why);
            return ack;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return SlackAck.Empty;
        }
        catch (Exception e)
        {
            logger.LogError(e, "Slack {Kind} envelope failed", kind);
            return kind == SlackInboundKind.Command ? SlackAck.Ephemeral(AccessReplies.Trouble()) : SlackAck.Empty;
        }
    }
}
