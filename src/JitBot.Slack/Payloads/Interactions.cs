using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Unicode;
using System.Text.Json.Serialization;

namespace JitBot.Slack.Payloads;

public sealed record SlackUser(string Id, string? Username, string? Name, string? TeamId);

public sealed record SlackTeam(string Id, string? Domain);

public sealed record SlackChannelRef(string Id, string? Name);

/// <summary>Where the clicked element lives.</summary>
public sealed record InteractionContainer(string? Type, string? MessageTs, string? ChannelId, bool IsEphemeral);

public sealed record InteractionMessage(string? Ts, string? Text, string? ThreadTs);

public sealed record TextValue(string? Type, string? Text);

/// <summary>One element interaction (a button click) inside a <c>block_actions</c> payload.</summary>
public sealed record BlockAction(
    string? Type,
    string? BlockId,
    string ActionId,
    string? ActionTs,
    string? Value,
    TextValue? Text,
    string? Style)
{
    /// <summary>For a select menu (in a message, or in a view with <c>dispatch_action</c>): the option chosen.</summary>
    public BlockKit.OptionObject? SelectedOption { get; init; }
}

/// <summary>The fields of an interaction payload that JitBot reads.</summary>
public sealed record InteractionPayload(
    string Type,
    SlackUser? User,
    SlackTeam? Team,
    string? ApiAppId,
    InteractionContainer? Container,
    SlackChannelRef? Channel,
    InteractionMessage? Message,
    string? ResponseUrl,
    string? TriggerId,
    IReadOnlyList<BlockAction>? Actions)
{
    public const string BlockActionsType = "block_actions";
    public const string ViewSubmissionType = "view_submission";
    public const string ViewClosedType = "view_closed";
    public const string BlockSuggestionType = "block_suggestion";

    /// <summary>The modal or Home tab the interaction came from (<c>view_submission</c>, <c>view_closed</c>, and clicks and suggestions inside a view).</summary>
    public ViewPayload? View { get; init; }

    /// <summary><c>block_suggestion</c>: the <c>action_id</c> of the external select being typed into.</summary>
    public string? ActionId { get; init; }

    /// <summary><c>block_suggestion</c>: the <c>block_id</c> of the external select being typed into.</summary>
    public string? BlockId { get; init; }

    /// <summary><c>block_suggestion</c>: what the person has typed so far.</summary>
    public string? Value { get; init; }

    /// <summary><c>view_closed</c>: true when the whole stack of modals was closed.</summary>
    public bool? IsCleared { get; init; }

    /// <summary>Reads the <c>payload</c> form field; null when it is missing or not the JSON Slack sends.</summary>
    public static InteractionPayload? FromForm(IReadOnlyDictionary<string, string> form) =>
        TryRead(form, out var payload, out _) ? payload : null;

    public static InteractionPayload? FromJson(string json) => TryRead(json, out var payload, out _) ? payload : null;

    /// <summary>
    /// Reads the <c>payload</c> form field, or says in a few words (JitBot's, never the request's) why it is not
    /// what Slack sends: not JSON of the right shape, no type, a <c>block_actions</c> without a user id or
    /// whose first action has no <c>action_id</c>, a <c>view_submission</c> or <c>view_closed</c> without a user
    /// id or a view with an id, or a <c>block_suggestion</c> without a user id or <c>action_id</c>. Only the first
    /// action is looked at: Slack sends one a click.
    /// </summary>
    public static bool TryRead(IReadOnlyDictionary<string, string> form, [NotNullWhen(true)] out InteractionPayload? payload,
        [NotNullWhen(false)] out string? problem)
    {
        if (form.TryGetValue("payload", out var json)) return TryRead(json, out payload, out problem);
        (payload, problem) = (null, "there is no payload field");
        return false;
    }

    /// <inheritdoc cref="TryRead(IReadOnlyDictionary{string, string}, out InteractionPayload?, out string?)"/>
    public static bool TryRead(string json, [NotNullWhen(true)] out InteractionPayload? payload, [NotNullWhen(false)] out string? problem)
    {
        payload = null;
        try
        {
            payload = JsonSerializer.Deserialize<InteractionPayload>(json, SlackJson.Options);
        }
        catch (JsonException)
        {
        }
        if (payload is null)
        {
            problem = "the payload is not JSON in the shape Slack sends";
            return false;
        }
        problem = payload switch
        {
            { Type: null or "" } => "the payload has no type",
            { Type: ViewSubmissionType or ViewClosedType or BlockSuggestionType, User: null or { Id: null or "" } } =>
                $"a {payload.Type} payload without a user id",
            { Type: ViewSubmissionType or ViewClosedType, View: null or { Id: null or "" } } => $"a {payload.Type} payload without a view id",
            { Type: BlockSuggestionType, ActionId: null or "" } => "a block_suggestion payload without an action_id",
            { Type: not BlockActionsType } => null,
            { User: null or { Id: null or "" } } => "a block_actions payload without a user id",
            { Actions: null or [] } => "a block_actions payload without an action",
            { Actions: [null, ..] } => "the first action is not an object",
            { Actions: [{ ActionId: null or "" }, ..] } => "the first action has no action_id",
            _ => null,
        };
        if (problem is null) return true;
        payload = null;
        return false;
    }
}

/// <summary>An Events API request: <c>url_verification</c> or <c>event_callback</c>.</summary>
public sealed record EventEnvelope(
    string Type,
    string? Token,
    string? Challenge,
    string? TeamId,
    string? ApiAppId,
    string? EventId,
    long? EventTime,
    JsonElement? Event)
{
    public const string UrlVerification = "url_verification";
    public const string EventCallback = "event_callback";

    /// <summary>The inner event's <c>type</c> (for <c>event_callback</c>).</summary>
    [JsonIgnore]
    public string? EventType =>
        Event is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()
            : null;

    public static EventEnvelope? FromJson(ReadOnlySpan<byte> json) => TryRead(json, out var envelope, out _) ? envelope : null;

    /// <summary>
    /// Reads an Events API body, or says in a few words (JitBot's, never the request's) why it is not what Slack
    /// sends: not UTF-8, not JSON of the right shape, no type, or an <c>event_callback</c> whose event is not
    /// an object with a string type.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> json, [NotNullWhen(true)] out EventEnvelope? envelope, [NotNullWhen(false)] out string? problem)
    {
        envelope = null;
        if (!Utf8.IsValid(json))
        {
            problem = "the body is not UTF-8";
            return false;
        }
        try
        {
            envelope = JsonSerializer.Deserialize<EventEnvelope>(json, SlackJson.Options);
        }
        catch (JsonException)
        {
        }
        if (envelope is null)
        {
            problem = "the body is not JSON in the shape Slack sends";
            return false;
        }
        problem = envelope switch
        {
            { Type: null or "" } => "the event envelope has no type",
            { Type: EventCallback, EventType: null } => "an event_callback whose event has no type",
            _ => null,
        };
        if (problem is null) return true;
        envelope = null;
        return false;
    }
}
