using JitBot.Slack.Dispatch;

namespace JitBot.SlackApp;

/// <summary>
/// One HTTP request to one of Slack's request URLs: reads the body (at most <see cref="MaxBodyBytes"/>), hands
/// it to <see cref="SlackInbound"/> and writes the acknowledgement. Nothing a client sends ends as an unhandled
/// exception. A request refused before it is known to come from Slack (a bad signature, a body that is too large
/// or cannot be read: aborted, shorter than announced, too slow) is counted in <see cref="SlackRefusalLog"/>
/// rather than logged. A signed body that is not what Slack sends is a 400 with one log line, and a failure
/// inside JitBot is answered with a sentence rather than a 500, because Slack shows a 500 to the user as an
/// opaque error.
/// </summary>
public sealed class SlackEndpoint(SlackInbound inbound, SlackRefusalLog refusals, ILogger<SlackEndpoint> logger)
{
    /// <summary>Largest request body accepted from Slack; real payloads are a few kB.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    static readonly SlackAck TooLarge = new(413, "text/plain; charset=utf-8", "request body too large") { Why = "body over 256 kB" };
    static readonly SlackAck Unreadable = SlackAck.BadRequest("the request body could not be read");

    /// <summary>The request URL of each kind of request, as Slack is told in the manifest.</summary>
    public static string PathOf(SlackInboundKind kind) => kind switch
    {
        SlackInboundKind.Command => "/slack/commands",
        SlackInboundKind.Interaction => "/slack/interactions",
        SlackInboundKind.Options => "/slack/options",
        _ => "/slack/events",
    };

    public async Task HandleAsync(HttpContext context, SlackInboundKind kind)
    {
        var aborted = context.RequestAborted;
        byte[]? body;
        try
        {
            body = await ReadBodyAsync(context.Request, aborted);
        }
        catch (Exception e) when (e is IOException or BadHttpRequestException or OperationCanceledException)
        {
            refusals.Count(kind, "unreadable body");
            if (!aborted.IsCancellationRequested) await WriteAsync(context, Unreadable);
            return;
        }
        if (body is null)
        {
            refusals.Count(kind, TooLarge.Why!);
            await WriteAsync(context, TooLarge);
            return;
        }

        SlackAck ack;
        try
        {
            ack = await inbound.HandleAsync(kind,
                context.Request.Headers[Slack.SlackProtocol.TimestampHeader].ToString(),
                context.Request.Headers[Slack.SlackProtocol.SignatureHeader].ToString(),
                body, aborted);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            // Only reached after the signature check passed (the verifier does not throw).
            logger.LogError(e, "Slack {Kind} request failed", kind);
            ack = kind switch
            {
                SlackInboundKind.Command => SlackAck.Ephemeral(AccessReplies.Trouble()),
                SlackInboundKind.Options => SlackAck.Options(Array.Empty<Slack.BlockKit.OptionObject>()),
                _ => SlackAck.Empty,
            };
        }
        if (ack.StatusCode == 401) refusals.Count(kind, ack.Why ?? "bad signature");
        else if (ack.StatusCode == 400) logger.LogWarning("Refused a signed Slack {Kind} request: {Why}", kind, ack.Why);
        await WriteAsync(context, ack);
    }

    static async Task WriteAsync(HttpContext context, SlackAck ack)
    {
        context.Response.StatusCode = ack.StatusCode;
        if (ack.Body is null) return;
        context.Response.ContentType = ack.ContentType ?? "text/plain; charset=utf-8";
        await context.Response.WriteAsync(ack.Body, context.RequestAborted);
    }

    /// <summary>The body, or null when it is larger than <see cref="MaxBodyBytes"/>.</summary>
    static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
