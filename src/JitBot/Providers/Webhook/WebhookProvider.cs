using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using JitBot.Common;

namespace JitBot.Providers.Webhook;

/// <summary>
/// Tells another system about grants: a signed JSON <see cref="WebhookEvent"/> is POSTed to the instance's
/// <c>Url</c> at grant and at revocation. A 2xx answer is success; a 5xx, 408, 429 or a network error is tried
/// again with backoff while the call's time lasts; any other answer, and every redirect (never followed), fails
/// with the status and the start of the body. The receiver is asked at check only when a <c>CheckUrl</c> is set.
/// </summary>
public sealed class WebhookProvider(string instance, WebhookSettings settings, HttpClient http, TimeProvider time) : IAccessProvider
{
    /// <summary>How much of a receiver's answer a failure quotes.</summary>
    public const int QuotedBodyLength = 200;

    static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);

    public string Type => WebhookType.Name;

    public Task<ProviderResult> GrantAsync(ProviderGrant grant, CancellationToken cancellationToken) =>
        DeliverAsync(WebhookEvent.Grant, grant, cancellationToken);

    public Task<ProviderResult> RevokeAsync(ProviderGrant grant, CancellationToken cancellationToken) =>
        DeliverAsync(WebhookEvent.Revoke, grant, cancellationToken);

    /// <summary>
    /// A webhook cannot be asked what it did, so the answer is Unknown unless a <c>CheckUrl</c> is set: then a signed
    /// <c>check</c> event is POSTed there, and <c>{"granted": true}</c> or <c>{"granted": false}</c> is the answer.
    /// </summary>
    public async Task<ProviderCheck> CheckAsync(ProviderGrant grant, CancellationToken cancellationToken)
    {
        if (settings.CheckUrl is not { } checkUrl)
            return new ProviderCheck(ProviderState.Unknown, "This webhook has no CheckUrl, so it cannot be asked.");
        using var timer = new CancellationTokenSource(settings.Timeout, time);
        using var both = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            using var response = await SendOnceAsync(checkUrl, WebhookEvent.Check, grant, both.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(both.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                return new ProviderCheck(ProviderState.Unknown, Describe(checkUrl, response, body));
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("granted", out var g) && g.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? new ProviderCheck(g.GetBoolean() ? ProviderState.Granted : ProviderState.NotGranted)
                : new ProviderCheck(ProviderState.Unknown, $"The check address {Where(checkUrl)} answered without a true or false \"granted\".");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new ProviderCheck(ProviderState.Unknown, $"The check address {Where(checkUrl)} could not be asked: {LogText.Safe(e.Message)}");
        }
    }

    async Task<ProviderResult> DeliverAsync(string kind, ProviderGrant grant, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(settings.Timeout, time);
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        string lastError = "";
        for (var attempt = 1; ; attempt++)
        {
            bool retryable;
            try
            {
                using var response = await SendOnceAsync(settings.Url, kind, grant, call.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                    return ProviderResult.Ok($"{kind} event delivered to {Where(settings.Url)} (HTTP {(int)response.StatusCode})");
                var body = await ReadStartAsync(response, call.Token).ConfigureAwait(false);
                lastError = Describe(settings.Url, response, body);
                retryable = (int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
                if (!retryable) return ProviderResult.Failed(lastError, retryable: false);
            }
            catch (HttpRequestException e)
            {
                lastError = $"The webhook {Where(settings.Url)} could not be reached: {LogText.Safe(e.Message)}";
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return ProviderResult.Failed(TimedOut(attempt, lastError));
            }

            if (attempt >= settings.Attempts)
                return ProviderResult.Failed($"{lastError} (after {attempt} attempts)");
            try
            {
                await Task.Delay(Backoff(attempt), time, call.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return ProviderResult.Failed(TimedOut(attempt, lastError));
            }
        }
    }

    string TimedOut(int attempt, string lastError) =>
        $"The webhook {Where(settings.Url)} did not answer within {settings.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} seconds (attempt {attempt})"
        + (lastError.Length > 0 ? $"; before that: {lastError}" : ".");

    /// <summary>0.5 s, 1 s, 2 s, … between attempts.</summary>
    static TimeSpan Backoff(int attempt) => FirstBackoff * Math.Pow(2, attempt - 1);

    async Task<HttpResponseMessage> SendOnceAsync(Uri url, string kind, ProviderGrant grant, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var body = JsonSerializer.Serialize(WebhookEvent.For(kind, grant, now));
        var timestamp = now.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(settings.Secret, timestamp, body));
        request.Headers.Add(WebhookSignature.EventHeader, kind);
        request.Headers.Add(WebhookSignature.IdempotencyHeader, $"{grant.GrantId}:{kind}");
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    static async Task<string> ReadStartAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var buffer = new char[QuotedBodyLength + 1];
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), Encoding.UTF8);
        var read = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
        return new string(buffer, 0, read);
    }

    static string Describe(Uri url, HttpResponseMessage response, string body)
    {
        var status = (int)response.StatusCode;
        if (IsRedirect(response.StatusCode))
            return $"The webhook {Where(url)} answered HTTP {status}, a redirect to {LogText.Safe(response.Headers.Location?.ToString())}; "
                + "JitBot does not follow redirects. Set the webhook's Url to the final address.";
        var quoted = body.Length > QuotedBodyLength ? body[..QuotedBodyLength] + "…" : body;
        return $"The webhook {Where(url)} answered HTTP {status.ToString(CultureInfo.InvariantCulture)}: "
            + (quoted.Length == 0 ? "(empty body)" : LogText.Safe(quoted));
    }

    static bool IsRedirect(HttpStatusCode status) => (int)status is >= 300 and < 400;

    /// <summary>The address without its query (which may carry a token).</summary>
    static string Where(Uri url) => LogText.Safe(url.GetLeftPart(UriPartial.Path));

    public override string ToString() => $"webhook:{instance}";
}
