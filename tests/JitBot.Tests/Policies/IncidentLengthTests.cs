using JitBot.Policies;

namespace JitBot.Tests.Policies;

/// <summary><c>policy: incident_length</c>: how long incidents last by default and at most.</summary>
public class IncidentLengthTests
{
    const string Allow = "rules:\n  - {id: r, effect: allow, when: {resource: {env: production}}}\n";

    static PolicyLoadResult Load(string settings)
    {
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog), ("rules.yaml", settings + Allow));
        return t.Load();
    }

    [Fact]
    public void Given_ItIsWhatIncidentsGet()
    {
        var result = Load("policy:\n  incident_length: {default: 4h, max: 12h}\n");
        Assert.Empty(result.Problems);
        var length = result.Snapshot!.IncidentLength;
        Assert.Equal(new IncidentLength(TimeSpan.FromHours(4), TimeSpan.FromHours(12)), length);
        Assert.Equal(TimeSpan.FromHours(4), length.For(null));
        Assert.Equal(TimeSpan.FromHours(2), length.For(TimeSpan.FromHours(2)));
        Assert.Equal(TimeSpan.FromHours(12), length.For(TimeSpan.FromDays(2)));
    }

    [Fact]
    public void NotGiven_IncidentsLastEightHours_AndAtMostADay()
    {
        var result = Load("");
        Assert.Empty(result.Problems);
        Assert.Equal(new IncidentLength(TimeSpan.FromHours(8), TimeSpan.FromHours(24)), result.Snapshot!.IncidentLength);
        Assert.Equal(TimeSpan.FromHours(2), new IncidentLength(TimeSpan.FromHours(8), TimeSpan.FromHours(2)).For(null));
    }

    [Theory]
    [InlineData("incident_length: {default: 12h, max: 4h}", "bad-duration", "longer than the maximum")]
    [InlineData("incident_length: {max: 0m}", "bad-duration", "zero")]
    [InlineData("incident_length: {longest: 4h}", "unknown-key", "longest")]
    public void BadLengths_AreProblemsAtTheirPlace(string setting, string code, string says)
    {
        var problems = Load("policy:\n  " + setting + "\n").Problems;
        var p = Assert.Single(problems);
        Assert.Equal(("rules.yaml", 2, code), (p.File, p.Line, p.Code));
        Assert.Contains(says, p.Message);
    }
}
