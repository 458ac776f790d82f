using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace JitBot.Slack.Api;

/// <summary>
/// Slack's Web API over one <see cref="HttpClient"/>: <c>Authorization: Bearer</c>, JSON bodies for writes,
/// form bodies for reads, <c>ok:false</c> turned into <see cref="SlackApiException"/>, Slack's limits kept
/// (<see cref="SlackRateLimits"/>: messages per channel, and a pause of the method and channel after HTTP 429),
/// and posts to one channel kept in order. A call the limits hold back waits on the given clock (bounded), or,
/// inside <see cref="WithoutWaiting"/>, fails at once with <see cref="SlackRateLimitedException"/> saying when
/// to try again. The token never appears in exceptions.
/// </summary>
/// <param name="time">The clock a <c>Retry-After</c> wait runs on.</param>
/// <param name="metrics">Where failed calls and 429 answers are counted (none when null).</param>
public sealed class SlackApiClient(HttpClient http, SlackApiSettings settings, TimeProvider time, SlackApiMetrics? metrics = null)
    : ISlackApiClient, IChatApi, IUsersApi, IUserGroupsApi, IConversationsApi, IAuthApi, IBotsApi, IResponsesApi
{
    /// <summary>The method name a <c>response_url</c> answer goes by in limits and exceptions.</summary>
    public const string ResponseUrlMethod = "response_url";

    static readonly AsyncLocal<bool> NotWaiting = new();

    readonly ConcurrentDictionary<string, SemaphoreSlim> channelLocks = new(StringComparer.Ordinal);
    readonly SlackRateLimits limits = new(settings);

    /// <summary>
    /// Until disposed, calls made from this flow do not wait for Slack's limits: a call that would have to wait
    /// throws <see cref="SlackRateLimitedException"/> at once, so the caller can do other work meanwhile (the
    /// notification senders use this, so one slow channel never holds a sender).
    /// </summary>
    public static IDisposable WithoutWaiting()
    {
        var before = NotWaiting.Value;
        NotWaiting.Value = true;
        return new Restore(before);
    }

    sealed class Restore(bool before) : IDisposable
    {
        public void Dispose() => NotWaiting.Value = before;
    }

    public IChatApi Chat => this;
    public IUsersApi Users => this;
    public IUserGroupsApi UserGroups => this;
    public IConversationsApi Conversations => this;
    public IAuthApi Auth => this;
    public IBotsApi Bots => this;
    public IResponsesApi Responses => this;

    async Task<PostedMessage> IChatApi.PostMessageAsync(ChatMessage message, CancellationToken cancellationToken)
    {
        using var root = await InChannelOrderAsync(message.Channel,
            ct => CallJsonAsync("chat.postMessage", message, ct, message.Channel), cancellationToken);
        var r = root.RootElement;
        return new PostedMessage(
            r.TryGetProperty("channel", out var c) ? c.GetString() ?? message.Channel : message.Channel,
            r.TryGetProperty("ts", out var ts) ? ts.GetString() ?? "" : "");
    }

    async Task IChatApi.UpdateAsync(ChatUpdate update, CancellationToken cancellationToken)
    {
        using var _ = await InChannelOrderAsync(update.Channel, ct => CallJsonAsync("chat.update", update, ct, update.Channel), cancellationToken);
    }

    async Task IChatApi.PostEphemeralAsync(EphemeralMessage message, CancellationToken cancellationToken)
    {
        using var _ = await CallJsonAsync("chat.postEphemeral", message, cancellationToken);
    }

    async Task<SlackUserInfo> IUsersApi.InfoAsync(string userId, CancellationToken cancellationToken)
    {
        using var doc = await CallFormAsync("users.info", [new("user", userId)], cancellationToken);
        return doc.RootElement.TryGetProperty("user", out var user)
            ? user.Deserialize<SlackUserInfo>(SlackJson.Options) ?? throw new SlackApiException("users.info", "invalid_response")
            : throw new SlackApiException("users.info", "invalid_response");
    }

    async Task<UsersPage> IUsersApi.ListAsync(string? cursor, int limit, CancellationToken cancellationToken)
    {
        const string method = "users.list";
        using var doc = await CallFormAsync(method, PageFields([], cursor, limit), cancellationToken);
        var root = doc.RootElement;
        if (!root.TryGetProperty("members", out var members) || members.ValueKind != JsonValueKind.Array)
            throw new SlackApiException(method, "invalid_response");
        var users = new List<SlackUserInfo>(members.GetArrayLength());
        foreach (var member in members.EnumerateArray())
            users.Add(member.ValueKind == JsonValueKind.Object && ReadAs<SlackUserInfo>(member) is { Id.Length: > 0 } user
                ? user
                : throw new SlackApiException(method, "invalid_response"));
        return new UsersPage(users, NextCursor(root));
    }

    async Task<IReadOnlyList<string>> IUserGroupsApi.UsersListAsync(string userGroupId, CancellationToken cancellationToken)
    {
        using var doc = await CallFormAsync("usergroups.users.list", [new("usergroup", userGroupId)], cancellationToken);
        if (!doc.RootElement.TryGetProperty("users", out var users) || users.ValueKind != JsonValueKind.Array)
            throw new SlackApiException("usergroups.users.list", "invalid_response");
        return users.EnumerateArray().Select(u => u.GetString()).OfType<string>().ToList();
    }

    async Task IUserGroupsApi.UsersUpdateAsync(string userGroupId, IReadOnlyList<string> userIds, CancellationToken cancellationToken)
    {
        using var _ = await CallFormAsync("usergroups.users.update",
            [new("usergroup", userGroupId), new("users", string.Join(',', userIds))], cancellationToken);
    }

    public async Task<OpenedView> ViewsOpenAsync(string triggerId, BlockKit.View view, CancellationToken cancellationToken)
    {
        using var doc = await CallJsonAsync("views.open", new { trigger_id = triggerId, view }, cancellationToken);
        return OpenedView("views.open", doc.RootElement);
    }

    public async Task<OpenedView> ViewsUpdateAsync(string viewId, string? hash, BlockKit.View view, CancellationToken cancellationToken)
    {
        using var doc = await CallJsonAsync("views.update", new { view_id = viewId, hash, view }, cancellationToken);
        return OpenedView("views.update", doc.RootElement);
    }

    public async Task<OpenedView> ViewsPublishAsync(string userId, BlockKit.View view, CancellationToken cancellationToken)
    {
        using var doc = await CallJsonAsync("views.publish", new { user_id = userId, view }, cancellationToken);
        return OpenedView("views.publish", doc.RootElement);
    }

    static OpenedView OpenedView(string method, JsonElement root) =>
        root.TryGetProperty("view", out var v) && ReadAs<OpenedView>(v) is { Id.Length: > 0 } opened
            ? opened
            : throw new SlackApiException(method, "invalid_response");

    async Task<ConversationInfo> IConversationsApi.InfoAsync(string channel, CancellationToken cancellationToken)
    {
        using var doc = await CallFormAsync("conversations.info", [new("channel", channel)], cancellationToken);
        return doc.RootElement.TryGetProperty("channel", out var c)
            ? c.Deserialize<ConversationInfo>(SlackJson.Options) ?? throw new SlackApiException("conversations.info", "invalid_response")
            : throw new SlackApiException("conversations.info", "invalid_response");
    }

    async Task<ConversationMembersPage> IConversationsApi.MembersAsync(string channel, string? cursor, int limit,
        CancellationToken cancellationToken)
    {
        const string method = "conversations.members";
        using var doc = await CallFormAsync(method, PageFields([new("channel", channel)], cursor, limit), cancellationToken);
        var root = doc.RootElement;
        if (!root.TryGetProperty("members", out var members) || members.ValueKind != JsonValueKind.Array)
            throw new SlackApiException(method, "invalid_response");
        var ids = new List<string>(members.GetArrayLength());
        foreach (var member in members.EnumerateArray())
            ids.Add(member.ValueKind == JsonValueKind.String ? member.GetString()! : throw new SlackApiException(method, "invalid_response"));
        return new ConversationMembersPage(ids, NextCursor(root));
    }

    async Task<AuthIdentity> IAuthApi.TestAsync(CancellationToken cancellationToken)
    {
        using var doc = await CallFormAsync("auth.test", [], cancellationToken);
        return ReadAs<AuthIdentity>(doc.RootElement) is { TeamId.Length: > 0, UserId.Length: > 0 } identity
            ? identity
            : throw new SlackApiException("auth.test", "invalid_response");
    }

    async Task<SlackBotInfo> IBotsApi.InfoAsync(string botId, CancellationToken cancellationToken)
    {
        using var doc = await CallFormAsync("bots.info", [new("bot", botId)], cancellationToken);
        return doc.RootElement.TryGetProperty("bot", out var bot) && ReadAs<SlackBotInfo>(bot) is { Id.Length: > 0 } info
            ? info
            : throw new SlackApiException("bots.info", "invalid_response");
    }

    async Task IResponsesApi.RespondAsync(Uri responseUrl, string text, CancellationToken cancellationToken)
    {
        const string method = ResponseUrlMethod;
        try
        {
            await RespondOnceAsync(responseUrl, text, cancellationToken);
        }
        catch (SlackApiException e) when (e is not SlackRateLimitedException)
        {
            metrics?.Failed(method, e.Error);
            throw;
        }
    }

    async Task RespondOnceAsync(Uri responseUrl, string text, CancellationToken cancellationToken)
    {
        const string method = ResponseUrlMethod;
        await WithinLimitsAsync(method, null, cancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Post, responseUrl)
        {
            Content = new StringContent(JsonSerializer.Serialize(new { response_type = "ephemeral", replace_original = false, text }),
                Encoding.UTF8, "application/json"),
        };
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException)
        {
            // The exception's text may name the URL, which is a capability: it is left out.
            throw new SlackApiException(method, "request_failed");
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                metrics?.RateLimited(method);
                var retryAt = time.GetUtcNow() + RetryAfter(response);
                limits.Pause(method, null, retryAt);
                throw new SlackRateLimitedException(method, retryAt);
            }
            if (response.IsSuccessStatusCode) return;
            // Slack answers a used or expired URL with a short code (expired_url, used_url, …); anything else by status.
            var body = (await response.Content.ReadAsStringAsync(cancellationToken)).Trim();
            var code = body.Length is > 0 and <= 40 && body.All(c => char.IsAsciiLetterLower(c) || c == '_') ? body : null;
            throw new SlackApiException(method, code ?? "http_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>The form of one page of a cursor-paginated list: <paramref name="fields"/>, <c>limit</c> (1 to 1000, as Slack accepts) and the cursor, if any.</summary>
    static List<KeyValuePair<string, string>> PageFields(List<KeyValuePair<string, string>> fields, string? cursor, int limit)
    {
        if (limit is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(limit), limit, "Slack accepts a limit of 1 to 1000.");
        fields.Add(new("limit", limit.ToString(CultureInfo.InvariantCulture)));
        if (!string.IsNullOrEmpty(cursor)) fields.Add(new("cursor", cursor));
        return fields;
    }

    /// <summary><c>response_metadata.next_cursor</c>, or null on the last page (Slack ends with an empty one, or none).</summary>
    static string? NextCursor(JsonElement root) =>
        root.TryGetProperty("response_metadata", out var meta) && meta.ValueKind == JsonValueKind.Object
            && meta.TryGetProperty("next_cursor", out var c) && c.ValueKind == JsonValueKind.String && c.GetString() is { Length: > 0 } n
                ? n
                : null;

    /// <summary>A part of Slack's answer as <typeparamref name="T"/>, or null when it does not have that shape.</summary>
    static T? ReadAs<T>(JsonElement element) where T : class
    {
        try
        {
            return element.Deserialize<T>(SlackJson.Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    async Task<JsonDocument> InChannelOrderAsync(string channel, Func<CancellationToken, Task<JsonDocument>> call,
        CancellationToken cancellationToken)
    {
        var gate = channelLocks.GetOrAdd(channel, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await call(cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    Task<JsonDocument> CallJsonAsync<T>(string method, T body, CancellationToken cancellationToken, string? channel = null) =>
        SendAsync(method, channel, () => new StringContent(JsonSerializer.Serialize(body, SlackJson.Options), Encoding.UTF8, "application/json"),
            cancellationToken);

    Task<JsonDocument> CallFormAsync(string method, IEnumerable<KeyValuePair<string, string>> fields, CancellationToken cancellationToken) =>
        SendAsync(method, null, () => new FormUrlEncodedContent(fields), cancellationToken);

    /// <summary>Waits until Slack's limits allow <paramref name="method"/> in <paramref name="channel"/>, or fails when the caller does not wait.</summary>
    async Task WithinLimitsAsync(string method, string? channel, CancellationToken cancellationToken)
    {
        while (!limits.TryAcquire(method, channel, time.GetUtcNow(), out var wait))
        {
            if (NotWaiting.Value) throw new SlackRateLimitedException(method, time.GetUtcNow() + wait);
            if (wait > settings.MaxRetryAfter) throw new SlackApiException(method, "rate_limited");
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    /// <summary>One call, counted in <see cref="SlackApiMetrics"/> when it fails (a call told to try later is not a failure).</summary>
    async Task<JsonDocument> SendAsync(string method, string? channel, Func<HttpContent> content, CancellationToken cancellationToken)
    {
        try
        {
            return await SendWithRetriesAsync(method, channel, content, cancellationToken);
        }
        catch (SlackApiException e) when (e is not SlackRateLimitedException)
        {
            metrics?.Failed(method, e.Error);
            throw;
        }
    }

    async Task<JsonDocument> SendWithRetriesAsync(string method, string? channel, Func<HttpContent> content, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            await WithinLimitsAsync(method, channel, cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(settings.BaseUrl, method)) { Content = content() };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.BotToken);

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw new SlackApiException(method, "request_failed", [e.Message]);
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    metrics?.RateLimited(method);
                    // Only this method (in this channel) pauses; the wait itself happens before the next attempt.
                    var wait = RetryAfter(response);
                    limits.Pause(method, channel, time.GetUtcNow() + wait);
                    if (NotWaiting.Value) throw new SlackRateLimitedException(method, time.GetUtcNow() + wait);
                    if (attempt >= settings.MaxRateLimitRetries || wait > settings.MaxRetryAfter)
                        throw new SlackApiException(method, "rate_limited");
                    continue;
                }
                if (!response.IsSuccessStatusCode)
                    throw new SlackApiException(method, "http_" + ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));

                JsonDocument doc;
                try
                {
                    doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), default, cancellationToken);
                }
                catch (JsonException)
                {
                    throw new SlackApiException(method, "invalid_response");
                }
                var root = doc.RootElement;
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ok", out var ok) && ok.ValueKind == JsonValueKind.True)
                    return doc;

                using (doc)
                {
                    var error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String
                        ? e.GetString()!
                        : "unknown_error";
                    throw new SlackApiException(method, error, Messages(root));
                }
            }
        }
    }

    static IReadOnlyList<string> Messages(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Object &&
            root.TryGetProperty("response_metadata", out var meta) && meta.ValueKind == JsonValueKind.Object &&
            meta.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
            return messages.EnumerateArray().Select(m => m.ToString()).ToList();
        return [];
    }

    static TimeSpan RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (response.Headers.TryGetValues("Retry-After", out var values) &&
            int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return TimeSpan.FromSeconds(seconds);
        return TimeSpan.FromSeconds(1);
    }
}
