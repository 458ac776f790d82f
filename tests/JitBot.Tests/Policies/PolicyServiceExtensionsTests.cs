using JitBot.Policies;
using JitBot.Providers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JitBot.Tests.Policies;

public class PolicyServiceExtensionsTests
{
    static HostApplicationBuilder Builder(string? path)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (path is not null) builder.Configuration["Policies:Path"] = path;
        return builder;
    }

    [Fact]
    public void AddPolicies_WithoutTheSetting_ThrowsNamingTheKey()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Builder(null).AddPolicies(ProviderTypes.Known));
        Assert.Contains("Policies:Path", e.Message);
        Assert.Contains("Policies__Path", e.Message);
    }

    [Fact]
    public void AddPolicies_WithAnInvalidPolicy_ThrowsListingEveryProblem()
    {
        using var t = new TempPolicy(("catalog.yaml", Policy.Catalog), ("rules.yaml", "rules:\n  - {id: r, effect: allow, wen: {}}\n  - {id: s, effect: nope}\n"));
        var e = Assert.Throws<PolicyLoadException>(() => Builder(t.Dir).AddPolicies(ProviderTypes.Known));
        Assert.Contains("rules.yaml:2:28: unknown-key:", e.Message);
        Assert.Contains("rules.yaml:3:21: bad-value:", e.Message);
        Assert.Equal(2, e.Problems.Count);
    }

    [Fact]
    public void AddPolicies_RegistersTheSourceAsASingleton()
    {
        var builder = Builder(Policy.ExamplesDir);
        builder.AddPolicies(ProviderTypes.Known);
        using var host = builder.Build();
        var source = host.Services.GetRequiredService<IPolicySource>();
        Assert.Same(source, host.Services.GetRequiredService<IPolicySource>());
        Assert.Same(source, host.Services.GetRequiredService<PolicySource>());
        Assert.NotNull(source.Current.FindResource("payments-db"));
    }
}
