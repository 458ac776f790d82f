using JitBot.Policies;
using JitBot.Providers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace JitBot.IntegrationTests.Providers;

/// <summary>Builds provider instances the way the registry does (type, instance, configuration) and grants to hand them.</summary>
public static class ProviderTestKit
{
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    public static IAccessProvider Create(IProviderType type, IDictionary<string, string?> settings, FakeTimeProvider clock,
        Action<IServiceCollection>? services = null, string instance = "default")
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.ToDictionary(kv => $"Providers:{type.Name}:{instance}:{kv.Key}", kv => kv.Value))
            .Build();
        var collection = new ServiceCollection().AddSingleton<TimeProvider>(clock);
        services?.Invoke(collection);
        return type.Create(instance, configuration.GetSection($"Providers:{type.Name}:{instance}"), collection.BuildServiceProvider());
    }

    public static ProviderGrant Grant(string type, IReadOnlyDictionary<string, string>? parameters = null, string grantId = "grt_1",
        string user = "U0PAY0001", string resource = "payments-db", TimeSpan? duration = null) =>
        new(grantId, "req_" + grantId, user,
            new ResourceInfo(resource, "Payments database", new Dictionary<string, string> { ["env"] = "production", ["owner-team"] = "payments" },
                "payments", new ProviderSettings(type, parameters ?? new Dictionary<string, string>())),
            Start, Start + (duration ?? TimeSpan.FromHours(2)));
}
