namespace JitBot.Slack.Api;

/// <summary>
/// Slack's limits as JitBot keeps them, in this process: a token bucket per channel for posted messages (about
/// <see cref="SlackApiSettings.MessagesPerSecond"/> sustained, bursts of <see cref="SlackApiSettings.MessageBurst"/>),
/// and a pause per method and channel (per method for calls without a channel) after Slack answered 429 with
/// <c>Retry-After</c>. A pause slows only its method and channel; every other channel and method goes on.
/// </summary>
public sealed class SlackRateLimits(SlackApiSettings settings)
{
    const string PostMessage = "chat.postMessage";
    const int MaxRemembered = 10_000;

    readonly Dictionary<string, (double Tokens, DateTimeOffset At)> _buckets = new(StringComparer.Ordinal);
    readonly Dictionary<string, DateTimeOffset> _pausedUntil = new(StringComparer.Ordinal);
    readonly Lock _lock = new();

    /// <summary>
    /// Takes the right to call <paramref name="method"/> in <paramref name="channel"/> now: true (and a message
    /// token, for a post), or false with how long to wait before asking again.
    /// </summary>
    public bool TryAcquire(string method, string? channel, DateTimeOffset now, out TimeSpan wait)
    {
        lock (_lock)
        {
            if (_pausedUntil.TryGetValue(PauseKey(method, channel), out var until))
            {
                if (until > now)
                {
                    wait = until - now;
                    return false;
                }
                _pausedUntil.Remove(PauseKey(method, channel));
            }
            wait = TimeSpan.Zero;
            if (method != PostMessage || channel is null || settings.MessagesPerSecond <= 0) return true;

            var burst = Math.Max(1, settings.MessageBurst);
            var (tokens, at) = _buckets.TryGetValue(channel, out var bucket) ? bucket : (burst, now);
            tokens = Math.Min(burst, tokens + Math.Max(0, (now - at).TotalSeconds) * settings.MessagesPerSecond);
            if (tokens < 1)
            {
                _buckets[channel] = (tokens, now);
                wait = TimeSpan.FromSeconds((1 - tokens) / settings.MessagesPerSecond);
                return false;
            }
            if (_buckets.Count > MaxRemembered) Forget(now, burst);
            _buckets[channel] = (tokens - 1, now);
            return true;
        }
    }

    /// <summary>Slack answered 429: <paramref name="method"/> in <paramref name="channel"/> waits until <paramref name="until"/>.</summary>
    public void Pause(string method, string? channel, DateTimeOffset until)
    {
        lock (_lock)
        {
            var key = PauseKey(method, channel);
            if (!_pausedUntil.TryGetValue(key, out var current) || current < until) _pausedUntil[key] = until;
        }
    }

    /// <summary>Drops the buckets that have filled up again and the pauses that are over: they hold nothing back.</summary>
    void Forget(DateTimeOffset now, int burst)
    {
        foreach (var (channel, (tokens, at)) in _buckets.ToList())
            if (tokens + (now - at).TotalSeconds * settings.MessagesPerSecond >= burst) _buckets.Remove(channel);
        foreach (var (key, until) in _pausedUntil.ToList())
            if (until <= now) _pausedUntil.Remove(key);
    }

    static string PauseKey(string method, string? channel) => channel is null ? method : method + " " + channel;
}

/// <summary>
/// A call Slack's limits do not allow now, made by a caller that asked not to wait
/// (<see cref="SlackApiClient.WithoutWaiting"/>): it may be made at <see cref="RetryAt"/>.
/// </summary>
public sealed class SlackRateLimitedException(string method, DateTimeOffset retryAt)
    : SlackApiException(method, "rate_limited")
{
    public DateTimeOffset RetryAt { get; } = retryAt;
}
