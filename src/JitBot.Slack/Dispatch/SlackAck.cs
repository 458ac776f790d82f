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

    /// <summary>
    /// The answer to a <c>view_submission</c> that keeps the modal open and shows each message under the input
    /// block with that <c>block_id</c> (<c>response_action: errors</c>). At least one error is needed.
    /// </summary>
    public static SlackAck ViewErrors(IReadOnlyDictionary<string, string> errorsByBlockId) =>
        errorsByBlockId.Count == 0
            ? throw new ArgumentException("A view_submission answered with errors needs at least one.", nameof(errorsByBlockId))
            : Json(new ViewResponse("errors") { Errors = errorsByBlockId });

    /// <summary>The answer to a <c>view_submission</c> that closes every modal in the stack (<c>response_action: clear</c>).</summary>
    public static SlackAck ViewClear() => Json(new ViewResponse("clear"));

    /// <summary>The answer to a <c>view_submission</c> that replaces the submitted modal (<c>response_action: update</c>).</summary>
    public static SlackAck ViewUpdate(BlockKit.View view) => Json(new ViewResponse("update") { View = view });

    /// <summary>The answer to a <c>view_submission</c> that puts a new modal on top of the stack (<c>response_action: push</c>).</summary>
    public static SlackAck ViewPush(BlockKit.View view) => Json(new ViewResponse("push") { View = view });

    /// <summary>The answer to a <c>block_suggestion</c>: the options to show (at most 100; more are left out).</summary>
    public static SlackAck Options(IReadOnlyList<BlockKit.OptionObject> options) =>
        Json(new OptionsResponse(options.Take(BlockKit.ViewLimits.Options).ToList(), null));

    /// <summary>The answer to a <c>block_suggestion</c> in groups (at most 100 groups).</summary>
    public static SlackAck Options(IReadOnlyList<BlockKit.OptionGroup> groups) =>
        Json(new OptionsResponse(null, groups.Take(BlockKit.ViewLimits.OptionGroups).ToList()));

    sealed record ViewResponse(string ResponseAction)
    {
        public IReadOnlyDictionary<string, string>? Errors { get; init; }
        public BlockKit.View? View { get; init; }
    }

    sealed record OptionsResponse(IReadOnlyList<BlockKit.OptionObject>? Options, IReadOnlyList<BlockKit.OptionGroup>? OptionGroups);
}

/// <summary>A slash command's reply message in the acknowledgement body.</summary>
public sealed record CommandReply(string Text, IReadOnlyList<BlockKit.Block>? Blocks = null)
{
    public string ResponseType { get; init; } = "ephemeral";
}
