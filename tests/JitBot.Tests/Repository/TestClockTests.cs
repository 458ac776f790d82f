using System.Text.RegularExpressions;

namespace JitBot.Tests.Repository;

/// <summary>Every test moves the same fake clock, so timers behave the same way in every test.</summary>
public partial class TestClockTests
{
    [GeneratedRegex(@"class\s+\w+\s*(\([^)]*\))?\s*:\s*(System\.)?TimeProvider\b")]
    private static partial Regex DerivesFromTimeProvider();

    [Fact]
    public void Repository_HasNoHandWrittenClock_TestsUseFakeTimeProvider()
    {
        var offenders =
            from file in RepoPaths.SourceFiles("*.cs", "src", "tests", "tools", "bench")
            where DerivesFromTimeProvider().IsMatch(File.ReadAllText(file))
            select Path.GetRelativePath(RepoPaths.Root, file);
        Assert.Empty(offenders);
    }
}
