using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace JitBot.Providers;

/// <summary>
/// A provider that changes nothing outside JitBot: it records grants and revocations (in the log and in
/// memory) so that the lifecycle can run end to end before a real provider is configured. Type <c>record</c>.
/// </summary>
public sealed class RecordOnlyProvider(ILogger<RecordOnlyProvider> logger) : IAccessProvider
{
    readonly ConcurrentDictionary<string, ProviderGrant> _granted = new();

    public string Type => ProviderTypes.Record;

    public Task<ProviderResult> GrantAsync(ProviderGrant grant, CancellationToken cancellationToken)
    {
        _granted[grant.GrantId] = grant;
        logger.LogInformation("Recorded grant {GrantId}: {AccessKey} until {ExpiresAt:O}", grant.GrantId, grant.AccessKey, grant.ExpiresAt);
        return Task.FromResult(ProviderResult.Ok("recorded"));
    }

    public Task<ProviderResult> RevokeAsync(ProviderGrant grant, CancellationToken cancellationToken)
    {
        _granted.TryRemove(grant.GrantId, out _);
        logger.LogInformation("Recorded revocation of grant {GrantId}: {AccessKey}", grant.GrantId, grant.AccessKey);
        return Task.FromResult(ProviderResult.Ok("recorded"));
    }

    public Task<ProviderCheck> CheckAsync(ProviderGrant grant, CancellationToken cancellationToken) =>
        Task.FromResult(new ProviderCheck(_granted.ContainsKey(grant.GrantId) ? ProviderState.Granted : ProviderState.NotGranted));
}

/// <summary>
/// The registered providers, by <see cref="IAccessProvider.Type"/> (case-insensitive). Two providers with
/// the same type, or a type in <see cref="ProviderTypes.Known"/> (which policies may name) without a provider,
/// are configuration errors found at start-up, not at the first grant.
/// </summary>
public sealed class AccessProviderRegistry
{
    readonly Dictionary<string, IAccessProvider> _byType = new(StringComparer.OrdinalIgnoreCase);

    public AccessProviderRegistry(IEnumerable<IAccessProvider> providers)
    {
        foreach (var p in providers)
        {
            if (!_byType.TryAdd(p.Type, p))
                throw new InvalidOperationException(
                    $"Two access providers are registered with type '{p.Type}' ({_byType[p.Type].GetType().Name} and {p.GetType().Name}). Register each provider type once.");
        }
        foreach (var type in ProviderTypes.Known)
        {
            if (!_byType.ContainsKey(type))
                throw new InvalidOperationException(
                    $"Policies may name the provider type '{type}' (it is in ProviderTypes.Known), but no access provider of that type is registered. Register one.");
        }
    }

    public IReadOnlyCollection<string> Types => _byType.Keys;

    /// <summary>The provider for a type, or null when none is registered (the caller fails the grant loudly).</summary>
    public IAccessProvider? Find(string type) => _byType.GetValueOrDefault(type);
}
