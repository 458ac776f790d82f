using Microsoft.Extensions.Configuration;

namespace JitBot.Providers;

/// <summary>
/// One kind of provider (<c>postgres</c>, <c>webhook</c>, …): what a resource may say about it in the catalog,
/// what each configured instance needs, and how to build one. Stateless; listed once in <see cref="ProviderTypes.All"/>.
/// </summary>
public interface IProviderType
{
    /// <summary>The catalog's <c>provider.type</c>, lowercase ("postgres").</summary>
    string Name { get; }

    /// <summary>The non-secret parameters a resource may give (besides <c>type</c> and <c>instance</c>); any other is a policy error.</summary>
    IReadOnlyList<ProviderParameter> Parameters { get; }

    /// <summary>Keys each instance needs under <c>Providers:{type}:{instance}:</c> in configuration (where secrets live).</summary>
    IReadOnlyList<string> RequiredSettings { get; }

    /// <summary>The required settings one configured instance lacks; by default each of <see cref="RequiredSettings"/> that is empty.</summary>
    IEnumerable<string> MissingSettings(IConfigurationSection settings) =>
        RequiredSettings.Where(key => string.IsNullOrWhiteSpace(settings[key]));

    /// <summary>Problems with a resource's parameters beyond declared and required ones, as sentences (used by <c>policy validate</c>).</summary>
    IEnumerable<string> Check(IReadOnlyDictionary<string, string> parameters);

    /// <summary>The access-specific part of the ledger key: two resources with the same value grant the same real access.</summary>
    string AccessKey(IReadOnlyDictionary<string, string> parameters, string resourceId);

    /// <summary>Builds the provider for one configured instance; throws <see cref="ProviderSettingsException"/> naming the key when settings are wrong.</summary>
    IAccessProvider Create(string instance, IConfigurationSection settings, IServiceProvider services);
}

/// <summary>A catalog parameter a provider type accepts.</summary>
public sealed record ProviderParameter(string Name, bool Required, string Description);

/// <summary>A provider instance's configuration is missing or wrong; the message names the key and says what to set.</summary>
public sealed class ProviderSettingsException(string message) : Exception(message);
