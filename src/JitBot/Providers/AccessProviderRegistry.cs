using JitBot.Policies;
using Microsoft.Extensions.Configuration;

namespace JitBot.Providers;

/// <summary>A provider serving one named instance of its type (registered in code, for example by tests, instead of built from configuration).</summary>
public sealed record ProviderInstance(string Instance, IAccessProvider Provider);

/// <summary>
/// The provider instances, by (type, instance), both case-insensitive. Each configured instance
/// (<c>Providers:{type}:{instance}:…</c>) is built once at start-up; a type that needs no settings always has
/// its <c>default</c> instance. Two providers for one (type, instance), configuration for a type JitBot does
/// not have, or an instance missing a required setting stop start-up with a sentence naming the key.
/// </summary>
public sealed class AccessProviderRegistry
{
    public const string Section = "Providers";

    readonly Dictionary<(string Type, string Instance), IAccessProvider> _byKey = new(KeyComparer.Instance);
    IReadOnlyList<IProviderType> _types = ProviderTypes.All;

    /// <summary>Each provider serves the <c>default</c> instance of its type.</summary>
    public AccessProviderRegistry(IEnumerable<IAccessProvider> providers)
        : this(providers.Select(p => new ProviderInstance(ProviderTypes.DefaultInstance, p))) { }

    public AccessProviderRegistry(IEnumerable<ProviderInstance> instances)
    {
        foreach (var (instance, p) in instances)
        {
            if (!_byKey.TryAdd((p.Type, instance), p))
                throw new InvalidOperationException(
                    $"Two access providers are registered for type '{p.Type}' instance '{instance}' ({_byKey[(p.Type, instance)].GetType().Name} and {p.GetType().Name}). Register each one once.");
        }
    }

    /// <summary>
    /// Builds every instance configured under <c>Providers</c>, plus the <c>default</c> instance of each type that
    /// needs no settings. <paramref name="registered"/> take the place of configured instances of the same name.
    /// </summary>
    public static AccessProviderRegistry FromConfiguration(IReadOnlyList<IProviderType> types, IConfiguration configuration,
        IServiceProvider services, IEnumerable<ProviderInstance> registered)
    {
        var all = registered.ToList();
        bool Has(string type, string instance) => all.Any(r => KeyComparer.Instance.Equals((r.Provider.Type, r.Instance), (type, instance)));
        var section = configuration.GetSection(Section);
        foreach (var configuredType in section.GetChildren())
        {
            if (!types.Any(t => string.Equals(t.Name, configuredType.Key, StringComparison.OrdinalIgnoreCase)))
                throw new ProviderSettingsException(
                    $"The configuration names a provider type '{configuredType.Key}' ({Section}:{configuredType.Key}), which this JitBot does not have. " +
                    $"Provider types: {string.Join(", ", types.Select(t => t.Name))}.");
        }
        foreach (var type in types)
        {
            var instances = section.GetSection(type.Name).GetChildren().Select(c => c.Key).ToList();
            if (type.RequiredSettings.Count == 0 && !instances.Contains(ProviderTypes.DefaultInstance, StringComparer.OrdinalIgnoreCase))
                instances.Add(ProviderTypes.DefaultInstance);
            foreach (var instance in instances)
            {
                if (Has(type.Name, instance)) continue;
                var settings = section.GetSection(type.Name).GetSection(instance);
                if (type.MissingSettings(settings).FirstOrDefault() is { } key)
                    throw new ProviderSettingsException(
                        $"The {type.Name} provider instance '{instance}' needs the setting {Section}:{type.Name}:{instance}:{key}. Set it in configuration (see docs/providers.md).");
                all.Add(new ProviderInstance(instance, type.Create(instance, settings, services)));
            }
        }
        return new AccessProviderRegistry(all) { _types = types };
    }

    /// <summary>Every (type, instance) there is a provider for.</summary>
    public IReadOnlyCollection<(string Type, string Instance)> Instances => _byKey.Keys;

    /// <summary>Every provider, once each.</summary>
    public IEnumerable<IAccessProvider> Providers => _byKey.Values.Distinct();

    /// <summary>The provider for a type's instance, or null when none is configured (the caller fails the grant loudly).</summary>
    public IAccessProvider? Find(string type, string instance = ProviderTypes.DefaultInstance) => _byKey.GetValueOrDefault((type, instance));

    /// <summary>The provider a resource names, or null.</summary>
    public IAccessProvider? Find(ResourceInfo resource) => Find(resource.Provider.Type, resource.Provider.Instance);

    /// <summary>A sentence for each resource whose provider instance is not configured, naming the resource, type, instance and the key to set.</summary>
    public IEnumerable<string> Unconfigured(IEnumerable<ResourceInfo> resources)
    {
        foreach (var r in resources)
        {
            if (Find(r) is not null) continue;
            var (type, instance) = (r.Provider.Type, r.Provider.Instance);
            var keys = _types.FirstOrDefault(t => string.Equals(t.Name, type, StringComparison.OrdinalIgnoreCase))?.RequiredSettings is { Count: > 0 } required
                ? string.Join(", ", required.Select(k => $"{Section}:{type}:{instance}:{k}"))
                : $"{Section}:{type}:{instance}";
            yield return $"The resource {r.Id} uses the {type} provider instance '{instance}', which is not configured. Set {keys}, or change the resource's provider.";
        }
    }

    sealed class KeyComparer : IEqualityComparer<(string Type, string Instance)>
    {
        public static readonly KeyComparer Instance = new();
        public bool Equals((string Type, string Instance) x, (string Type, string Instance) y) =>
            StringComparer.OrdinalIgnoreCase.Equals(x.Type, y.Type) && StringComparer.OrdinalIgnoreCase.Equals(x.Instance, y.Instance);
        public int GetHashCode((string Type, string Instance) k) =>
            HashCode.Combine(StringComparer.OrdinalIgnoreCase.GetHashCode(k.Type), StringComparer.OrdinalIgnoreCase.GetHashCode(k.Instance));
    }
}
