using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

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

/// <summary>The <c>record</c> type: no parameters, no settings; its <c>default</c> instance always exists.</summary>
public sealed class RecordProviderType : IProviderType
{
    public string Name => ProviderTypes.Record;
    public IReadOnlyList<ProviderParameter> Parameters { get; } = [];
    public IReadOnlyList<string> RequiredSettings { get; } = [];
    public IEnumerable<string> Check(IReadOnlyDictionary<string, string> parameters) => [];
    public string AccessKey(IReadOnlyDictionary<string, string> parameters, string resourceId) => resourceId;

    public IAccessProvider Create(string instance, IConfigurationSection settings, IServiceProvider services) =>
        new RecordOnlyProvider(services.GetService<ILogger<RecordOnlyProvider>>() ?? NullLogger<RecordOnlyProvider>.Instance);
}
