using JitBot.Cli;
using JitBot.Policies;
using JitBot.Policies.Diff;
using JitBot.Tests.Policies;
using static JitBot.Tests.Cli.CommandLine;

namespace JitBot.Tests.Cli;

public class PolicyDiffCliTests
{
    /// <summary>A Wednesday at noon in London: inside the finance guard's business hours.</summary>
    static readonly DateTimeOffset At = new(2026, 3, 4, 12, 0, 0, TimeSpan.Zero);

    static (int Code, string Out, string Err) Diff(string oldDir, string newDir)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = PolicyDiffCli.Diff(oldDir, newDir, stdout, stderr, At);
        return (code, stdout.ToString(), stderr.ToString());
    }

    static PolicySnapshot Load(string dir) => PolicyLoader.Load(dir).Snapshot ?? throw new InvalidOperationException(dir);

    [Fact]
    public void Identical_Folders_ExitZero_NoAccessChanges()
    {
        using var copy = TempPolicy.CopyOf(Policy.ExamplesDir);
        var (code, output, _) = Run("policy", "diff", Policy.ExamplesDir, copy.Dir);
        Assert.Equal(0, code);
        Assert.Contains("**No access changes.**", output);
        Assert.DoesNotContain("| Who |", output);
    }

    [Fact]
    public void A_Rule_No_Longer_For_Interns_Is_Lost_Access_And_ExitsOne()
    {
        using var changed = ExamplesWith("rules/non-production.yaml", "employment: [staff, contractor, intern]", "employment: [staff, contractor]");
        var (code, output, _) = Diff(Policy.ExamplesDir, changed.Dir);
        Assert.Equal(1, code);
        Assert.Contains("3 lose access", output);
        Assert.Contains("#### Lose access (3)", output);
        Assert.Contains("| Ivo \\(U0INT0001\\) | k8s\u002Ddev | automatic, max 8 hours | denied |".Replace("\u002D", "-"), output);
        Assert.DoesNotContain("Gain access", output);

        // The other way round, the same pairs gain it.
        var (back, reverse, _) = Diff(changed.Dir, Policy.ExamplesDir);
        Assert.Equal(1, back);
        Assert.Contains("#### Gain access (3)", reverse);
    }

    [Fact]
    public void Auto_Approval_Taken_Away_Is_Granted_Differently()
    {
        using var changed = ExamplesWith("rules/non-production.yaml", "    duration: {default: 2h, max: 8h}\n    auto_approve: true\n", "    duration: {default: 2h, max: 8h}\n");
        var diff = PolicyDiff.Compare(Load(Policy.ExamplesDir), Load(changed.Dir), At);
        Assert.True(diff.Counts[ChangeKind.HowGranted] > 0);
        Assert.Equal(0, diff.Counts[ChangeKind.GainsAccess] + diff.Counts[ChangeKind.LosesAccess]);
        Assert.All(diff.Samples[ChangeKind.HowGranted], c =>
        {
            Assert.Equal(DecisionOutcome.AutoApproved, c.Before.Outcome);
            Assert.Equal(DecisionOutcome.ApprovalRequired, c.After.Outcome);
        });
    }

    [Fact]
    public void Two_Approvals_Instead_Of_One_Are_Different_Approvers()
    {
        using var changed = ExamplesWith("rules/production.yaml", "    approval: {from: owner-team, count: 1}\n    auto_approve:", "    approval: {from: owner-team, count: 2}\n    auto_approve:");
        var diff = PolicyDiff.Compare(Load(Policy.ExamplesDir), Load(changed.Dir), At);
        Assert.True(diff.Counts[ChangeKind.Approvers] > 0);
        var c = diff.Samples[ChangeKind.Approvers][0];
        Assert.StartsWith("1 of ", c.Before.Approvers);
        Assert.StartsWith("2 of ", c.After.Approvers);
    }

    [Fact]
    public void A_Lower_Maximum_Is_A_Different_Maximum_Duration()
    {
        using var changed = ExamplesWith("rules/non-production.yaml", "duration: {default: 1h, max: 4h}", "duration: {default: 1h, max: 2h}");
        var (code, output, _) = Diff(Policy.ExamplesDir, changed.Dir);
        Assert.Equal(1, code);
        Assert.Contains("#### Different maximum duration", output);
        Assert.Contains("max 4 hours | approval: 1 of", output);
        Assert.Contains("max 2 hours |", output);
    }

    [Fact]
    public void People_And_Resources_In_One_Version_Only_Are_Listed_And_Decided()
    {
        using var changed = ExamplesWith("people.yaml", "people:\n",
            "people:\n  - {slack: U0NEW0001, name: \"Zed *bold* | pipe\", tags: {team: payments, employment: staff}}\n");
        var resources = Path.Combine(changed.Dir, "resources.yaml");
        File.WriteAllText(resources, File.ReadAllText(resources)
            .Replace("  - id: payments-db-dev\n", "  - id: payments-db-test\n"));
        var (code, output, _) = Diff(Policy.ExamplesDir, changed.Dir);
        Assert.Equal(1, code);
        Assert.Contains("1 person added", output);
        Assert.Contains("1 resource added, 1 resource removed", output);
        Assert.Contains("#### Resources removed (1)\n\npayments-db-dev.", output.ReplaceLineEndings("\n"));
        // The new person is decided by the engine like anyone: staff of payments get the dev database at once.
        Assert.Contains("| Zed \\*bold\\* \\| pipe \\(U0NEW0001\\) | payments-db-test | denied | automatic, max 8 hours |", output);
        Assert.Contains("| Ana \\(U0PAY0001\\) | payments-db-dev | automatic, max 8 hours | denied |", output);
        // Every table row has exactly five unescaped pipes, whatever the names hold.
        foreach (var row in Lines(output).Where(l => l.StartsWith("| ") && !l.StartsWith("| Who")))
            Assert.Equal(5, System.Text.RegularExpressions.Regex.Matches(row, @"(?<!\\)\|").Count);
    }

    [Fact]
    public void Long_Tables_Are_Cut_With_And_N_More_But_Counts_Stay_Complete()
    {
        using var changed = ExamplesWith("rules/non-production.yaml", "duration: {default: 1h, max: 4h}", "duration: {default: 1h, max: 2h}");
        var diff = PolicyDiff.Compare(Load(Policy.ExamplesDir), Load(changed.Dir), At);
        var count = diff.Counts[ChangeKind.MaxDuration];
        Assert.True(count > 3);
        var text = DiffMarkdown.Render(diff, rows: 3);
        Assert.Contains($"#### Different maximum duration ({count})", text);
        Assert.Contains($"…and {count - 3} more.", text);
        Assert.Equal(3 + 2, Lines(text).Count(l => l.StartsWith('|')));
    }

    [Fact]
    public void A_Folder_That_Does_Not_Validate_Exits_Two_With_Its_Problems()
    {
        using var broken = ExamplesWith("rules/non-production.yaml", "    duration: {default: 4h, max: 8h}", "    duration: {default: 4h, max: 8 fortnights}");
        var (code, output, error) = Run("policy", "diff", Policy.ExamplesDir, broken.Dir);
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.Contains($"{broken.Dir.Replace('\\', '/')}/rules/non-production.yaml:7:34: bad-duration:", error);
        Assert.Contains("must validate first", error);

        var (missing, _, why) = Run("policy", "diff", Policy.ExamplesDir, broken.Dir + "-nowhere");
        Assert.Equal(2, missing);
        Assert.Contains("There is no folder", why);
    }

    [Fact]
    public void Escape_Neutralises_Markdown_And_Mentions()
    {
        Assert.Equal(@"a\|b \*c\* \_d\_ \[e\]\(f\) \@here &lt;b&gt; x y", DiffMarkdown.Escape("a|b *c* _d_ [e](f) @here <b> x\ny"));
    }
}
