using System.Text.Json.Nodes;
using JitBot.IntegrationTests.EndToEnd;
using JitBot.IntegrationTests.Infrastructure;
using JitBot.Slack.Payloads;

namespace JitBot.IntegrationTests.SocketMode;

/// <summary>
/// Plays Slack in Socket Mode for a <see cref="Workspace"/>: the bot runs with the app-level token and no signing
/// secret, so everything it hears comes over the fake Socket Mode server's WebSocket, as Slack sends it there.
/// </summary>
public static class SocketModeDriver
{
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        ["Slack:AppToken"] = FakeSlack.AppToken,
    };

    /// <summary>A workspace whose bot hears from Slack over Socket Mode only (no signing secret).</summary>
    public static Task<Workspace> StartAsync() =>
        Workspace.StartAsync(signingSecret: "", settings: new Dictionary<string, string?>(Settings));

    /// <summary>The <paramref name="number"/>th connection the bot opened, once Slack's hello has been sent on it.</summary>
    public static async Task<FakeSocketModeConnection> ConnectionAsync(this Workspace w, int number = 1) =>
        await (await w.Slack.SocketModeAsync()).ConnectionAsync(number);

    /// <summary>A slash command's payload in a <c>slash_commands</c> envelope: the form's fields as a JSON object of strings.</summary>
    public static JsonObject CommandPayload(this Workspace w, string user, string text, string? triggerId = null)
    {
        var form = FormBody.Parse(SlackSigner.CommandBody(user, text, "C0PAYMENTS", "payments", w.Slack.NewResponseUrl()))!;
        var payload = new JsonObject();
        foreach (var (key, value) in form) payload[key] = value;
        if (triggerId is not null) payload["trigger_id"] = triggerId;
        return payload;
    }

    /// <summary>Sends <c>/access {text}</c> over the connection and returns the acknowledgement.</summary>
    public static async Task<JsonObject> CommandAsync(this FakeSocketModeConnection connection, Workspace w, string user, string text,
        string? triggerId = null)
    {
        var id = await connection.SendEnvelopeAsync("slash_commands", w.CommandPayload(user, text, triggerId));
        return await connection.AckAsync(id);
    }

    /// <summary>Sends an <c>interactive</c> envelope and returns the acknowledgement.</summary>
    public static async Task<JsonObject> InteractAsync(this FakeSocketModeConnection connection, JsonObject payload)
    {
        var id = await connection.SendEnvelopeAsync("interactive", payload);
        return await connection.AckAsync(id);
    }

    /// <summary>The text of a slash command's acknowledgement, checked to be an ephemeral reply.</summary>
    public static string EphemeralText(JsonObject ack)
    {
        var payload = ack["payload"] as JsonObject;
        Assert.True(payload is not null, "The acknowledgement carries no payload: " + ack.ToJsonString());
        Assert.Equal("ephemeral", (string?)payload["response_type"]);
        return (string)payload["text"]!;
    }
}
