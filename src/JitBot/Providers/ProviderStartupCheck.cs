using JitBot.Policies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JitBot.Providers;

/// <summary>
/// Stops start-up when a resource in the policy names a provider instance that is not configured (or an
/// instance's configuration is wrong), with a sentence naming the resource, type, instance and key, so a grant
/// never finds out first. The bot runs it before the host starts (so the sentence stands alone); as a hosted
/// service it also guards hosts built without that step.
/// </summary>
public sealed class ProviderStartupCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Run(services);

    /// <summary>Throws <see cref="ProviderSettingsException"/> with one sentence per problem.</summary>
    public static Task Run(IServiceProvider services)
    {
        var registry = services.GetRequiredService<AccessProviderRegistry>(); // building it checks the configuration
        if (services.GetService<IPolicySource>()?.Current is not { } policy) return Task.CompletedTask;
        var problems = registry.Unconfigured(policy.ResourceIds.Select(policy.FindResource).OfType<ResourceInfo>()).ToList();
        if (problems.Count > 0) throw new ProviderSettingsException(string.Join(Environment.NewLine, problems));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
