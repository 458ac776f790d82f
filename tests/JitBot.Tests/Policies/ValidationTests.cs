using JitBot.Policies;

namespace JitBot.Tests.Policies;

/// <summary>Each validation code, with the place it points at. All problems are collected in one pass.</summary>
public class ValidationTests
{
    static IReadOnlyList<PolicyProblem> Problems(string rules, string? catalog = null)
    {
        using var t = new TempPolicy(("catalog.yaml", catalog ?? Policy.Catalog), ("rules.yaml", rules));
        return t.Load().Problems;
    }

    static PolicyProblem Only(string rules, string? catalog = null)
    {
        var problems = Problems(rules, catalog);
        Assert.True(problems.Count == 1, string.Join("\n", problems));
        return problems[0];
    }

    const string Allow = "rules:\n  - {id: r, effect: allow, when: {resource: {env: production}}";

    [Fact]
    public void UnknownKey_PointsAtTheKey_AndSuggestsTheClosest()
    {
        var p = Only("rules:\n  - id: r\n    effect: allow\n    wen: {resource: {env: production}}\n");
        Assert.Equal(("rules.yaml", 4, 5, "unknown-key"), (p.File, p.Line, p.Column, p.Code));
        Assert.Contains("did you mean `when`?", p.Message);
    }

    [Fact]
    public void BadType_SaysWhatWasExpected()
    {
        var p = Only("rules:\n  - id: r\n    effect: allow\n    when: [production]\n");
        Assert.Equal(("bad-type", 4, 11), (p.Code, p.Line, p.Column));
    }

    [Fact]
    public void BadDuration_UsesTheDurationSentence()
    {
        var p = Only(Allow + ", duration: {max: 0m}}\n");
        Assert.Equal("bad-duration", p.Code);
        Assert.Contains("zero", p.Message);
        Assert.Equal("bad-duration", Only(Allow + ", duration: {max: 400d}}\n").Code);
        Assert.Equal("bad-duration", Only(Allow + ", duration: {default: 5h, max: 1h}}\n").Code);
    }

    [Theory]
    [InlineData("default_duration: \u0661h", 2, 21)]
    [InlineData("approval_timeout: \uFF11h", 2, 21)]
    [InlineData("default_duration: 20s", 2, 21)]
    public void BadDuration_NonAsciiDigitsOrUnderAMinute_IsAProblemAtItsPlace_NotAnInternalError(string setting, int line, int column)
    {
        var p = Only("policy:\n  " + setting + "\n" + Allow + "}\n");
        Assert.Equal(("rules.yaml", line, column, "bad-duration"), (p.File, p.Line, p.Column, p.Code));
    }

    [Fact]
    public void BadDuration_InARule_WithFullWidthDigits_SaysToUseDigitsZeroToNine()
    {
        var p = Only(Allow + ", duration: {max: \uFF12h}}\n");
        Assert.Equal("bad-duration", p.Code);
        Assert.Contains("digits 0-9", p.Message);
    }

    [Fact]
    public void BadRegex_IsReported() =>
        Assert.Equal("bad-regex", Only(Allow + ", require: {ticket: \"(INC\"}}\n").Code);

    [Fact]
    public void BadIncidentLabelRegex_IsReported_AtTheKey()
    {
        var p = Only("rules:\n  - {id: r, effect: allow, when: {resource: {env: production}, context: {incident_label: \"(INC\"}}}\n");
        Assert.Equal(("bad-regex", "rules.yaml"), (p.Code, p.File));
        Assert.Contains("(INC", p.Message);
    }

    [Fact]
    public void DuplicateId_NamesTheFirstDefinition()
    {
        var p = Only("rules:\n  - {id: r, effect: deny, when: {resource: {env: dev}}}\n  - {id: r, effect: deny, when: {resource: {env: dev}}}\n");
        Assert.Equal(("duplicate-id", 3), (p.Code, p.Line));
        Assert.Contains("rules.yaml:2:5", p.Message);
    }

