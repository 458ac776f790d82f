using JitBot.Policies;
using JitBot.Providers;

namespace JitBot.Tests.Policies;

/// <summary>A resource can only name a provider type the bot has; validation says so before any grant is tried.</summary>
public class ProviderTypeValidationTests
{
    const string Rules = "rules:\n  - {id: owners, effect: allow, when: {match: {principal.team: resource.owner-team}}}\n";

    static PolicyLoadResult Load(string provider)
    {
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog), ("rules.yaml", Rules),
            ("orders.yaml", $"resources:\n  - id: orders-db\n    tags: {{env: production, owner-team: payments}}\n    provider: {provider}\n"));
        return PolicyLoader.Load(t.Dir, PolicyLimits.Default, ProviderTypes.Known);
    }

    [Fact]
    public void AProviderTypeTheBotDoesNotHave_IsAnErrorAtItsType()
    {
        var result = Load("{type: postgres, role: orders_ro}");
        Assert.Null(result.Snapshot);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(("orders.yaml", 4, 22, "unknown-provider"), (problem.File, problem.Line, problem.Column, problem.Code));
        Assert.Equal("`postgres` is not a provider type this JitBot has, so a resource with it could never be granted. Provider types: record.", problem.Message);
    }

    [Theory]
    [InlineData("{type: record}")]
    [InlineData("{type: Record, role: orders_ro}")]
    public void AProviderTypeTheBotHas_IsAccepted(string provider)
    {
        var result = Load(provider);
        Assert.True(result.Succeeded, string.Join("\n", result.Problems));
    }
}
