using System.Text.RegularExpressions;

namespace JitBot.Tests.Repository;

/// <summary>The README's commands point at things that exist, and CI runs what the README says.</summary>
public class ReadmeTests
{
    static readonly string Readme = File.ReadAllText(RepoPaths.Of("README.md"));

    [Fact]
    public void Readme_DockerRunMountsAPolicyFolderThatExists()
    {
        var mounts = Regex.Matches(Readme, @"-v ""\$PWD/(?<dir>[^:""]+):/policies");
        Assert.NotEmpty(mounts);
        foreach (Match m in mounts) Assert.True(Directory.Exists(RepoPaths.Of(m.Groups["dir"].Value)), $"README mounts {m.Groups["dir"].Value}, which is not in the repository");
    }

    [Fact]
    public void Readme_TestCommandIsTheOneCiRuns()
    {
        Assert.Contains("dotnet test JitBot.sln", Readme);
        Assert.Contains("\ndotnet test JitBot.sln", File.ReadAllText(RepoPaths.Of(".ci", "run")));
    }

    [Fact]
    public void Readme_SaysTheFirstRunRestoresAndBuilds()
    {
        Assert.Matches(@"first `dotnet run`[^.]*restores", Readme);
    }

    [Fact]
    public void Readme_ExplainsPublicAddressesAndApproverGroups()
    {
        Assert.Contains("tunnel", Readme);
        Assert.Contains("Approvers are Slack user groups", Readme);
        Assert.Contains("What to edit first in the example policy", Readme);
    }

    [Fact]
    public void PublishSmoke_RemovesItsTemporaryFolderHoweverItEnds()
    {
        var script = File.ReadAllText(RepoPaths.Of(".ci", "publish-smoke"));
        var traps = Regex.Matches(script, @"trap '(?<body>[^']*)' EXIT").Select(m => m.Groups["body"].Value).ToList();
        Assert.NotEmpty(traps);
        Assert.All(traps, body => Assert.Contains("rm -rf \"$out\"", body));
    }
}
