using JitBot.Cli;
using JitBot.Policies;
using static JitBot.Tests.Policies.HostileFolder;

namespace JitBot.Tests.Policies;

/// <summary>The policy folder is read safely: only regular files, no more bytes than the limits, links only inside, a bounded walk.</summary>
public class PolicyFolderTests
{
    const string OneRule = """
        rules:
          - {id: owners, effect: allow, when: {match: {principal.team: resource.owner-team}}}
        """;

    static PolicyProblem OnlyError(PolicyLoadResult result)
    {
        Assert.Null(result.Snapshot);
        return Assert.Single(result.Problems, p => p.IsError);
    }

    [Fact]
    public void ALinkToDevZero_IsAProblemNamingIt_AndNothingOfItIsRead()
    {
        var (result, allocated) = LoadWithinBound(Kept("zero"));
        var problem = OnlyError(result);
        Assert.Equal(("zero.yaml", "bad-link", 0), (problem.File, problem.Code, problem.Line));
        Assert.Contains("/dev/zero", problem.Message);
        Assert.True(allocated < 32 * 1024 * 1024, $"Loading allocated {allocated / (1024 * 1024)} MiB.");
    }

    [Fact]
    public void ReadAtMost_ADeviceThatNeverEnds_IsReadNoFurtherThanOneBytePastTheLimit()
    {
        if (OperatingSystem.IsWindows()) return;
        const int limit = 1024 * 1024;
        using var zero = new FileStream("/dev/zero", FileMode.Open, FileAccess.Read);

        Assert.Null(PolicyFolder.ReadAtMost(zero, expected: 0, max: limit));
        Assert.InRange(zero.Position, limit, limit + 1);
    }

    [Fact]
    public void AFifo_IsAProblemNamingIt_AndIsNeverOpened()
    {
        if (OperatingSystem.IsWindows()) return;
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog), ("rules.yaml", OneRule));
        MakeFifo(Path.Combine(t.Dir, "pipe.yaml"));

        var problem = OnlyError(LoadWithinBound(t.Dir).Result);
        Assert.Equal(("pipe.yaml", "unreadable"), (problem.File, problem.Code));
        Assert.StartsWith("This is a named pipe (FIFO), not a regular file", problem.Message);
        Assert.Equal("pipe.yaml: unreadable: This is a named pipe (FIFO), not a regular file", problem.Format()[..70]);
    }

    [Fact]
    public async Task AFifoAmongTheTestFiles_IsAProblem_AndIsNeverOpened()
    {
        if (OperatingSystem.IsWindows()) return;
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog), ("rules.yaml", OneRule));
        var snapshot = t.Load().Snapshot!;
        MakeFifo(Path.Combine(t.Dir, "pipe.test.yaml"));

        var (_, problems) = await Task.Run(() => PolicyTestRunner.ReadCases(t.Dir, snapshot)).WaitAsync(Bound);
        var problem = Assert.Single(problems);
        Assert.Equal(("pipe.test.yaml", "unreadable"), (problem.File, problem.Code));
    }

    [Fact]
    public void ALinkToTheFolderItself_IsOneProblem_NotDuplicateIds()
    {
        var problem = OnlyError(LoadWithinBound(Kept("self-link")).Result);
        Assert.Equal(("l", "bad-link"), (problem.File, problem.Code));
        Assert.Contains("leads back to the policy folder itself", problem.Message);
    }

    [Fact]
    public void ThreeLinksToTheFolder_AreAProblemEach_WithinTheBound()
    {
        var result = LoadWithinBound(Kept("three-links")).Result;
        Assert.Null(result.Snapshot);
        Assert.Equal([("a", "bad-link"), ("b", "bad-link"), ("c", "bad-link")], result.Problems.Select(p => (p.File, p.Code)));
    }

    [Fact]
    public void ALinkLeavingTheFolder_IsNotFollowed()
    {
        var problem = OnlyError(LoadWithinBound(Kept("outside")).Result);
        Assert.Equal(("escape", "bad-link"), (problem.File, problem.Code));
        Assert.Contains("leads outside the policy folder", problem.Message);
    }

    [Fact]
    public void LinksThatStayInsideTheFolder_AreFollowed_AsKubernetesConfigMapsUseThem()
    {
        var result = LoadWithinBound(Kept("configmap")).Result;
        Assert.True(result.Succeeded, string.Join("\n", result.Problems));
        Assert.Equal(["ops-db"], result.Snapshot!.ResourceIds);
    }

    [Fact]
    public void ALinkIntoAHiddenFolderReachedTwice_IsAProblem()
    {
        if (OperatingSystem.IsWindows()) return;
        using var t = new TempPolicy((".shared/catalog.yaml", Policy.Catalog), ("rules.yaml", OneRule));
        Directory.CreateSymbolicLink(Path.Combine(t.Dir, "one"), ".shared");
        Directory.CreateSymbolicLink(Path.Combine(t.Dir, "two"), ".shared");

        var problem = OnlyError(t.Load());
        Assert.Equal(("two", "bad-link"), (problem.File, problem.Code));
        Assert.Contains("already read through another link", problem.Message);
    }

    [Fact]
    public void FoldersNestedPastTheLimit_AreAProblem_AndNotRead()
    {
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog), ("rules.yaml", OneRule), ("a/b/c/more.yaml", "colour: blue"));
        var problem = OnlyError(PolicyLoader.Load(t.Dir, PolicyLimits.Default with { MaxFolderDepth = 2 }));
        Assert.Equal(("a/b/c", "too-deep"), (problem.File, problem.Code));
    }

    [Fact]
    public void AFolderWithMoreEntriesThanTheLimit_IsRefused_WithoutReadingAny()
    {
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog), ("rules.yaml", OneRule));
        for (var i = 0; i < 10; i++) t.Write($"notes/{i}.txt", "not policy");
        var problem = OnlyError(PolicyLoader.Load(t.Dir, PolicyLimits.Default with { MaxFolderEntries = 8 }));
        Assert.Equal((".", "too-large"), (problem.File, problem.Code));
        Assert.StartsWith("The policy folder holds more than 8 files and folders", problem.Message);
    }

    [Fact]
    public void AProblem_IsPrintedWithControlCharactersEscaped()
    {
        var problem = new PolicyProblem("te\u001b[2Jams.yaml", 3, 4, "bad-yaml", "found\ta \u202Equote\r\n");
        Assert.Equal("te\\u001B[2Jams.yaml:3:4: bad-yaml: found\\ta \\u202Equote\\r\\n", problem.Format());
    }

    [Fact]
    public void AProblemWithAWholeFile_IsPrintedWithoutAnInventedPosition()
    {
        Assert.Equal("policies/pipe.yaml: unreadable: Not a file.", PolicyProblem.Whole("pipe.yaml", "unreadable", "Not a file.").Format("policies"));
        Assert.Equal("policies: no-policy-files: Nothing here.", PolicyProblem.Whole(".", "no-policy-files", "Nothing here.").Format("policies"));
    }
}
