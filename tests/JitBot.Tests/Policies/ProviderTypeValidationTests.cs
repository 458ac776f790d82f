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

    static string TypeNames => string.Join(", ", ProviderTypes.All.Select(t => t.Name));

    [Fact]
    public void AProviderTypeTheBotDoesNotHave_IsAnErrorAtItsType()
    {
        var result = Load("{type: ldap, group: orders}");
        Assert.Null(result.Snapshot);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(("orders.yaml", 4, 22, "unknown-provider"), (problem.File, problem.Line, problem.Column, problem.Code));
        Assert.Equal($"`ldap` is not a provider type this JitBot has, so a resource with it could never be granted. Provider types: {string.Join(", ", ProviderTypes.All.Select(t => t.Name))}.", problem.Message);
    }

    [Theory]
    [InlineData("{type: record}")]
    [InlineData("{type: Record, instance: default}")]
    public void AProviderTypeTheBotHas_IsAccepted(string provider)
    {
        var result = Load(provider);
        Assert.True(result.Succeeded, string.Join("\n", result.Problems));
    }

    [Fact]
    public void AParameterTheTypeDoesNotDeclare_IsAnErrorNamingIt()
    {
        var result = Load("{type: record, password: hunter2}");
        Assert.Null(result.Snapshot);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(("orders.yaml", 4, 22, "bad-provider"), (problem.File, problem.Line, problem.Column, problem.Code));
        Assert.StartsWith("`password` is not a parameter of the record provider.", problem.Message);
        Assert.Contains("Secrets such as passwords belong in configuration", problem.Message);
        Assert.DoesNotContain("hunter2", problem.Message);
    }

    [Fact]
    public void AnInstanceName_IsKeptApartFromTheParameters()
    {
        var result = Load("{type: record, instance: payments}");
        Assert.True(result.Succeeded, string.Join("\n", result.Problems));
        var resource = result.Snapshot!.FindResource("orders-db")!;
        Assert.Equal(("payments", 0), (resource.Provider.Instance, resource.Provider.Settings.Count));
    }

    [Fact]
    public void AResourceWithoutAnInstance_UsesTheDefaultInstance()
    {
        var result = Load("{type: record}");
        Assert.Equal(ProviderTypes.DefaultInstance, result.Snapshot!.FindResource("orders-db")!.Provider.Instance);
    }
}
