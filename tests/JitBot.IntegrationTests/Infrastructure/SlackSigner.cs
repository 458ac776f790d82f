using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using JitBot.Slack.Payloads;
using JitBot.Slack.Signing;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>Builds requests exactly as Slack sends them: form or JSON bodies, signed with v0 HMAC-SHA256.</summary>
public sealed class SlackSigner(string secret, TimeProvider clock)
{
    int actionCounter;

    public HttpRequestMessage Signed(string path, string body, string contentType = "application/x-www-form-urlencoded",
        DateTimeOffset? at = null, string? secretOverride = null) =>
        Signed(path, Encoding.UTF8.GetBytes(body), contentType, at, secretOverride);

    /// <summary>Signs the bytes as they are, so a test can send a body that is not UTF-8.</summary>
    public HttpRequestMessage Signed(string path, byte[] body, string contentType = "application/x-www-form-urlencoded",
        DateTimeOffset? at = null, string? secretOverride = null)
    {
        var timestamp = (at ?? clock.GetUtcNow()).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var request = Unsigned(path, body, contentType);
        request.Headers.Add("X-Slack-Request-Timestamp", timestamp);
        request.Headers.Add("X-Slack-Signature", SlackSignatureVerifier.Sign(secretOverride ?? secret, timestamp, body));
        return request;
    }

    public static HttpRequestMessage Unsigned(string path, string body, string contentType = "application/x-www-form-urlencoded") =>
        Unsigned(path, Encoding.UTF8.GetBytes(body), contentType);

    static HttpRequestMessage Unsigned(string path, byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
    }

    /// <summary>Where each command's <c>response_url</c> points (the fake Slack, when the host sets it); Slack's hooks host otherwise.</summary>
    public Func<string>? ResponseUrls { get; init; }

    public static string CommandBody(string userId, string text, string channelId = "C0ASKING", string channelName = "payments", string? responseUrl = null) =>
        FormBody.Encode(new Dictionary<string, string>
        {
            ["token"] = "deprecated-verification-token",
            ["team_id"] = FakeSlack.TeamId,
            ["team_domain"] = "acme",
            ["channel_id"] = channelId,
            ["channel_name"] = channelName,
            ["user_id"] = userId,
            ["user_name"] = userId.ToLowerInvariant(),
            ["command"] = "/access",
            ["text"] = text,
            ["api_app_id"] = FakeSlack.AppId,
            ["is_enterprise_install"] = "false",
            ["response_url"] = responseUrl ?? $"https://hooks.slack.com/commands/{FakeSlack.TeamId}/1/abc",
            ["trigger_id"] = "1.2.3",
        });

    public HttpRequestMessage Command(string userId, string text, string channelId = "C0ASKING", string channelName = "payments") =>
        Signed("/slack/commands", CommandBody(userId, text, channelId, channelName, ResponseUrls?.Invoke()));

    /// <summary>A button click in the message at <paramref name="channel"/>/<paramref name="messageTs"/>; each click has its own action_ts.</summary>
    public HttpRequestMessage Click(string userId, string actionId, string value, string channel, string messageTs, string? actionTs = null) =>
        Interaction(ClickPayload(userId, actionId, value, channel, messageTs, actionTs));

    /// <summary>
    /// The <c>block_actions</c> payload of a click as Slack sends it, from this workspace (<see cref="FakeSlack.TeamId"/>)
    /// and app (<see cref="FakeSlack.AppId"/>), for a test to change before sending it with <see cref="Interaction"/>.
    /// </summary>
    public JsonObject ClickPayload(string userId, string actionId, string value, string channel, string messageTs, string? actionTs = null)
    {
        actionTs ??= $"{clock.GetUtcNow().ToUnixTimeSeconds()}.{Interlocked.Increment(ref actionCounter):D6}";
        var payload = new
        {
            type = "block_actions",
            user = new { id = userId, username = userId.ToLowerInvariant(), name = userId.ToLowerInvariant(), team_id = FakeSlack.TeamId },
            api_app_id = FakeSlack.AppId,
            token = "deprecated-verification-token",
            container = new { type = "message", message_ts = messageTs, channel_id = channel, is_ephemeral = false },
            trigger_id = "1.2.3",
            team = new { id = FakeSlack.TeamId, domain = "acme" },
            channel = new { id = channel, name = "approvals" },
            message = new { type = "message", ts = messageTs, text = "Access request" },
            state = new { values = new { } },
            response_url = $"https://hooks.slack.com/actions/{FakeSlack.TeamId}/1/abc",
            actions = new[]
            {
                new
                {
                    type = "button", block_id = "approval:" + value, action_id = actionId,
                    text = new { type = "plain_text", text = actionId, emoji = true },
                    value, action_ts = actionTs,
                },
            },
        };
        return JsonSerializer.SerializeToNode(payload)!.AsObject();
    }

    /// <summary>
    /// An Events API <c>event_callback</c> as Slack sends it, from this workspace and app unless told otherwise:
    /// the inner <paramref name="innerEvent"/> (which has its <c>type</c>) under <c>event</c>, with its <c>event_id</c>.
    /// </summary>
    public JsonObject EventEnvelope(JsonObject innerEvent, string eventId, string teamId = FakeSlack.TeamId, string appId = FakeSlack.AppId) => new()
    {
        ["token"] = "deprecated-verification-token",
        ["team_id"] = teamId,
        ["api_app_id"] = appId,
        ["event"] = innerEvent,
        ["type"] = "event_callback",
        ["event_id"] = eventId,
        ["event_time"] = clock.GetUtcNow().ToUnixTimeSeconds(),
        ["authorizations"] = new JsonArray(new JsonObject { ["team_id"] = teamId, ["user_id"] = FakeSlack.BotUserId, ["is_bot"] = true }),
    };

    /// <summary>
    /// An Events API request to <c>/slack/events</c>, signed; a redelivery carries Slack's <c>X-Slack-Retry-Num</c>
    /// and <c>X-Slack-Retry-Reason</c> headers when <paramref name="retryNum"/> is given.
    /// </summary>
    public HttpRequestMessage Event(JsonNode envelope, int? retryNum = null, string retryReason = "http_timeout")
    {
        var request = Signed("/slack/events", envelope.ToJsonString(), "application/json");
        if (retryNum is { } n)
        {
            request.Headers.Add("X-Slack-Retry-Num", n.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("X-Slack-Retry-Reason", retryReason);
        }
        return request;
    }

    /// <summary>An interaction request: the payload JSON in the <c>payload</c> form field, signed.</summary>
    public HttpRequestMessage Interaction(JsonNode payload) => Interaction(payload.ToJsonString());

    public HttpRequestMessage Interaction(string payloadJson) =>
        Signed("/slack/interactions", FormBody.Encode([new("payload", payloadJson)]));

    /// <summary>A <c>block_suggestion</c> request to the options load URL: the payload JSON in the <c>payload</c> form field, signed.</summary>
    public HttpRequestMessage Options(JsonNode payload) =>
        Signed("/slack/options", FormBody.Encode([new("payload", payload.ToJsonString())]));
}
