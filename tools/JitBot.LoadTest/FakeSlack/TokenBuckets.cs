namespace JitBot.LoadTest.FakeSlack;

/// <summary>
/// Slack's per-channel limits as token buckets, one per key (method and channel): each holds up to
/// <c>burst</c> calls and refills at <c>perSecond</c>. A call with no token left is refused with how long to
/// wait. Times are Unix milliseconds passed in, so the same buckets also work out when a limit lets a notice out.
/// </summary>
internal sealed class TokenBuckets(double perSecond, int burst)
{
    readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    readonly Lock _lock = new();

    sealed class Bucket(double tokens, long atMs)
    {
        public double Tokens = tokens;
        public long AtMs = atMs;
    }

    /// <summary>Takes a token for <paramref name="key"/> at <paramref name="nowMs"/>: zero when allowed, else the milliseconds until one is free.</summary>
    public double Take(string key, long nowMs)
    {
        lock (_lock)
        {
            if (!_buckets.TryGetValue(key, out var bucket)) _buckets[key] = bucket = new Bucket(burst, nowMs);
            if (nowMs > bucket.AtMs)
            {
                bucket.Tokens = Math.Min(burst, bucket.Tokens + (nowMs - bucket.AtMs) * perSecond / 1000.0);
                bucket.AtMs = nowMs;
            }
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                return 0;
            }
            return (1 - bucket.Tokens) * 1000.0 / perSecond;
        }
    }

    /// <summary>
    /// The earliest times calls due at <paramref name="dueMs"/> (in order, one key) can get through these limits
    /// when each is retried exactly when a token is free: the floor the limits put under any sender.
    /// </summary>
    public static long[] EarliestThrough(IReadOnlyList<long> dueMs, double perSecond, int burst)
    {
        var buckets = new TokenBuckets(perSecond, burst);
        var through = new long[dueMs.Count];
        var previous = long.MinValue;
        for (var i = 0; i < dueMs.Count; i++)
        {
            var at = Math.Max(dueMs[i], previous);
            for (var wait = buckets.Take("", at); wait > 0; wait = buckets.Take("", at)) at += (long)Math.Ceiling(wait);
            through[i] = previous = at;
        }
        return through;
    }
}
