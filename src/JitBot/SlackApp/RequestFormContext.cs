using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace JitBot.SlackApp;

/// <summary>Where the request form was opened from: the person and the channel (none from App Home).</summary>
public sealed record FormOrigin(string UserId, string? ChannelId, string? ChannelName);

/// <summary>
/// The request form's <c>private_metadata</c>: who opened it and from which channel, so that a submission is decided
/// as if typed there (a channel can make a request an incident request). It comes back through the client, so it
/// carries an HMAC (keyed with the signing secret) over everything in it: a changed channel, or a form submitted by
/// someone else, is refused rather than believed.
/// </summary>
public sealed class RequestFormContext(IOptions<SlackOptions> options)
{
    sealed record Metadata(string U, string? C, string? N, string M);

    public string Write(FormOrigin origin) =>
        JsonSerializer.Serialize(new Metadata(origin.UserId, origin.ChannelId, origin.ChannelName, Mac(origin)));

    /// <summary>The origin, when the metadata is JitBot's own and unchanged and <paramref name="userId"/> opened the form; otherwise null.</summary>
    public FormOrigin? Read(string? metadata, string? userId)
    {
        if (string.IsNullOrEmpty(metadata) || string.IsNullOrEmpty(userId) || metadata.Length > 3000) return null;
        Metadata? m;
        try
        {
            m = JsonSerializer.Deserialize<Metadata>(metadata);
        }
        catch (JsonException)
        {
            return null;
        }
        if (m is null || m.U != userId || m.M is null) return null;
        var origin = new FormOrigin(m.U, m.C, m.N);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Mac(origin)), Encoding.ASCII.GetBytes(m.M)) ? origin : null;
    }

    string Mac(FormOrigin origin)
    {
        var key = Encoding.UTF8.GetBytes("jitbot.request_form:" + options.Value.SigningSecret);
        var data = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new[] { origin.UserId, origin.ChannelId, origin.ChannelName }));
        return Convert.ToBase64String(HMACSHA256.HashData(key, data)).TrimEnd('=');
    }
}
