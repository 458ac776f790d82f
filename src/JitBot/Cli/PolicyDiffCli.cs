using System.Diagnostics;
using JitBot.Policies;
using JitBot.Policies.Diff;

namespace JitBot.Cli;

/// <summary>
/// <c>jitbot policy diff &lt;old&gt; &lt;new&gt;</c>: the access changes between two policy folders as Markdown on
/// stdout. Exit 0 when no access changes, 1 when some do (a CI gate), 2 when a folder is missing or does not
/// validate (its problems printed as file:line:col).
/// </summary>
public static class PolicyDiffCli
{
    public static int Diff(string oldFolder, string newFolder, TextWriter stdout, TextWriter stderr, DateTimeOffset? at = null)
    {
        if (PolicyCli.FolderOrUsageError(oldFolder, "diff", stderr) is not { } oldDir) return PolicyCli.Usage;
        if (PolicyCli.FolderOrUsageError(newFolder, "diff", stderr) is not { } newDir) return PolicyCli.Usage;
        var before = PolicyCli.LoadOrReport(oldDir, oldFolder, stderr, stderr, quietWhenValid: true);
        var after = PolicyCli.LoadOrReport(newDir, newFolder, stderr, stderr, quietWhenValid: true);
        if (before is null || after is null)
        {
            stderr.WriteLine($"Nothing compared: {string.Join(" and ", new[] { (before, oldFolder), (after, newFolder) }.Where(x => x.Item1 is null).Select(x => x.Item2))} must validate first.");
            return PolicyCli.Usage;
        }
        var watch = Stopwatch.StartNew();
        var diff = PolicyDiff.Compare(before, after, at ?? DateTimeOffset.UtcNow);
        stdout.Write(DiffMarkdown.Render(diff));
        stderr.WriteLine($"Compared in {watch.Elapsed.TotalSeconds:0.0} s ({diff.Decisions:N0} decisions).");
        return diff.Same ? PolicyCli.Ok : PolicyCli.Failed;
    }
}
