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
            from folder in new[] { "src", "tests", "tools", "bench" }.Select(f => RepoPaths.Of(f))
            where Directory.Exists(folder)
            from file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            where !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") &&
                  !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
            where DerivesFromTimeProvider().IsMatch(File.ReadAllText(file))
            select Path.GetRelativePath(RepoPaths.Root, file);
        Assert.Empty(offenders);
    }
}
