using System.Text.RegularExpressions;
using JitBot.Providers;

namespace JitBot.Tests.Policies;

/// <summary>docs/policies.md says what the engine and the bot do.</summary>
public partial class PolicyDocsTests
{
    static readonly string Doc = File.ReadAllText(RepoPaths.Of("docs", "policies.md"));

    [Fact]
    public void TheDocsExamples_NameOnlyProviderTypesTheBotHas()
    {
        var types = ProviderType().Matches(Doc).Select(m => m.Groups[1].Value).ToArray();
        Assert.NotEmpty(types);
        Assert.All(types, type => Assert.Contains(type, ProviderTypes.Known));
    }

    [Fact]
    public void TheDocs_SayARequiredReasonMustBeNonBlank()
    {
        Assert.Contains("`require: {reason: true}` needs a non-blank reason", Doc);
        Assert.DoesNotContain("non-empty reason", Doc);
    }

    [Fact]
    public void ARequiredReasonOfOnlySpaces_IsAMissingField()
    {
        var snapshot = Policy.Load("""
            rules:
              - {id: owners, effect: allow, when: {match: {principal.team: resource.owner-team}}, require: {reason: true}, auto_approve: true}
            """);
        var decision = snapshot.Decide(Policy.Request("U0PAY0001", "payments-dev", reason: "   "));
        Assert.Equal(["reason"], decision.FieldProblems.Select(f => f.Field));
    }

    [GeneratedRegex(@"provider: \{type: ([a-z-]+)")]
    private static partial Regex ProviderType();
}
