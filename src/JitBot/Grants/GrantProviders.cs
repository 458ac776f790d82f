using JitBot.Policies;
using JitBot.Providers;
using JitBot.Requests;

namespace JitBot.Grants;

/// <summary>
/// Finds the provider instance a grant's resource names and builds what the provider is told: the grant,
/// the resource's parameters and the requester's tags from the current policy.
/// </summary>
public sealed class GrantProviders(AccessProviderRegistry registry, IPolicySource policies)
{
    public ProviderGrant ToProviderGrant(Grant grant, ResourceInfo resource) =>
        new(grant.Id.Value, grant.RequestId.Value, grant.UserId, resource, grant.GrantedAt, grant.ExpiresAt)
        {
            UserTags = policies.Current.PersonTags(grant.UserId),
        };

    /// <summary>The provider for a resource, or null with the sentence that says what is missing.</summary>
    public (IAccessProvider? Provider, string? Missing) Find(ResourceInfo resource) =>
        registry.Find(resource) is { } provider
            ? (provider, null)
            : (null, $"No {resource.Provider.Type} provider instance '{resource.Provider.Instance}' is configured for {resource.Id}. " +
                     $"Ask the JitBot operators to configure {AccessProviderRegistry.Section}:{resource.Provider.Type}:{resource.Provider.Instance}.");
}
