using JitBot.Policies;

namespace JitBot.Providers;

/// <summary>
/// Carries a grant out in a real system and takes it back. Implementations must be idempotent: granting
/// what is already granted, or revoking what is already gone, succeeds. They are keyed by
/// <see cref="Type"/>, which matches <c>provider.type</c> of a resource in the policy catalog.
/// </summary>
public interface IAccessProvider
{
    string Type { get; }

    Task<ProviderResult> GrantAsync(ProviderGrant grant, CancellationToken cancellationToken);

    Task<ProviderResult> RevokeAsync(ProviderGrant grant, CancellationToken cancellationToken);

    /// <summary>What the real system says about this grant now (for reconciliation).</summary>
    Task<ProviderCheck> CheckAsync(ProviderGrant grant, CancellationToken cancellationToken);
}

/// <summary>
/// Everything a provider needs for one grant. <see cref="GrantId"/> is the idempotency key;
/// <see cref="AccessKey"/> names "the same access" so that overlapping grants can be tracked in a ledger.
/// </summary>
public sealed record ProviderGrant(
    string GrantId,
    string RequestId,
    string UserId,
    ResourceInfo Resource,
    DateTimeOffset GrantedAt,
    DateTimeOffset ExpiresAt)
{
    public string AccessKey => $"{Resource.Provider.Type}:{Resource.Id}:{UserId}";
}

/// <summary>Success, or a failure that says whether retrying can help.</summary>
public sealed record ProviderResult(bool Succeeded, string? Error = null, bool Retryable = true, string? Detail = null)
{
    public static ProviderResult Ok(string? detail = null) => new(true, Detail: detail);
    public static ProviderResult Failed(string error, bool retryable = true) => new(false, error, retryable);
}

public enum ProviderState
{
    Granted,
    NotGranted,
    Unknown,
}

public sealed record ProviderCheck(ProviderState State, string? Detail = null);
