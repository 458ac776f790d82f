using System.Collections.Concurrent;
using JitBot.Providers;

namespace JitBot.IntegrationTests.Infrastructure;

/// <summary>
/// Stands in for a real system (a database, a webhook, …) of one provider type: it grants and revokes in
/// memory and remembers both, so a test can check that access was really taken back. Shared across restarts.
/// </summary>
public sealed class RecordingProvider(string type) : IAccessProvider
{
    public string Type => type;
    public ConcurrentDictionary<string, ProviderGrant> Active { get; } = new();
    public ConcurrentQueue<string> Granted { get; } = new();
    public ConcurrentQueue<string> Revoked { get; } = new();
    /// <summary>When set, each grant issues a credential with this secret, as a provider of passwords or tokens would.</summary>
    public string? IssuesSecret { get; set; }
    /// <summary>How many revoke attempts from now on fail (retryably) before revoking works again.</summary>
    public int FailRevokes;

    public Task<ProviderResult> GrantAsync(ProviderGrant grant, CancellationToken cancellationToken)
    {
        Active[grant.GrantId] = grant;
        Granted.Enqueue(grant.GrantId);
        return Task.FromResult(IssuesSecret is { } secret
            ? ProviderResult.Issued(new IssuedCredential("password", secret, grant.ExpiresAt, "psql -h db.internal -U " + grant.UserId.ToLowerInvariant()))
            : ProviderResult.Ok());
    }

    public Task<ProviderResult> RevokeAsync(ProviderGrant grant, CancellationToken cancellationToken)
    {
        if (Interlocked.Decrement(ref FailRevokes) >= 0) return Task.FromResult(ProviderResult.Failed("the test's system is away"));
        Active.TryRemove(grant.GrantId, out _);
        Revoked.Enqueue(grant.GrantId);
        return Task.FromResult(ProviderResult.Ok());
    }

    public Task<ProviderCheck> CheckAsync(ProviderGrant grant, CancellationToken cancellationToken) =>
        Task.FromResult(new ProviderCheck(Active.ContainsKey(grant.GrantId) ? ProviderState.Granted : ProviderState.NotGranted));
}
