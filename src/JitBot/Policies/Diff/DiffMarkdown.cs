using System.Globalization;
using System.Text;

namespace JitBot.Policies.Diff;

/// <summary>
/// A policy diff as Markdown to paste into a pull request: a summary line, then one table per kind of change
/// (at most <c>rows</c> rows each, then "and N more"; the counts are always complete). Every name from the
/// policy is escaped, so a person called <c>*x*</c> or a resource with a <c>|</c> cannot break the table.
/// </summary>
public static class DiffMarkdown
{
    static readonly (ChangeKind Kind, string Title)[] Sections =
    [
        (ChangeKind.GainsAccess, "Gain access"),
        (ChangeKind.LosesAccess, "Lose access"),
        (ChangeKind.HowGranted, "Granted differently (automatic ↔ approval, reason or ticket)"),
        (ChangeKind.Approvers, "Different approvers"),
        (ChangeKind.MaxDuration, "Different maximum duration"),
    ];

    public static string Render(PolicyDiffResult diff, int rows = 50)
    {
        var sb = new StringBuilder();
        sb.Append("### Policy diff `").Append(Short(diff.OldVersion)).Append("` → `").Append(Short(diff.NewVersion)).AppendLine("`");
        sb.AppendLine();
        sb.AppendLine(Summary(diff));
        foreach (var (kind, title) in Sections)
        {
            var count = diff.Counts.GetValueOrDefault(kind);
            if (count == 0) continue;
            var shown = diff.Samples[kind];
            sb.AppendLine().Append("#### ").Append(title).Append(" (").Append(N(count)).AppendLine(")").AppendLine();
            sb.AppendLine("| Who | Resource | Before | After |");
            sb.AppendLine("|---|---|---|---|");
            foreach (var c in shown.Take(rows))
                sb.Append("| ").Append(Escape(diff.Shown(c.Principal))).Append(" | ").Append(Escape(c.ResourceId))
                  .Append(" | ").Append(Escape(c.Before.Text)).Append(" | ").Append(Escape(c.After.Text)).AppendLine(" |");
            var more = count - Math.Min(rows, shown.Count);
            if (more > 0) sb.AppendLine().Append("…and ").Append(N(more)).AppendLine(" more.");
        }
        Listed(sb, "People added", diff.PeopleAdded, rows);
        Listed(sb, "People removed", diff.PeopleRemoved, rows);
        Listed(sb, "Resources added", diff.ResourcesAdded, rows);
        Listed(sb, "Resources removed", diff.ResourcesRemoved, rows);
        sb.AppendLine().Append("<sub>Each listed person (with their own tags, in no group) and each declared group asked for every resource, ")
          .Append("for the longest duration, without a reason, outside an incident; ").Append(N(diff.Decisions)).AppendLine(" decisions by the JitBot engine.</sub>");
        return sb.ToString();
    }

    /// <summary>"No access changes." or "**12 changes** for 3 people or groups on 5 resources: 4 gain access, …".</summary>
    public static string Summary(PolicyDiffResult diff)
    {
        var parts = Sections.Where(s => diff.Counts.GetValueOrDefault(s.Kind) > 0)
            .Select(s => $"{N(diff.Counts[s.Kind])} {s.Kind switch
            {
                ChangeKind.GainsAccess => "gain access",
                ChangeKind.LosesAccess => "lose access",
                ChangeKind.HowGranted => "granted differently",
                ChangeKind.Approvers => "different approvers",
                _ => "different maximum",
            }}").ToList();
        var roster = new List<string>();
        if (diff.PeopleAdded.Count > 0) roster.Add($"{People(diff.PeopleAdded.Count)} added");
        if (diff.PeopleRemoved.Count > 0) roster.Add($"{People(diff.PeopleRemoved.Count)} removed");
        if (diff.ResourcesAdded.Count > 0) roster.Add($"{Resources(diff.ResourcesAdded.Count)} added");
        if (diff.ResourcesRemoved.Count > 0) roster.Add($"{Resources(diff.ResourcesRemoved.Count)} removed");
        var tail = roster.Count > 0 ? " " + string.Join(", ", roster) + "." : "";
        if (diff.Same) return "**No access changes.**" + tail;
        return $"**{N(diff.ChangedPairs)} access {(diff.ChangedPairs == 1 ? "change" : "changes")}** for {N(diff.ChangedPrincipals)} " +
               $"{(diff.ChangedPrincipals == 1 ? "person or group" : "people or groups")} on {N(diff.ChangedResources)} " +
               $"{(diff.ChangedResources == 1 ? "resource" : "resources")}: {string.Join(", ", parts)}.{tail}";
    }

    static void Listed(StringBuilder sb, string title, IReadOnlyList<string> ids, int rows)
    {
        if (ids.Count == 0) return;
        sb.AppendLine().Append("#### ").Append(title).Append(" (").Append(N(ids.Count)).AppendLine(")").AppendLine();
        sb.Append(string.Join(", ", ids.Take(rows).Select(Escape)));
        if (ids.Count > rows) sb.Append(", …and ").Append(N(ids.Count - rows)).Append(" more");
        sb.AppendLine(".");
    }

    /// <summary>Text safe in a Markdown table cell: the punctuation that means something inside a line is escaped (so is <c>@</c>: no mentions), line breaks flattened.</summary>
    public static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        foreach (var ch in text)
        {
            if (ch is '\r' or '\n') { sb.Append(' '); continue; }
            if (char.IsControl(ch)) continue;
            if (ch is '<') { sb.Append("&lt;"); continue; }
            if (ch is '>') { sb.Append("&gt;"); continue; }
            if (ch is '&') { sb.Append("&amp;"); continue; }
            if (@"\`*_{}[]()#|~@".Contains(ch)) sb.Append('\\');
            sb.Append(ch);
        }
        return sb.ToString();
    }

    static string People(int n) => n == 1 ? "1 person" : $"{N(n)} people";

    static string Resources(int n) => n == 1 ? "1 resource" : $"{N(n)} resources";

    static string Short(string version) => version.StartsWith("sha256:", StringComparison.Ordinal) && version.Length > 19 ? version[..19] : version;

    static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
