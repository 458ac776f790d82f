using System.Text.Json;
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
    string? Style);

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

    /// <summary>Reads the <c>payload</c> form field; null when it is missing or not the JSON Slack sends.</summary>
    public static InteractionPayload? FromForm(IReadOnlyDictionary<string, string> form) =>
        form.TryGetValue("payload", out var json) ? FromJson(json) : null;

    public static InteractionPayload? FromJson(string json)
    {
        try
        {
            var payload = JsonSerializer.Deserialize<InteractionPayload>(json, SlackJson.Options);
            return payload is { Type.Length: > 0 } ? payload : null;
        }
        catch (JsonException)
        {
            return null;
        }
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

    public static EventEnvelope? FromJson(ReadOnlySpan<byte> json)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<EventEnvelope>(json, SlackJson.Options);
            return envelope is { Type.Length: > 0 } ? envelope : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
