using System.Globalization;
using System.Text;
using JitBot.Common;
using JitBot.Policies.Diff;
using JitBot.Requests;

namespace JitBot.Policies.Replay;

/// <summary>
/// A replay as Markdown to paste into a pull request, in the diff's words (<see cref="DiffMarkdown"/>): a summary
/// line, a table of the decisions that change (when, who, resource, duration asked, before → after, request), then
/// what was skipped or assumed, with counts. Everything that came from the log or the policy is escaped.
/// </summary>
public static class ReplayMarkdown
{
    /// <param name="people">The name the policy gives a Slack user id, when it lists them.</param>
    public static string Render(ReplayResult result, Func<string, string?> people)
    {
        var sb = new StringBuilder();
        sb.Append("### Policy replay on `").Append(Short(result.PolicyVersion)).AppendLine("`");
        sb.AppendLine();
        sb.AppendLine(Summary(result));
        if (result.Changes.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("| When (UTC) | Who | Resource | Duration asked | Before | After | Request |");
            sb.AppendLine("|---|---|---|---|---|---|---|");
            foreach (var c in result.Changes)
            {
                var who = Who(c.RequesterId, people) + (c.OnBehalfOf is { } by ? $", channel-wide grant by {Who(by, people)}" : "");
                sb.Append("| ").Append(c.At.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture))
                  .Append(" | ").Append(DiffMarkdown.Escape(who))
                  .Append(" | ").Append(DiffMarkdown.Escape(c.ResourceId))
                  .Append(" | ").Append(c.RequestedDuration is { } d ? DurationText.Humanize(d) : "the default")
                  .Append(" | ").Append(DiffMarkdown.Escape(c.Before.Text))
                  .Append(" | ").Append(DiffMarkdown.Escape(c.After.Text))
                  .Append(" | ").Append(DiffMarkdown.Escape(new RequestId(c.RequestId).Short)).AppendLine(" |");
            }
            var more = result.Changed - result.Changes.Count;
            if (more > 0) sb.AppendLine().Append("…and ").Append(N(more)).AppendLine(" more (raise --limit or narrow --since to see them).");
        }
        Reasons(sb, "Skipped", result.Skipped);
        Reasons(sb, "Decided with an assumption", result.Assumed);
        sb.AppendLine().AppendLine("<sub>Each request decided again by the JitBot engine under the proposed policy, as of the time it was made, " +
                                   "for the requester and the Slack groups recorded then. A decision changes when its outcome does (denied, automatic, approval), " +
                                   "its approvers do, or the duration it grants does.</sub>");
        return sb.ToString();
    }

    /// <summary>"**12 requests replayed** since …: **2 would change**, 1 skipped." or "No requests recorded since …".</summary>
    public static string Summary(ReplayResult result)
    {
        var period = Period(result);
        var skippedText = result.SkippedCount > 0 ? $", {N(result.SkippedCount)} skipped (below)" : "";
        if (result.Replayed == 0)
            return result.SkippedCount == 0
                ? $"**No requests recorded** {period}: nothing to replay."
                : $"**No request could be replayed** {period}{skippedText}.";
        var requests = result.Replayed == 1 ? "1 request" : $"{N(result.Replayed)} requests";
        var changes = result.Changed == 0 ? "none would change" : $"**{N(result.Changed)} would change**";
        return $"**{requests} replayed** {period}: {changes}{skippedText}.";
    }

    static string Period(ReplayResult r)
    {
        var since = r.Since is { } s ? $"since {Time(s)}" : "since the log began";
        return r.Until is { } u ? $"{since} until {Time(u)}" : since;
    }

    static void Reasons(StringBuilder sb, string title, IReadOnlyDictionary<string, long> counts)
    {
        if (counts.Count == 0) return;
        sb.AppendLine().Append("**").Append(title).Append("** (").Append(N(counts.Values.Sum())).AppendLine("):").AppendLine();
        foreach (var (reason, count) in counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
            sb.Append("- ").Append(N(count)).Append(": ").AppendLine(reason); // our own sentences (ReplaySkips, ReplayAssumptions)
    }

    static string Who(string slackId, Func<string, string?> people) => people(slackId) is { Length: > 0 } name ? $"{name} ({slackId})" : slackId;

    static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    static string Short(string version) => version.StartsWith("sha256:", StringComparison.Ordinal) && version.Length > 19 ? version[..19] : version;

    static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
