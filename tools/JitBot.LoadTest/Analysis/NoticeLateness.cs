using System.Globalization;
using System.Text;
using JitBot.LoadTest.FakeSlack;

namespace JitBot.LoadTest.Analysis;

/// <summary>
/// How late the expiry notices were: each grant's "your access … expired" DM (matched on requester and resource)
/// against the grant's <c>expires_at</c>; how many never arrived; how many "you have access … ends X" DMs arrived
/// after X; with per-channel limits, how much of the lateness those limits force; and the 429s per method.
/// </summary>
internal static class NoticeLateness
{
    public static async Task<string> ReportAsync(Options o)
    {
        var grants = await GrantTimes.ReadAsync(o.Text("provider"), o.Text("connection"));
        var calls = Call.ReadAll(o.Text("calls"));
        var limitRate = o.Double("limit-rate", 0);
        return Analyse(grants, calls, o.Long("after", 0), limitRate > 0 ? (limitRate, o.Int("limit-burst", 5)) : null,
            DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    public static string Analyse(IReadOnlyList<GrantTime> grants, IReadOnlyList<Call> calls, long afterMs, (double Rate, int Burst)? limits, long nowMs)
    {
        var text = new StringBuilder();
        var ended = grants.Where(g => g.EndedMs is not null).ToList();
        var revoked = new Percentiles(ended.Select(g => (double)(g.EndedMs!.Value - g.ExpiresMs)));
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"grants: {grants.Count}, ended {ended.Count}, still active {grants.Count - ended.Count}; revoked after expiry: {revoked.Summary()}"));

        var due = grants.Where(g => g.ExpiresMs <= nowMs).ToList();
        var matched = Match(due, calls.Where(c => c.Delivered && NoticeText.Kind(c.Text) == NoticeKind.EndedDm));
        var lateness = new Percentiles(matched.Select(m => (double)(m.ArrivedMs - m.Grant.ExpiresMs)));
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"expiry notices (DM): {matched.Count} of {due.Count} arrived, {due.Count - matched.Count} never; after expires_at: {lateness.Summary("s")}"));

        if (limits is { } l)
        {
            // The earliest each DM could have got through its channel's limit, had the bot sent it the moment the grant expired.
            var floor = new Dictionary<GrantTime, long>();
            foreach (var channel in due.GroupBy(g => g.User))
            {
                var ordered = channel.OrderBy(g => g.ExpiresMs).ToList();
                var through = TokenBuckets.EarliestThrough(ordered.Select(g => g.ExpiresMs).ToList(), l.Rate, l.Burst);
                for (var i = 0; i < ordered.Count; i++) floor[ordered[i]] = through[i];
            }
            var forced = new Percentiles(due.Select(g => (double)(floor[g] - g.ExpiresMs)));
            var beyond = new Percentiles(matched.Select(m => (double)(m.ArrivedMs - floor[m.Grant])));
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"  forced by the per-channel limit ({l.Rate}/s, burst {l.Burst}): {forced.Summary("s")}; beyond that: {beyond.Summary("s")}"));
        }

        // One per grant: a message about several grants names each one's end.
        var granted = calls.Where(c => c.Delivered && NoticeText.Kind(c.Text) == NoticeKind.GrantedDm).ToList();
        var ends = granted.SelectMany(c => NoticeText.AllEndsAtMs(c.Text).Select(end => (c.AtMs, End: end))).ToList();
        var stale = ends.Count(e => e.AtMs > e.End);
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"\"you have access … ends X\" DMs: {ends.Count} grants in {granted.Count} messages, of which {stale} arrived after X"));
        var endedMessages = calls.Count(c => c.Delivered && NoticeText.Kind(c.Text) == NoticeKind.EndedDm);
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"expiry DMs: {endedMessages} messages for {matched.Count} grants"));

        if (afterMs > 0 && ended.Count > 0)
        {
            var lastRevoked = (ended.Max(g => g.EndedMs!.Value) - afterMs) / 1000.0;
            var lastNotice = matched.Count == 0 ? double.NaN : (matched.Max(m => m.ArrivedMs) - afterMs) / 1000.0;
            var never = matched.Count < due.Count ? $" ({due.Count - matched.Count} never)" : "";
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"after /healthz: last revoked {lastRevoked:F2} s, last expiry notice {lastNotice:F2} s{never}"));
        }

        text.Append("Slack calls: ").Append(Call.PerMethod(calls));
        return text.ToString();
    }

    public sealed record Matched(GrantTime Grant, long ArrivedMs);

    /// <summary>Pairs grants with notices about the same requester and resource, in order of expiry and of arrival.</summary>
    public static List<Matched> Match(IEnumerable<GrantTime> grants, IEnumerable<Call> notices)
    {
        var arrivals = new Dictionary<(string, string), Queue<long>>();
        foreach (var call in notices.OrderBy(c => c.AtMs))
        {
            foreach (var key in NoticeText.Subjects(call.Channel, call.Text))
            {
                if (!arrivals.TryGetValue(key, out var queue)) arrivals[key] = queue = new Queue<long>();
                queue.Enqueue(call.AtMs);
            }
        }
        var matched = new List<Matched>();
        foreach (var grant in grants.OrderBy(g => g.ExpiresMs))
            if (arrivals.TryGetValue((grant.User, grant.Resource), out var queue) && queue.TryDequeue(out var at))
                matched.Add(new Matched(grant, at));
        return matched;
    }
}
