using System.Buffers;
using System.Text;
using System.Text.Json;
using JitBot.Slack.Dispatch;

namespace JitBot.Slack.SocketMode;

/// <summary>The acknowledgement of one Socket Mode envelope.</summary>
public static class SocketModeAck
{
    /// <summary>
    /// <c>{"envelope_id":"…","payload":{…}}</c>: the payload is what the HTTP response body would have been
    /// (an ephemeral reply, a <c>response_action</c>, options), when that is JSON; anything else (an empty
    /// acknowledgement, a refusal) acknowledges the envelope alone, so that Slack does not send it again.
    /// </summary>
    public static string For(string envelopeId, SlackAck ack)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("envelope_id", envelopeId);
            if (ack is { StatusCode: 200, Body: { Length: > 0 } body } && ack.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true)
            {
                writer.WritePropertyName("payload");
                writer.WriteRawValue(body);
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
