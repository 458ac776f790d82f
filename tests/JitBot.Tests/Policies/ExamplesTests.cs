using JitBot.Cli;
using JitBot.Policies;

namespace JitBot.Tests.Policies;

public class ExamplesTests
{
    [Fact]
    public void Examples_ValidateWithoutProblems()
    {
        var result = PolicyLoader.Load(Policy.ExamplesDir);
        Assert.Empty(result.Problems);
        var s = result.Snapshot!;
        Assert.True(s.ResourceIds.Count >= 15);
        Assert.Equal(["dev", "production", "staging"], s.ResourceIds.Select(id => s.FindResource(id)!.Tags["env"]).Distinct().Order());
        Assert.True(s.FindResource("payments-db")!.OwnerTeam == "payments");
        Assert.True(s.IsIncidentChannel("#inc-4312"));
        Assert.False(s.IsIncidentChannel("general"));
        Assert.Contains("S01PAYONC", s.SlackUserGroupIds);
    }

    [Fact]
    public void Examples_PolicyTests_AllPass_AndThereAreAtLeast30()
    {
        var snapshot = PolicyLoader.Load(Policy.ExamplesDir).Snapshot!;
        var (cases, problems) = PolicyTestRunner.ReadCases(Policy.ExamplesDir, snapshot);
        Assert.Empty(problems);
        Assert.True(cases.Count >= 30, $"{cases.Count} cases");
        var failures = cases.Select(c => PolicyTestRunner.Run(snapshot, c)).Where(r => !r.Passed)
            .Select(r => $"{r.Case.Name}: {string.Join("; ", r.Failures)}").ToArray();
        Assert.Empty(failures);
    }
}
