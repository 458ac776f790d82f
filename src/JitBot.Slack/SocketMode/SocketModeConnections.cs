using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using JitBot.Slack.Api;

namespace JitBot.Slack.SocketMode;

/// <summary>
/// <c>apps.connections.open</c>: asks Slack, with the app-level token (<c>xapp-…</c>, scope
/// <c>connections:write</c>), for the single-use WebSocket URL of a new Socket Mode connection. The token is
/// sent only in the <c>Authorization</c> header and the URL is never logged.
/// </summary>
public sealed class SocketModeConnections(HttpClient http, Uri apiBaseUrl, string appToken, TimeProvider time)
{
    public const string Method = "apps.connections.open";

    /// <summary>
    /// Errors that say the app-level token itself is wrong: a typo, a revoked or expired token, a token that is
    /// not an app-level one, or one without <c>connections:write</c>. Retrying soon does not help.
    /// </summary>
    public static bool IsTokenRefused(string error) =>
        error is "invalid_auth" or "not_authed" or "token_revoked" or "token_expired" or "account_inactive"
            or "not_allowed_token_type" or "missing_scope" or "invalid_token";

    /// <summary>
    /// The WebSocket URL; <see cref="SlackApiException"/> when Slack answers <c>ok:false</c> or with an HTTP error, and
    /// <see cref="SlackRateLimitedException"/> (with when to try again) for a 429.
    /// </summary>
    public async Task<Uri> OpenAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(apiBaseUrl, Method))
        {
            Content = new FormUrlEncodedContent([]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", appToken);
        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
            throw new SlackRateLimitedException(Method, time.GetUtcNow() + (response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(60)));
        if (!response.IsSuccessStatusCode) throw new SlackApiException(Method, $"HTTP {(int)response.StatusCode}");
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            throw new SlackApiException(Method, "the answer is not JSON");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new SlackApiException(Method, "the answer is not a JSON object");
        if (!root.TryGetProperty("ok", out var ok) || ok.ValueKind != JsonValueKind.True)
            throw new SlackApiException(Method, root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : "unknown_error");
        if (!root.TryGetProperty("url", out var url) || url.ValueKind != JsonValueKind.String
            || !Uri.TryCreate(url.GetString(), UriKind.Absolute, out var uri) || uri.Scheme is not ("wss" or "ws"))
            throw new SlackApiException(Method, "the answer has no WebSocket url");
        return uri;
    }
}
