using System.Globalization;
using System.Text;

namespace JitBot.LoadTest.Analysis;

/// <summary>
/// The notice backlog during a steady run, worked out from two records: when each <c>/access</c> command was due
/// (the run's <c>--sent-log</c>) and when the fake Slack received the first notice about that requester and
/// resource (the approval message, or the "you have access" DM). A command is in the backlog from when it was due
/// until its first notice arrives; the oldest one's age is that of the oldest undelivered notice, counted from
/// the command (a notice is queued a few milliseconds after its command).
/// </summary>
internal static class NoticeBacklog
{
    public sealed record Command(long DueMs, long? ArrivedMs);

    public sealed record Sample(long AtMs, int Depth, double OldestAgeMs);

    public static string Report(Options o)
    {
        var calls = Call.ReadAll(o.Text("calls"));
        var sent = File.ReadLines(o.Text("sent")).Select(l => l.Split('\t')).Where(p => p.Length == 6 && p[5] == "200")
            .Select(p => (User: p[1], Resource: p[2], DueMs: long.Parse(p[3], CultureInfo.InvariantCulture))).ToList();
        var first = new Dictionary<(string, string), long>();
        foreach (var call in calls.Where(c => c.Delivered && NoticeText.Kind(c.Text) is NoticeKind.Approval or NoticeKind.GrantedDm))
            foreach (var key in NoticeText.Subjects(call.Channel, call.Text)) first.TryAdd(key, call.AtMs);
        var commands = sent.Select(s => new Command(s.DueMs, first.TryGetValue((s.User, s.Resource), out var at) ? at : null)).ToList();
        var endMs = calls.Count == 0 ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : calls.Max(c => c.AtMs);
        return Describe(commands, endMs, o.Int("every", 10)) + Environment.NewLine + "Slack calls: " + Call.PerMethod(calls);
    }

    public static string Describe(IReadOnlyList<Command> commands, long endMs, int everySeconds)
    {
        if (commands.Count == 0) return "no acknowledged commands";
        var samples = Timeline(commands, endMs);
        var lastDue = commands.Max(c => c.DueMs);
        var atEndOfSending = samples.LastOrDefault(s => s.AtMs <= lastDue) ?? samples[0];
        var delivered = commands.Where(c => c.ArrivedMs is not null).ToList();
        var text = new StringBuilder();
        string S(double ms) => (ms / 1000).ToString("F1", CultureInfo.InvariantCulture) + " s";
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"notices: first notice of {delivered.Count:N0} of {commands.Count:N0} acknowledged commands arrived, " +
            $"{commands.Count - delivered.Count:N0} never; command to first notice: {new Percentiles(delivered.Select(c => (double)(c.ArrivedMs!.Value - c.DueMs))).Summary("s")}"));
        var worstDepth = samples.MaxBy(s => s.Depth)!;
        var worstAge = samples.MaxBy(s => s.OldestAgeMs)!;
        text.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"backlog (from fake-Slack arrivals): max depth {worstDepth.Depth:N0} at +{S(worstDepth.AtMs - samples[0].AtMs)}, " +
            $"max oldest age {S(worstAge.OldestAgeMs)}; when sending ended: depth {atEndOfSending.Depth:N0}, oldest {S(atEndOfSending.OldestAgeMs)}; " +
            $"at the end of the record (+{S(endMs - lastDue)} later): depth {samples[^1].Depth:N0}, oldest {S(samples[^1].OldestAgeMs)}"));
        text.Append("  every " + everySeconds + " s (depth/oldest):");
        for (var i = everySeconds; i < samples.Count; i += everySeconds)
            text.Append(string.Create(CultureInfo.InvariantCulture, $" {i}s {samples[i].Depth}/{S(samples[i].OldestAgeMs)}"));
        return text.ToString();
    }

    /// <summary>Depth and oldest age once a second, from the first command's due time to <paramref name="endMs"/>.</summary>
    public static List<Sample> Timeline(IReadOnlyList<Command> commands, long endMs)
    {
        var byDue = commands.OrderBy(c => c.DueMs).ToArray();
        var arrivals = commands.Select(c => c.ArrivedMs ?? long.MaxValue).Order().ToArray();
        var samples = new List<Sample>();
        int dueSoFar = 0, arrivedSoFar = 0, oldest = 0;
        for (var t = byDue[0].DueMs; t <= Math.Max(endMs, byDue[^1].DueMs); t += 1000)
        {
            while (dueSoFar < byDue.Length && byDue[dueSoFar].DueMs <= t) dueSoFar++;
            while (arrivedSoFar < arrivals.Length && arrivals[arrivedSoFar] <= t) arrivedSoFar++;
            // The oldest undelivered command only moves forward: everything before it has arrived by an earlier t.
            while (oldest < dueSoFar && (byDue[oldest].ArrivedMs ?? long.MaxValue) <= t) oldest++;
            samples.Add(new Sample(t, Math.Max(0, dueSoFar - arrivedSoFar), oldest < dueSoFar ? t - byDue[oldest].DueMs : 0));
        }
        return samples;
    }
}
