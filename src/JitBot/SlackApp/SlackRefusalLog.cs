using System.Collections.Concurrent;
using System.Globalization;
using JitBot.Slack.Dispatch;

namespace JitBot.SlackApp;

/// <summary>
/// Requests refused before JitBot knows that Slack sent them (no or a bad signature, a body too large or
/// unreadable) are counted, not logged one by one: anyone can send them, and a line each would let them fill the
/// log. Per endpoint, the first refusal after a quiet minute is logged at once; the ones after it are summed up
/// in one line when the minute is over, with how many and why. So an endpoint writes at most one line a minute.
/// </summary>
public sealed class SlackRefusalLog(TimeProvider time, ILogger<SlackRefusalLog> logger) : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    readonly ConcurrentDictionary<SlackInboundKind, Tally> tallies = new();

    /// <param name="why">JitBot's words for the refusal (e.g. a signature failure's name), never the request's.</param>
    public void Count(SlackInboundKind endpoint, string why)
    {
        var tally = tallies.GetOrAdd(endpoint, static e => new Tally(e));
        Summary? due;
        lock (tally)
        {
            var now = time.GetUtcNow();
            tally.Add(why, now);
            if (tally.LastLogged is { } last && now - last < Interval)
            {
                tally.Flush ??= time.CreateTimer(_ => Flush(tally), null, last + Interval - now, Timeout.InfiniteTimeSpan);
                return;
            }
            due = tally.Take(now);
        }
        Write(due);
    }

    void Flush(Tally tally)
    {
        Summary? due;
        lock (tally)
        {
            tally.Flush?.Dispose();
            tally.Flush = null;
            due = tally.Take(time.GetUtcNow());
        }
        Write(due);
    }

    void Write(Summary? summary)
    {
        if (summary is null) return;
        logger.LogWarning(
            "Refused {Count} request(s) to {Endpoint} since {Since:O} that did not come from Slack as far as JitBot can tell ({Reasons}). " +
            "If Slack's own requests are among them, check Slack:SigningSecret.",
            summary.Count, SlackEndpoint.PathOf(summary.Endpoint), summary.Since, summary.Reasons);
    }

    public void Dispose()
    {
        foreach (var tally in tallies.Values)
            lock (tally) tally.Flush?.Dispose();
    }

    sealed record Summary(SlackInboundKind Endpoint, int Count, DateTimeOffset Since, string Reasons);

    sealed class Tally(SlackInboundKind endpoint)
    {
        readonly SortedDictionary<string, int> reasons = new(StringComparer.Ordinal);
        int count;
        DateTimeOffset since;

        public DateTimeOffset? LastLogged { get; private set; }
        public ITimer? Flush { get; set; }

        public void Add(string why, DateTimeOffset now)
        {
            if (count++ == 0) since = now;
            reasons[why] = reasons.GetValueOrDefault(why) + 1;
        }

        /// <summary>What was counted since the last line, as a line to write now; null when nothing was.</summary>
        public Summary? Take(DateTimeOffset now)
        {
            if (count == 0) return null;
            var summary = new Summary(endpoint, count, since,
                string.Join(", ", reasons.Select(r => $"{r.Key} {r.Value.ToString(CultureInfo.InvariantCulture)}")));
            count = 0;
            reasons.Clear();
            LastLogged = now;
            return summary;
        }
    }
}
