using JitBot.Policies;
using JitBot.Providers.Postgres;

namespace JitBot.Providers;

/// <summary>
/// The provider types this JitBot has: the only values a resource's <c>provider.type</c> may take. Policy
/// validation refuses any other type and any parameter a type does not declare (so <c>jitbot policy validate</c>
/// catches it, not the first grant); <see cref="AccessProviderRegistry"/> builds the configured instances of
/// them. A new provider adds its <see cref="IProviderType"/> to <see cref="All"/> once.
/// </summary>
public static class ProviderTypes
{
    /// <summary>Records grants and changes nothing else (<see cref="RecordOnlyProvider"/>).</summary>
    public const string Record = "record";

    /// <summary>The instance a resource uses when its catalog entry names none.</summary>
    public const string DefaultInstance = "default";

    public static IReadOnlyList<IProviderType> All { get; } =
    [
        new RecordProviderType(),
        new PostgresProviderType(),
        new Webhook.WebhookType(),
        new Token.TokenType(),
        new SlackUserGroup.SlackUserGroupType(),
    ];

    /// <summary>What policy validation needs: each type's name and its parameter check.</summary>
    public static IReadOnlyList<ProviderTypeCheck> Known { get; } = All.Select(t => new ProviderTypeCheck(t.Name, p => Problems(t, p))).ToArray();

    /// <summary>The type with this name (case-insensitive), or null.</summary>
    public static IProviderType? Find(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The ledger key of a resource for a user: <c>{type}:{instance}:{access}:{user}</c>. The type decides the
    /// access part (a role, a group), so two resources that grant the same real access share one key.
    /// </summary>
    public static string AccessKey(ResourceInfo resource, string userId)
    {
        var type = Find(resource.Provider.Type);
        var access = type?.AccessKey(resource.Provider.Settings, resource.Id) ?? resource.Id;
        return $"{type?.Name ?? resource.Provider.Type.ToLowerInvariant()}:{resource.Provider.Instance}:{access}:{userId}";
    }

    /// <summary>A resource's parameters against a type: undeclared and missing ones first, then the type's own checks.</summary>
    public static IEnumerable<string> Problems(IProviderType type, IReadOnlyDictionary<string, string> parameters)
    {
        var declared = type.Parameters.Select(p => p.Name).ToArray();
        foreach (var key in parameters.Keys.Order(StringComparer.Ordinal))
            if (!declared.Contains(key, StringComparer.Ordinal))
                yield return $"`{key}` is not a parameter of the {type.Name} provider. " +
                    (declared.Length == 0 ? $"It takes none besides `type` and `instance`." : $"Its parameters: {string.Join(", ", declared)}.") +
                    $" Secrets such as passwords belong in configuration (Providers:{type.Name}:<instance>:…), never in a policy file.";
        foreach (var p in type.Parameters.Where(p => p.Required && !parameters.ContainsKey(p.Name)))
            yield return $"The {type.Name} provider needs `{p.Name}`: {p.Description}";
        foreach (var problem in type.Check(parameters))
            yield return problem;
    }
}
