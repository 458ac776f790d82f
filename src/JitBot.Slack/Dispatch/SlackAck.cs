namespace JitBot.Slack.Dispatch;

/// <summary>What goes back to Slack in the HTTP response (or the Socket Mode acknowledgement).</summary>
public sealed record SlackAck(int StatusCode, string? ContentType = null, string? Body = null)
{
    /// <summary>200 with an empty body: a pure acknowledgement.</summary>
    public static readonly SlackAck Empty = new(200);
    public static readonly SlackAck Unauthorized = new(401, "text/plain; charset=utf-8", "invalid request signature");

    /// <summary>
    /// Why the request was refused, in words JitBot chose (never text from the request), for JitBot's own log.
    /// Not sent to Slack.
    /// </summary>
    public string? Why { get; init; }

    /// <summary>401 for a request whose signature was not accepted, remembering why for the log.</summary>
    public static SlackAck Refused(Signing.SignatureFailure failure) => Unauthorized with { Why = failure.ToString() };

    public static SlackAck BadRequest(string why) => new(400, "text/plain; charset=utf-8", why) { Why = why };
    public static SlackAck Json<T>(T value) => new(200, "application/json; charset=utf-8", SlackJson.Serialize(value));

    /// <summary>An ephemeral reply to a slash command, shown only to the person who typed it.</summary>
    public static SlackAck Ephemeral(CommandReply reply) => Json(reply);
}

/// <summary>A slash command's reply message in the acknowledgement body.</summary>
public sealed record CommandReply(string Text, IReadOnlyList<BlockKit.Block>? Blocks = null)
{
    public string ResponseType { get; init; } = "ephemeral";
}