    [Fact]
    public void MissingOwnerTeam_AndUnknownTeam()
    {
        var catalog = Policy.Catalog + "\n  - {id: orphan, tags: {env: dev}}\n  - {id: lost, tags: {env: dev, owner-team: nobody}}\n";
        var codes = Problems("rules: []\n", catalog).Select(p => p.Code).ToArray();
        Assert.Equal(["missing-owner-team", "unknown-team"], codes);
        Assert.Equal("unknown-team", Only(Allow + ", approval: {team: nobody}}\n").Code);
    }

    [Fact]
    public void UnknownGroup_InApprovalsAndConditions()
    {
        Assert.Equal("unknown-group", Only(Allow + ", approval: {group: \"@nobody\"}}\n").Code);
        Assert.Equal("unknown-group", Only("rules:\n  - {id: r, effect: allow, when: {principal: {group: \"@nobody\"}, resource: {env: dev}}}\n").Code);
    }

    [Fact]
    public void UnknownTagKey_WhenKeysAreDeclared()
    {
        var catalog = "policy:\n  tag_keys: {resource: [env, data-class], principal: [team, employment, role]}\n" + Policy.Catalog;
        var p = Only("rules:\n  - {id: r, effect: allow, when: {resource: {envs: production}}}\n", catalog);
        Assert.Equal("unknown-tag-key", p.Code);
        Assert.Contains("Did you mean `env`?", p.Message);
        Assert.Empty(Problems(Allow + "}\n", catalog));
    }

    [Fact]
    public void NeverMatches_ForResourceTagsNobodyHas_AndPrincipalValuesNobodyHas()
    {
        Assert.Equal("never-matches", Only("rules:\n  - {id: r, effect: allow, when: {resource: {env: prod}}}\n").Code);
        Assert.Equal("never-matches", Only("rules:\n  - {id: r, effect: allow, when: {principal: {team: nobody}, resource: {env: dev}}}\n").Code);
    }

    [Fact]
    public void ShadowedByDeny_IsAWarning_AndThePolicyStillLoads()
    {
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog), ("rules.yaml",
            "rules:\n  - {id: no-dev, effect: deny, when: {resource: {env: dev}}}\n  - {id: dev, effect: allow, when: {resource: {env: dev}}, auto_approve: true}\n"));
        var result = t.Load();
        var p = Assert.Single(result.Problems);
        Assert.Equal(("shadowed-by-deny", ProblemSeverity.Warning), (p.Code, p.Severity));
        Assert.StartsWith("rules.yaml:3:5: shadowed-by-deny: warning: ", p.ToString());
        Assert.NotNull(result.Snapshot);
    }

    [Fact]
    public void BadTimeAndTimezone()
    {
        var codes = Problems(Allow + ", unless: {context: {time: {days: Someday, hours: \"25:00-26:00\", tz: Mars/Olympus}}}}\n").Select(p => p.Code);
        Assert.Equal(["bad-time", "bad-time", "bad-timezone"], codes);
    }

    [Fact]
    public void AllProblems_AreCollectedInOnePass_InFileOrder()
    {
        var problems = Problems("""
            rules:
              - id: a
                effect: allow
                colour: blue
                when: {resource: {env: production}}
                duration: {max: soon}
              - id: b
                effect: maybe
              - id: c
                effect: allow
                when: {resource: {env: production}}
                approval: {team: nobody, count: 0}
            """);
        Assert.Equal(["unknown-key", "bad-duration", "bad-value", "unknown-team", "bad-value"], problems.Select(p => p.Code));
        Assert.Equal([4, 6, 8, 12, 12], problems.Select(p => p.Line));
    }

    [Fact]
    public void SlackIds_AreChecked()
    {
        var catalog = Policy.Catalog.Replace("{id: S0SECURE,", "{id: security,").Replace("{slack: U0SOLO001,", "{slack: solo,");
        var codes = Problems("rules: []\n", catalog).Select(p => p.Code).ToArray();
        Assert.Equal(["bad-value", "bad-value"], codes);
    }

    [Fact]
    public void AMissingFolder_IsAProblem_NotAnException()
    {
        var result = PolicyLoader.Load(Path.Combine(Path.GetTempPath(), "no-such-policy-" + Guid.NewGuid()));
        Assert.Equal("no-policy-files", Assert.Single(result.Problems).Code);
    }
}
