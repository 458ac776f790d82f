using System.Globalization;
using System.Text;
using JitBot.Policies;
using JitBot.Policies.Diff;
using JitBot.Slack.BlockKit;

namespace JitBot.Hosting;

/// <summary>
/// What the admin channel reads when the policy changes while the bot runs: a new version in force with what
/// changed (the policy diff's counts and first changes), or a version refused with its problems. Every name and
/// problem from the policy files is escaped for mrkdwn.
/// </summary>
public static class PolicyAnnouncementText
{
    /// <summary>How many changes, and problems, are listed before "and N more".</summary>
    public const int Listed = 5;

    public static string Loaded(string previous, string version, PolicyDiffResult? diff)
    {
        var sb = new StringBuilder();
        sb.Append(":scroll: *Policy reloaded*: ").Append(Mrkdwn.Code(Short(version))).Append(" is in force (was ")
          .Append(Mrkdwn.Code(Short(previous))).Append(").");
        if (diff is null)
        {
            sb.Append(" What changed could not be worked out; run `jitbot policy diff` on the two versions.");
            return sb.ToString();
        }
        var counts = new List<string>();
        void Count(ChangeKind kind, string what)
        {
            if (diff.Counts.GetValueOrDefault(kind) is var n and > 0) counts.Add($"{N(n)} {what}");
        }
        Count(ChangeKind.GainsAccess, "gain access");
        Count(ChangeKind.LosesAccess, "lose access");
        Count(ChangeKind.HowGranted, "granted differently");
        Count(ChangeKind.Approvers, "different approvers");
        Count(ChangeKind.MaxDuration, "different maximum duration");
        if (diff.PeopleAdded.Count + diff.PeopleRemoved.Count > 0) counts.Add($"people +{N(diff.PeopleAdded.Count)} −{N(diff.PeopleRemoved.Count)}");
        if (diff.ResourcesAdded.Count + diff.ResourcesRemoved.Count > 0) counts.Add($"resources +{N(diff.ResourcesAdded.Count)} −{N(diff.ResourcesRemoved.Count)}");
        if (diff.Same)
        {
            sb.Append(" No access changes").Append(counts.Count > 0 ? $" ({string.Join(", ", counts)})." : ".");
            return sb.ToString();
        }
        sb.Append(' ').Append(N(diff.ChangedPairs)).Append(diff.ChangedPairs == 1 ? " access change: " : " access changes: ")
          .Append(string.Join(", ", counts)).Append('.');
        var first = diff.Samples.OrderBy(s => s.Key).SelectMany(s => s.Value).Distinct().Take(Listed).ToArray();
        foreach (var c in first)
            sb.Append("\n• ").Append(Mrkdwn.Escape(diff.Shown(c.Principal))).Append(" — ").Append(Mrkdwn.Code(c.ResourceId)).Append(": ")
              .Append(Mrkdwn.Escape(c.Before.Text)).Append(" → ").Append(Mrkdwn.Escape(c.After.Text));
        if (diff.ChangedPairs > first.Length) sb.Append("\n…and ").Append(N(diff.ChangedPairs - first.Length)).Append(" more (`jitbot policy diff` lists them).");
        return Mrkdwn.Truncate(sb.ToString(), BlockLimits.SectionText);
    }

    public static string Refused(string running, IReadOnlyList<PolicyProblem> problems)
    {
        var errors = problems.Where(p => p.IsError).ToArray();
        var sb = new StringBuilder();
        sb.Append(":warning: *Policy not loaded*: the policy folder changed but does not validate, so ").Append(Mrkdwn.Code(Short(running)))
          .Append(" stays in force. ").Append(errors.Length == 1 ? "1 problem" : $"{N(errors.Length)} problems").Append(':');
        sb.Append("\n```");
        foreach (var p in errors.Take(Listed)) sb.Append('\n').Append(Mrkdwn.Escape(p.Format().Replace("`", "'")));
        sb.Append("\n```");
        if (errors.Length > Listed) sb.Append("\n…and ").Append(N(errors.Length - Listed)).Append(" more (`jitbot policy validate` lists them).");
        return Mrkdwn.Truncate(sb.ToString(), BlockLimits.SectionText);
    }

    static string Short(string version) => version.StartsWith("sha256:", StringComparison.Ordinal) && version.Length > 19 ? version[..19] : version;

    static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
