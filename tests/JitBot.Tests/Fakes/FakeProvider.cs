using System.Collections.Concurrent;
using JitBot.Providers;

namespace JitBot.Tests.Fakes;

/// <summary>A provider that remembers what is granted and can be told to fail.</summary>
public sealed class FakeProvider(string type = "fake") : IAccessProvider
{
    public string Type => type;
    public ConcurrentDictionary<string, ProviderGrant> Granted { get; } = new();
    public ConcurrentQueue<string> Log { get; } = new();
    public int RevokeFailuresLeft;
    public bool FailGrants;
    /// <summary>When set, each grant issues a credential with this secret (a password, a token).</summary>
    public string? IssuesSecret;
    /// <summary>When set, every revoke fails with this error and says retrying cannot help.</summary>
    public string? RevokeFailsForGood;
    public Exception? GrantThrows;
    /// <summary>Runs inside a revoke call, before the access is removed (to stage races).</summary>
    public Func<ProviderGrant, Task>? BeforeRevoke;
    /// <summary>Runs on every revoke call (unlike <see cref="BeforeRevoke"/>, which runs once); may wait or throw.</summary>
    public Func<ProviderGrant, Task>? OnEveryRevoke;

    public int RevokeCalls => Log.Count(l => l.StartsWith("revoke ", StringComparison.Ordinal));

    /// <summary>Runs on every grant call before the provider answers; may wait or throw.</summary>
    public Func<ProviderGrant, Task>? BeforeGrant;

    public async Task<ProviderResult> GrantAsync(ProviderGrant grant, CancellationToken cancellationToken)
    {
        Log.Enqueue("grant " + grant.GrantId);
        if (BeforeGrant is { } hook) await hook(grant);
        if (GrantThrows is { } e) throw e;
        if (FailGrants) return ProviderResult.Failed("The database refused the role (test).");
        Granted[grant.AccessKey] = grant;
        return IssuesSecret is { } secret
            ? ProviderResult.Issued(new IssuedCredential("password", secret, grant.ExpiresAt, "psql -U someone"), "login created")
            : ProviderResult.Ok("role granted");
    }

    public async Task<ProviderResult> RevokeAsync(ProviderGrant grant, CancellationToken cancellationToken)
    {
        Log.Enqueue("revoke " + grant.GrantId);
        if (BeforeRevoke is { } hook)
        {
            BeforeRevoke = null;
            await hook(grant);
        }
        if (OnEveryRevoke is { } every) await every(grant);
        if (RevokeFailsForGood is { } error) return ProviderResult.Failed(error, retryable: false);
        if (Interlocked.Decrement(ref RevokeFailuresLeft) >= 0)
            throw new TimeoutException("The database did not answer (test).");
        Granted.TryRemove(grant.AccessKey, out _);
        return ProviderResult.Ok();
    }

    public Task<ProviderCheck> CheckAsync(ProviderGrant grant, CancellationToken cancellationToken) =>
        Task.FromResult(new ProviderCheck(Granted.ContainsKey(grant.AccessKey) ? ProviderState.Granted : ProviderState.NotGranted));
}
