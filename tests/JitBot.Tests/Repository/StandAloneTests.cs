namespace JitBot.Tests.Repository;

/// <summary>A clone on its own builds, tests and runs: nothing reads a folder beside the checkout.</summary>
public class StandAloneTests
{
    static readonly string[] Patterns = ["*.cs", "*.csproj", "*.props", "*.targets", "*.sh", "Dockerfile", "run", "publish-smoke"];

    /// <summary>Links are not followed: test data holds links that loop on purpose.</summary>
    static readonly EnumerationOptions SourceFiles = new() { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint };

    [Fact]
    public void Repository_ReadsNothingOutsideItself()
    {
        var offenders =
            from folder in new[] { "src", "tests", "tools", "bench", ".ci" }.Select(f => RepoPaths.Of(f))
            where Directory.Exists(folder)
            from pattern in Patterns
            from file in Directory.EnumerateFiles(folder, pattern, SourceFiles)
            where !file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") &&
                  !file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") &&
                  !file.EndsWith(nameof(StandAloneTests) + ".cs", StringComparison.Ordinal)
            where File.ReadAllText(file).Contains("../shared", StringComparison.Ordinal) ||
                  File.ReadAllText(file).Contains("\"shared\"", StringComparison.Ordinal)
            select Path.GetRelativePath(RepoPaths.Root, file);
        Assert.Empty(offenders);
    }

    [Fact]
    public void ManifestSchema_IsKeptInTheRepositoryWithItsLicence()
    {
        Assert.True(File.Exists(RepoPaths.Of("manifest", "schema", "manifest.schema.1.0.0.json")));
        Assert.Contains("MIT License", File.ReadAllText(RepoPaths.Of("manifest", "schema", "LICENSE")));
    }
}
