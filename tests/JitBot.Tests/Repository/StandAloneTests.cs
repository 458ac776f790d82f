namespace JitBot.Tests.Repository;

/// <summary>A clone on its own builds, tests and runs: nothing reads a folder beside the checkout.</summary>
public class StandAloneTests
{
    static readonly string[] Patterns = ["*.cs", "*.csproj", "*.props", "*.targets", "*.sh", "Dockerfile", "run", "publish-smoke"];

    // The reference folder beside a checkout, spelled in pieces so that this file does not name it itself.
    static readonly string SiblingPath = string.Join("/", "..", "sha" + "red");
    static readonly string SiblingName = "\"" + "sha" + "red" + "\"";

    [Fact]
    public void Repository_ReadsNothingOutsideItself()
    {
        var offenders =
            from pattern in Patterns
            from file in RepoPaths.SourceFiles(pattern, "src", "tests", "tools", "bench", ".ci")
            where File.ReadAllText(file).Contains(SiblingPath, StringComparison.Ordinal) ||
                  File.ReadAllText(file).Contains(SiblingName, StringComparison.Ordinal)
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
