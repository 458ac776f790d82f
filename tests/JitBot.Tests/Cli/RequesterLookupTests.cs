using JitBot.Tests.Policies;
using static JitBot.Tests.Cli.CommandLine;

namespace JitBot.Tests.Cli;

/// <summary>Who a request is from, in <c>policy explain</c> and in policy tests: groups must be declared, people may be named.</summary>
public class RequesterLookupTests
{
    static (int Code, string Out, string Err) Explain(string folder, params string[] more) =>
        Run(["policy", "explain", folder, "--resource", "vault-prod", "--reason", "x", "--incident", .. more]);

    [Fact]
    public void Explain_AGroupWithoutTheAt_IsRefused_WithTheHandleSuggested()
    {
        var (code, output, error) = Explain(Policy.ExamplesDir, "--user", "U0PLT0001", "--group", "platform-oncall");
        Assert.Equal(2, code);
        Assert.Empty(output);
        Assert.StartsWith("error: --group: \"platform-oncall\" is not a group declared in the policy", error);
        Assert.Contains("Did you mean @platform-oncall?", error);
    }

    [Theory]
    [InlineData("S09NOSUCH")]
    [InlineData("@platform-oncal")]
    public void Explain_AnUndeclaredGroup_IsRefused_WithTheClosestSuggested(string group)
    {
        var (code, _, error) = Explain(Policy.ExamplesDir, "--user", "U0PLT0001", "--group", group);
        Assert.Equal(2, code);
        Assert.Contains($"\"{group}\" is not a group declared in the policy", error);
        if (group.StartsWith('@')) Assert.Contains("Did you mean @platform-oncall", error);
    }

    [Theory]
    [InlineData("Chloe")]
    [InlineData("chloe")]
    public void Explain_AUserGivenByName_IsThePersonWithThatName(string name)
    {
        var byName = Explain(Policy.ExamplesDir, "--user", name, "--group", "@platform-oncall");
        var byId = Explain(Policy.ExamplesDir, "--user", "U0PLT0001", "--group", "@platform-oncall");
        Assert.Equal(0, byName.Code);
        Assert.Equal(byId.Out.Split('\n')[..4], byName.Out.Split('\n')[..4]);
        Assert.Contains("Request:   U0PLT0001 -> vault-prod", byName.Out);
    }

    [Fact]
    public void Explain_ANameTwoPeopleShare_IsRefused_ListingBoth()
    {
        using var copy = ExamplesPlus("staff.yaml", "people:\n  - {slack: U0PLT0009, name: chloe, tags: {team: platform}}\n");
        var (code, _, error) = Explain(copy.Dir, "--user", "Chloe");
        Assert.Equal(2, code);
        Assert.Contains("2 people in the policy are called \"Chloe\": Chloe (U0PLT0001), chloe (U0PLT0009)", error);
    }

    [Fact]
    public void Explain_ANameNobodyHas_IsRefused_WithTheClosestNameSuggested()
    {
        var (code, _, error) = Explain(Policy.ExamplesDir, "--user", "Cloe");
        Assert.Equal(2, code);
        Assert.Contains("\"Cloe\" is neither a Slack user id (like U0123ABCD) nor the name of a person", error);
        Assert.Contains("Did you mean Chloe (U0PLT0001)?", error);
    }

    [Fact]
    public void Test_AGroupWithoutTheAt_FailsItsCase_WithTheHandleSuggested()
    {
        using var copy = ExamplesPlus("tests/groups.test.yaml", """
            cases:
              - name: on-call platform engineer in an incident
                request: {user: U0PLT0001, groups: [platform-oncall], resource: vault-prod, reason: x, incident: true}
                expect: {outcome: auto_approved}
            """);
        var (code, output, _) = Run("policy", "test", copy.Dir);
        Assert.Equal(1, code);
        Assert.Contains("FAIL  on-call platform engineer in an incident", output);
        Assert.Contains("bad-test: \"platform-oncall\" is not a group declared in the policy; give a declared handle (@…) or Slack id (S…). Did you mean @platform-oncall?", output);
    }

    [Fact]
    public void Test_AUserGivenByName_IsThePersonWithThatName()
    {
        using var copy = ExamplesPlus("tests/names.test.yaml", """
            cases:
              - name: Chloe on call in an incident
                request: {user: Chloe, groups: ["@platform-oncall"], resource: vault-prod, reason: x, incident: true}
                expect: {outcome: auto_approved}
            """);
        var (code, output, _) = Run("policy", "test", copy.Dir);
        Assert.Equal(0, code);
        Assert.Contains("ok    Chloe on call in an incident", output);
    }
}
